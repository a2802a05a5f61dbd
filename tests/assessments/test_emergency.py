"""Emergency protocol: BP 186/124 and PHQ-9 item 9 = 2 open an emergency that locks decisions,
notifies the medical advisor (no value in the e-mail), shows the manager no value, escalates an
overdue step once, and is closed only by a medical advisor with a note."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Case, Emergency, InboxMessage
from assessments.workflow import TransitionNotAllowed
from healthcheck.core.roles import Role
from tests.assessments.conftest import events
from tests.assessments.decide import assessed_client_case, freeze, proposal
from tests.clients.conftest import PHQ9_ITEM9
from tests.harness.text import shows_number


@pytest.fixture
def crisis(clara: Any, ada: Any, max_: Any, django_capture_on_commit_callbacks: Any) -> Case:
    with django_capture_on_commit_callbacks(execute=True):
        return assessed_client_case(clara, ada, "186", "124")


def test_bp_186_124_opens_an_emergency_and_notifies_the_advisor_without_values(
    crisis: Case, max_: Any
) -> None:
    emergency = Emergency.objects.get(case=crisis)
    assert crisis.emergency_open and emergency.trigger == Emergency.Trigger.CRITICAL_VALUE
    assert [s.kind for s in emergency.steps.order_by("due_at")] == [
        "contact", "follow_up_24h", "follow_up_7d",
    ]  # fmt: skip
    contact = emergency.steps.get(kind="contact")
    assert contact.due_at - emergency.opened_at == datetime.timedelta(hours=2)
    assert InboxMessage.objects.filter(recipient=max_, kind="emergency_opened").count() == 1
    [email] = [m for m in mail.outbox if max_.email in m.to] or [None]
    if max_.email:
        assert email is not None and not shows_number(email.body, "186", "124")
    assert len(events("emergency.opened")) == 1 and len(events("emergency.notified")) == 1
    # The critical readings are flagged; the audit trail counts them without naming which.
    [flagged] = [
        e for e in events("client.changed") if e.details.get("reason") == "critical_finding"
    ]
    assert flagged.details == {"count": 2, "reason": "critical_finding"}


def test_an_emergency_locks_decisions_and_the_refusal_is_audited(crisis: Case, clara: Any) -> None:
    version = crisis.version
    with pytest.raises(TransitionNotAllowed):
        services.decision_propose(case=crisis, actor=clara, proposal=proposal(crisis))
    crisis.refresh_from_db()
    assert crisis.version == version and not crisis.decisions.exists()
    assert events("decision.proposed", outcome="denied")


def test_the_manager_sees_urgent_follow_up_and_crisis_lines_but_no_value(
    crisis: Case, client: Any, clara: Any
) -> None:
    client.force_login(clara)
    emergency = Emergency.objects.get(case=crisis)
    for url in (
        reverse("assessments:case-detail", args=[crisis.public_id]),
        reverse("assessments:emergency-detail", args=[emergency.public_id]),
    ):
        page = client.get(url).content.decode()
        assert 'data-testid="emergency-banner"' in page
        assert "120" in page and "12356" in page
        assert not shows_number(page, "186", "124")
        assert "emergency-trigger" not in page  # the trigger is the advisor's


def test_phq9_item_9_opens_a_mental_health_emergency_the_manager_cannot_tell_apart(
    clara: Any, ada: Any, max_: Any, client: Any
) -> None:
    case = assessed_client_case(clara, ada, "118", "76", phq9=PHQ9_ITEM9)
    emergency = Emergency.objects.get(case=case)
    assert emergency.trigger == Emergency.Trigger.SUICIDE_RISK and emergency.is_mental_health
    client.force_login(clara)
    page = client.get(reverse("assessments:case-detail", args=[case.public_id])).content.decode()
    assert "12356" in page and "Mental-health" not in page
    # The audit trail says an emergency was opened, never which crisis it was.
    from healthcheck.core.models import AuditEvent

    [opened] = events("emergency.opened")
    assert (
        opened.details == {} and opened.target_label == f"emergency {str(emergency.public_id)[:8]}"
    )
    assert not AuditEvent.objects.filter(target_label__contains="suicide").exists()
    assert not any("suicide" in str(e.details) for e in AuditEvent.objects.all())


def test_an_overdue_contact_escalates_once_to_the_supervisor_and_compliance(
    crisis: Case, clara: Any, cora: Any, monkeypatch: Any, django_user_model: Any
) -> None:
    from tests.conftest import _persona

    sam = _persona("sam", Role.CLIENT_MANAGER)
    clara.supervisor = sam
    clara.save(update_fields=["supervisor"])
    assert services.emergencies_escalate() == 0  # nothing overdue yet
    freeze(monkeypatch, timezone.now() + datetime.timedelta(hours=2, minutes=1))
    assert services.emergencies_escalate() == 1
    assert services.emergencies_escalate() == 0  # once
    [event] = events("emergency.escalated")
    assert event.actor_label == "system:emergency-protocol"
    recipients = set(
        InboxMessage.objects.filter(kind="emergency_escalated").values_list("recipient", flat=True)
    )
    assert recipients == {sam.pk, cora.pk}


def test_a_recorded_contact_does_not_escalate(crisis: Case, max_: Any, monkeypatch: Any) -> None:
    step = Emergency.objects.get(case=crisis).steps.get(kind="contact")
    services.emergency_step_record(step=step, actor=max_, note="Client called, going to ER.")
    freeze(monkeypatch, timezone.now() + datetime.timedelta(hours=3))
    assert services.emergencies_escalate() == 0


def test_only_a_medical_advisor_closes_the_emergency_with_a_note(
    crisis: Case, clara: Any, max_: Any
) -> None:
    emergency = Emergency.objects.get(case=crisis)
    with pytest.raises(PermissionDenied):
        services.emergency_close(emergency=emergency, actor=clara, note="fine")
    emergency.refresh_from_db()
    crisis.refresh_from_db()
    assert emergency.is_open and crisis.emergency_open
    assert events("emergency.closed", outcome="denied", actor_label="clara")
    with pytest.raises(ValidationError):
        services.emergency_close(emergency=emergency, actor=max_, note=" ")
    services.emergency_close(emergency=emergency, actor=max_, note="Treated at Ruijin; stable.")
    crisis.refresh_from_db()
    assert not crisis.emergency_open
    assert events("emergency.closed", outcome="success")[0].fields == ["close_note"]


def test_an_urgent_opinion_opens_an_emergency(referral: Any, clara: Any, max_: Any) -> None:
    from tests.assessments import bundles

    when = timezone.localtime().isoformat(timespec="seconds")
    services.fhir_import(
        case=referral.case, actor=clara, raw=bundles.bundle(sbp="138", dbp="88", when=when)
    )
    services.opinion_record(
        case=referral.case, actor=max_, interpretation="Suspected aortic dissection.",
        is_urgent=True,
    )  # fmt: skip
    emergency = Emergency.objects.get(case=referral.case)
    assert emergency.trigger == Emergency.Trigger.URGENT_OPINION
