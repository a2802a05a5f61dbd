"""Referral services: cost agreements, issuing a referral and moving it along, expiring it,
and suspending institutions whose qualification has expired.

Every refusal is audited with ``record_denied`` (it survives the rollback) and changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Case, CheckupItem, CostAgreement, Referral
from assessments.services.cases import case_transition
from assessments.workflow import Action
from clients.gate import active_consent
from clients.models import Institution, Purpose
from healthcheck.core import audit, outbox
from healthcheck.core.audit import AuditAction, SystemActor

REFERRAL_VALID_DAYS = 30
SUSPENDED_NOTICE_TASK = "assessments.institution_suspended_notice_task"


class ReferralRefused(Exception):
    """A referral cannot be issued; ``reason`` is a code, ``message`` is shown to the user."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason, self.message = reason, message
        super().__init__(message)


@transaction.atomic
def cost_agreement_record(
    *, case: Case, actor: Any, payer: str, approved_by_name: str, cap: Decimal | None = None
) -> CostAgreement:
    """Record who pays for the check-up. A split needs a positive cap.

    Raises: ValidationError (nothing saved).
    """
    if payer not in CostAgreement.Payer.values:
        raise ValidationError({"payer": _("Choose who pays.")})
    if payer == CostAgreement.Payer.SPLIT and (cap is None or cap <= 0):
        raise ValidationError({"cap": _("A split needs the bank's cap.")})
    if not approved_by_name.strip():
        raise ValidationError({"approved_by_name": _("Name who approved the cost agreement.")})
    agreement = CostAgreement.objects.create(
        case=case, payer=payer, cap=cap if payer != CostAgreement.Payer.CLIENT else None,
        approved_by_name=approved_by_name.strip(), recorded_by=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.COST_AGREEMENT_RECORDED, target=agreement,
        client=case.client, case=case, payer=payer,
    )  # fmt: skip
    return agreement


def _refuse(actor: Any, case: Case, reason: str, message: str) -> ReferralRefused:
    audit.record_denied(
        actor=actor, action=AuditAction.REFERRAL_ISSUED, target=case, client=case.client,
        case=case, reason=reason,
    )  # fmt: skip
    return ReferralRefused(reason, message)


def _check_referral(
    case: Case, actor: Any, institution: Institution, items: Sequence[CheckupItem],
    agreement: CostAgreement | None,
) -> None:  # fmt: skip
    if agreement is None or agreement.case_id != case.pk or hasattr(agreement, "referral"):
        raise _refuse(actor, case, "cost_agreement_missing", _("Record a cost agreement first."))
    if not institution.is_qualified(timezone.localdate()):
        raise _refuse(
            actor, case, "institution_not_qualified",
            _("This institution's qualification has expired or it is suspended."),
        )  # fmt: skip
    if not items:
        raise _refuse(actor, case, "no_items", _("Choose at least one check-up item."))
    offered = set(institution.offers.values_list("item_id", flat=True))
    if any(item.pk not in offered for item in items):
        raise _refuse(
            actor, case, "items_not_offered",
            _("This institution does not offer every chosen item."),
        )  # fmt: skip
    if active_consent(case.client, Purpose.SHARE_WITH_INSTITUTION, institution) is None:
        raise _refuse(
            actor, case, "sharing_consent_missing",
            _("The client has not consented to share data with this institution."),
        )  # fmt: skip


