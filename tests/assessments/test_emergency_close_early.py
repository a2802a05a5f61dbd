"""Closing an emergency early (the advisor's clinical call): the steps still open are closed as
not needed, naming the advisor; the manager's emergency task is closed; both are audited; and
the escalation sweep sends nothing after the 24 h / 7 d deadlines."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Case, Emergency, FollowUp, InboxMessage
from healthcheck.core.fields import reveal
from tests.assessments.conftest import events
from tests.assessments.decide import assessed_client_case, freeze


@pytest.fixture
def crisis(clara: Any, ada: Any, max_: Any, django_capture_on_commit_callbacks: Any) -> Case:
    with django_capture_on_commit_callbacks(execute=True):
        return assessed_client_case(clara, ada, "186", "124")


def test_closing_early_closes_the_remaining_steps_and_tasks_and_nothing_escalates(
    crisis: Case, clara: Any, max_: Any, monkeypatch: Any
) -> None:
    emergency = Emergency.objects.get(case=crisis)
    contact = emergency.steps.get(kind="contact")
    services.emergency_step_record(step=contact, actor=max_, note="Client called; at the ER.")
    [task] = FollowUp.objects.filter(case=crisis, kind=FollowUp.Kind.EMERGENCY)
    assert task.done_at is None and task.assignee == clara

    services.emergency_close(emergency=emergency, actor=max_, note="Admitted; stable.")

    emergency.refresh_from_db()
    for kind in ("follow_up_24h", "follow_up_7d"):
        step = emergency.steps.get(kind=kind)
        assert step.done_at == emergency.closed_at and step.done_by == max_
        assert reveal(step, "note") == "Not needed — emergency closed by max"
    contact.refresh_from_db()
    assert reveal(contact, "note") == "Client called; at the ER."  # the recorded step stays
    task.refresh_from_db()
    assert task.done_at is not None
    assert not FollowUp.objects.open().filter(case=crisis, kind=FollowUp.Kind.EMERGENCY).exists()

    not_needed = [e for e in events("emergency.step_recorded") if e.details.get("not_needed")]
    assert sorted(e.details["step"] for e in not_needed) == ["follow_up_24h", "follow_up_7d"]
    assert all(e.actor_label == "max" for e in not_needed)
    [done] = events("follow_up.done")
    assert done.details["reason"] == "emergency_closed" and done.actor_label == "max"

    for later in (datetime.timedelta(hours=25), datetime.timedelta(days=8)):
        freeze(monkeypatch, emergency.opened_at + later)
        assert services.emergencies_escalate() == 0
    assert not events("emergency.escalated")
    assert not InboxMessage.objects.filter(kind="emergency_escalated").exists()


def test_closing_before_the_contact_closes_all_three_steps(crisis: Case, max_: Any) -> None:
    emergency = Emergency.objects.get(case=crisis)
    services.emergency_close(emergency=emergency, actor=max_, note="Seen in clinic already.")
    assert not emergency.steps.filter(done_at__isnull=True).exists()
    assert services.emergencies_escalate(now=timezone.now() + datetime.timedelta(days=8)) == 0
