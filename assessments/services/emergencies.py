"""The emergency protocol (PRODUCT step 7, RULES.md §2): open, record steps, escalate, close.

An A-class flag, an urgent medical opinion or PHQ-9 item 9 above 0 opens an emergency: the case
locks (``Case.emergency_open``, a workflow guard on every business action), the medical
advisors are notified at once (inbox and an e-mail with a link only), the manager gets a task,
and the protocol's three steps get deadlines (contact within 2 h, follow-ups at 24 h and 7 d).
An overdue step escalates once to the manager's supervisor and to compliance (dedupe keys). Only
a medical advisor closes the emergency, with a note. Every step is audited; no value is stored.

Closing early: closing is the advisor's clinical call and may come before the 24 h / 7 d steps
are due. The steps still open are then closed as "Not needed — emergency closed by <advisor>"
(done by the advisor, audited with ``not_needed``), the manager's emergency tasks are closed
(audited, reason ``emergency_closed``), and the escalation sweep never fires for a closed
emergency (it only looks at open steps of open emergencies).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Case, Emergency, EmergencyStep, FollowUp, InboxMessage
from assessments.services.followups import (
    follow_up_create,
    follow_ups_close,
    inbox_post_many,
    users_with,
)
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction, SystemActor

CLOSE_CAPABILITY = "assessments.close_emergency"


def trigger_for_flags(flags: list[dict[str, Any]]) -> str | None:
    """The trigger an assessment's flags call for: suicide-risk item first, else A-class."""
    a_flags = [f for f in flags if f.get("class") == "A"]
    if not a_flags:
        return None
    if any(f.get("measure") in ("phq9", "gad7") for f in a_flags):
        return Emergency.Trigger.SUICIDE_RISK
    return Emergency.Trigger.CRITICAL_VALUE


def _actor_label(actor: Any) -> str:
    return actor if isinstance(actor, str) else actor.get_username()


def emergency_open(*, case: Case, trigger: str, actor: Any) -> Emergency:
    """Open an emergency on the case (or return the open one). Call inside the caller's
    transaction with the case row locked (assessment run, opinion record)."""
    current = Emergency.objects.open().filter(case=case).first()
    if current is not None:
        return current
    now = timezone.now()
    emergency = Emergency.objects.create(
        case=case, client=case.client, trigger=trigger, opened_at=now,
        opened_by_label=_actor_label(actor),
    )  # fmt: skip
    for kind, delay in EmergencyStep.DEADLINES.items():
        EmergencyStep.objects.create(
            emergency=emergency, client=case.client, kind=kind, due_at=now + delay
        )
    case.emergency_open = True
    case.version += 1
    case.save(update_fields=["emergency_open", "version", "updated_at"])
    # No trigger in the details: which crisis it was is health data (the emergency row has it).
    audit.record(
        actor=actor,
        action=AuditAction.EMERGENCY_OPENED,
        target=emergency,
        client=case.client,
        case=case,
    )
    _notify_opened(emergency, case, actor)
    return emergency


def _notify_opened(emergency: Emergency, case: Case, actor: Any) -> None:
    advisors = inbox_post_many(
        recipients=users_with("close_emergency"), kind=InboxMessage.Kind.EMERGENCY_OPENED,
        case=case, key=f"emergency:{emergency.pk}:opened",
    )  # fmt: skip
    follow_up_create(
        client=case.client, case=case, kind=FollowUp.Kind.EMERGENCY,
        due_on=timezone.localdate(), key=f"emergency:{emergency.pk}:manager", actor=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.EMERGENCY_NOTIFIED, target=emergency, client=case.client,
        case=case, recipients=[m.recipient_id for m in advisors], channel="inbox_and_email",
    )  # fmt: skip


def _may_act(emergency: Emergency, actor: Any, action: str) -> None:
    if not actor.has_perm(CLOSE_CAPABILITY):
        audit.record_denied(
            actor=actor, action=action, target=emergency, client=emergency.client,
            case=emergency.case, reason="capability",
        )  # fmt: skip
        raise PermissionDenied