@transaction.atomic
def referral_issue(
    *,
    case: Case,
    actor: Any,
    institution: Institution,
    items: Sequence[CheckupItem],
    cost_agreement: CostAgreement | None,
    appointment_at: datetime.datetime | None = None,
) -> Referral:
    """Issue a referral (CN-04: only under the client's consent naming the institution).

    Moves an assessed case to ``referred``. Raises: ReferralRefused (no cost agreement,
    institution expired or suspended, items not offered, no sharing consent; audited, nothing
    changed), TransitionNotAllowed.
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=case.pk)
    _check_referral(case, actor, institution, items, cost_agreement)
    if case.status != Case.Status.REFERRED:
        case = case_transition(case=case, action=Action.REFER, actor=actor)
    referral = Referral.objects.create(
        case=case, institution=institution, cost_agreement=cost_agreement,
        appointment_at=appointment_at,
        status=Referral.Status.BOOKED if appointment_at else Referral.Status.ISSUED,
        expires_on=timezone.localdate() + datetime.timedelta(days=REFERRAL_VALID_DAYS),
        issued_by=actor,
    )  # fmt: skip
    referral.items.set(items)
    audit.record(
        actor=actor, action=AuditAction.REFERRAL_ISSUED, target=referral, client=case.client,
        case=case, institution_id=institution.pk,
        items=["restricted" if i.is_restricted else i.code for i in items],
        status=referral.status,
    )  # fmt: skip
    return referral


# Referral moves: action -> (allowed sources, target, timestamp field)
MOVES = {
    "book": (("issued", "booked"), Referral.Status.BOOKED, None),
    "attend": (("issued", "booked"), Referral.Status.ATTENDED, "attended_at"),
    "report_received": (("issued", "booked", "attended"), Referral.Status.REPORT_RECEIVED,
                        "report_received_at"),
    "decline": (("issued", "booked"), Referral.Status.DECLINED, "closed_at"),
    "expire": (("issued", "booked", "attended"), Referral.Status.EXPIRED, "closed_at"),
}  # fmt: skip


@transaction.atomic
def referral_move(
    *, referral: Referral, move: str, actor: Any, appointment_at: datetime.datetime | None = None
) -> Referral:
    """Move a referral along (book, attend, report_received, decline, expire); audited.

    Raises: ValidationError (not allowed from the current status, or booking without a date;
    the refusal is audited and nothing changes).
    """
    referral = (
        Referral.objects.select_for_update().select_related("case__client").get(pk=referral.pk)
    )
    sources, target, stamp = MOVES[move]
    if referral.status not in sources or (move == "book" and appointment_at is None):
        audit.record_denied(
            actor=actor, action=f"referral.{target}", target=referral,
            client=referral.case.client, case=referral.case, reason=f"from_{referral.status}",
        )  # fmt: skip
        raise ValidationError(_("This step is not possible for the referral now."))
    previous, referral.status = referral.status, target
    changed = ["status", "version", "updated_at"]
    if stamp:
        setattr(referral, stamp, timezone.now())
        changed.append(stamp)
    if appointment_at is not None:
        referral.appointment_at = appointment_at
        changed.append("appointment_at")
    referral.version += 1
    referral.save(update_fields=changed)
    audit.record(
        actor=actor, action=f"referral.{target}", target=referral, client=referral.case.client,
        case=referral.case, fields=tuple(changed[:1] + changed[3:]), previous=previous,
    )  # fmt: skip
    return referral


@transaction.atomic
def referral_expire(*, referral: Referral, actor: Any = SystemActor.REMINDER_SCHEDULER) -> Referral:
    """Expire a stale referral; a referred case left with no open referral expires too."""
    referral = referral_move(referral=referral, move="expire", actor=actor)
    case = referral.case
    others_open = case.referrals.filter(status__in=Referral.OPEN).exists()
    if case.status == Case.Status.REFERRED and not others_open:
        case_transition(case=case, action=Action.EXPIRE, actor=actor)
    return referral


@transaction.atomic
def institutions_suspend_expired(*, actor: Any = SystemActor.REMINDER_SCHEDULER) -> int:
    """Suspend active institutions past their qualification expiry and flag their open
    referrals to the managers concerned (one notice per referral, after commit). Idempotent."""
    today = timezone.localdate()
    due = Institution.objects.select_for_update().filter(
        status=Institution.Status.ACTIVE, qualification_expires_on__lt=today
    )
    count = 0
    for institution in due:
        institution.status = Institution.Status.SUSPENDED
        institution.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor, action=AuditAction.INSTITUTION_SUSPENDED, target=institution,
            fields=("status",), reason="qualification_expired",
        )  # fmt: skip
        for referral in institution.referrals.filter(status__in=Referral.OPEN):
            _flag_referral(referral, actor)
        count += 1
    return count


def _flag_referral(referral: Referral, actor: Any) -> None:
    referral.institution_flagged_at = timezone.now()
    referral.version += 1
    referral.save(update_fields=["institution_flagged_at", "version", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.REFERRAL_FLAGGED, target=referral,
        client=referral.case.client, case=referral.case, fields=("institution_flagged_at",),
    )  # fmt: skip
    outbox.enqueue(SUSPENDED_NOTICE_TASK, referral.pk, dedupe_key=f"suspended:{referral.pk}")


@transaction.atomic
def referral_create(
    *,
    case: Case,
    actor: Any,
    institution: Institution,
    items: Sequence[CheckupItem],
    payer: str,
    approved_by_name: str,
    cap: Decimal | None = None,
    appointment_at: datetime.datetime | None = None,
) -> Referral:
    """Record the cost agreement and issue the referral in one transaction (the form's path):
    a refused referral leaves no orphan agreement.
    Raises: ValidationError (agreement), ReferralRefused (audited), TransitionNotAllowed.
    """
    agreement = cost_agreement_record(
        case=case, actor=actor, payer=payer, approved_by_name=approved_by_name, cap=cap
    )
    return referral_issue(
        case=case, actor=actor, institution=institution, items=items,
        cost_agreement=agreement, appointment_at=appointment_at,
    )  # fmt: skip


def referral_letter_printed(*, referral: Referral, actor: Any, format: str = "html") -> None:
    """Record that the referral letter was shown for printing or downloaded as a PDF
    (``format`` "html" or "pdf"; it names the client and the check-up items)."""
    audit.record(
        actor=actor, action=AuditAction.REFERRAL_LETTER_PRINTED, target=referral,
        client=referral.case.client, case=referral.case, format=format,
    )  # fmt: skip
