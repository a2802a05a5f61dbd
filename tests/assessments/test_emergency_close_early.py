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
        assert step.not_needed and reveal(step, "note") == ""  # no note in one language
    contact.refresh_from_db()
    assert reveal(contact, "note") == "Client called; at the ER."  # the recorded step stays
    assert not contact.not_needed
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


def test_the_migration_flags_steps_closed_with_their_emergency(crisis: Case, max_: Any) -> None:
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    name = "0006_add_emergency_step_not_needed"
    migration = importlib.import_module(f"assessments.migrations.{name}")
    emergency = Emergency.objects.get(case=crisis)
    contact = emergency.steps.get(kind="contact")
    services.emergency_step_record(step=contact, actor=max_, note="Reached by phone.")
    services.emergency_close(emergency=emergency, actor=max_, note="Stable.")
    with connection.cursor() as cursor:  # as the previous release left them
        cursor.execute(
            "UPDATE assessments_emergencystep SET not_needed = %s WHERE emergency_id = %s",
            [False, emergency.pk],
        )

    state = MigrationLoader(connection).project_state(("assessments", name))
    migration.flag_steps_closed_with_their_emergency(state.apps, None)
    flags = dict(emergency.steps.values_list("kind", "not_needed"))
    assert flags == {"contact": False, "follow_up_24h": True, "follow_up_7d": True}


def test_the_page_marks_steps_closed_early_as_not_needed_in_chinese(
    crisis: Case, max_: Any, client: Any
) -> None:
    from django.urls import reverse

    emergency = Emergency.objects.get(case=crisis)
    contact = emergency.steps.get(kind="contact")
    services.emergency_step_record(step=contact, actor=max_, note="Reached by phone.")
    services.emergency_close(emergency=emergency, actor=max_, note="Stable.")
    client.force_login(max_)
    html = client.get(reverse("assessments:emergency-detail", args=[emergency.public_id]))
    html = html.content.decode()
    assert html.count('data-testid="not-needed"') == 2  # the 24 h and 7 d steps, not the contact
    assert "不再需要" in html