@transaction.atomic
def emergency_step_record(*, step: EmergencyStep, actor: Any, note: str) -> EmergencyStep:
    """Record a protocol step as done, with a note (encrypted). Medical advisors only.

    Raises: PermissionDenied (audited), ValidationError (empty note, already done).
    """
    step = (
        EmergencyStep.objects.select_for_update(of=("self",))
        .select_related("emergency__case")
        .get(pk=step.pk)
    )
    _may_act(step.emergency, actor, AuditAction.EMERGENCY_STEP_RECORDED)
    if not note.strip():
        raise ValidationError({"note": _("Write what was done.")})
    if step.done_at is not None:
        raise ValidationError(_("This step is already recorded."))
    step.done_at, step.done_by, step.note = timezone.now(), actor, note
    step.save(update_fields=["done_at", "done_by", "note"])
    audit.record(
        actor=actor, action=AuditAction.EMERGENCY_STEP_RECORDED, target=step,
        client=step.client, case=step.emergency.case, fields=("note",), step=step.kind,
        late=step.done_at > step.due_at,
    )  # fmt: skip
    return step


@transaction.atomic
def emergency_close(*, emergency: Emergency, actor: Any, note: str) -> Emergency:
    """Close the emergency with a note and unlock the case. Medical advisors only.

    Raises: PermissionDenied (audited; nothing changed), ValidationError (empty note or
    already closed).
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=emergency.case_id)
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    _may_act(emergency, actor, AuditAction.EMERGENCY_CLOSED)
    if not note.strip():
        raise ValidationError({"note": _("Write the closing note.")})
    if emergency.closed_at is not None:
        raise ValidationError(_("This emergency is already closed."))
    emergency.closed_at, emergency.closed_by, emergency.close_note = timezone.now(), actor, note
    emergency.save(update_fields=["closed_at", "closed_by", "close_note"])
    case.emergency_open = False
    case.version += 1
    case.save(update_fields=["emergency_open", "version", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.EMERGENCY_CLOSED, target=emergency, client=case.client,
        case=case, fields=("close_note",),
    )  # fmt: skip
    _close_remaining(emergency, case, actor)
    return emergency


def _close_remaining(emergency: Emergency, case: Case, actor: Any) -> None:
    """Closed early: the open steps are not needed any more, nor the manager's tasks for them."""
    steps = EmergencyStep.objects.select_for_update().filter(
        emergency=emergency, done_at__isnull=True
    )
    for step in steps:
        # The flag, not a note, says why: pages show it in the reader's language.
        step.done_at, step.done_by, step.not_needed = emergency.closed_at, actor, True
        step.save(update_fields=["done_at", "done_by", "not_needed"])
        audit.record(
            actor=actor, action=AuditAction.EMERGENCY_STEP_RECORDED, target=step,
            client=step.client, case=case, fields=("note",), step=step.kind, not_needed=True,
            reason="emergency_closed",
        )  # fmt: skip
    tasks = FollowUp.objects.filter(
        case=case, kind=FollowUp.Kind.EMERGENCY, dedupe_key__startswith=f"emergency:{emergency.pk}:"
    )
    follow_ups_close(tasks=tasks, actor=actor, reason="emergency_closed")


def _escalation_recipients(step: EmergencyStep) -> list[Any]:
    supervisor = step.emergency.case.client.manager.supervisor
    compliance = list(users_with("view_compliance_dashboard", app_label="core"))
    return ([supervisor] if supervisor and supervisor.is_active else []) + compliance


@transaction.atomic
def emergencies_escalate(
    *, actor: Any = SystemActor.EMERGENCY_PROTOCOL, now: datetime.datetime | None = None
) -> int:
    """Beat: escalate every overdue protocol step once (supervisor and compliance). Returns
    how many steps were escalated now; a second run escalates nothing new."""
    now = now or timezone.now()
    overdue = (
        EmergencyStep.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("emergency__case__client__manager__supervisor")
        .filter(done_at__isnull=True, escalated_at__isnull=True, due_at__lt=now)
        .filter(emergency__closed_at__isnull=True)
    )
    count = 0
    for step in overdue:
        step.escalated_at = now
        step.save(update_fields=["escalated_at"])
        case = step.emergency.case
        sent = inbox_post_many(
            recipients=_escalation_recipients(step), kind=InboxMessage.Kind.EMERGENCY_ESCALATED,
            case=case, key=f"escalation:{step.pk}",
        )  # fmt: skip
        audit.record(
            actor=actor, action=AuditAction.EMERGENCY_ESCALATED, target=step, client=case.client,
            case=case, step=step.kind, recipients=[m.recipient_id for m in sent],
        )  # fmt: skip
        count += 1
    return count
