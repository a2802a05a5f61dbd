"""The medical advisor's opinion on a case's results, followed by a re-assessment."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Case, Emergency, Opinion
from assessments.services.cases import assessment_run, case_transition
from assessments.services.emergencies import emergency_open
from assessments.workflow import Action
from clients.gate import consent_require
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction


@transaction.atomic
def opinion_record(
    *,
    case: Case,
    actor: Any,
    interpretation: str,
    significant_findings: str = "",
    recommended_follow_up: str = "",
    is_urgent: bool = False,
) -> Opinion:
    """Record a medical opinion (texts encrypted), then re-assess the case with the engine on
    the new results (a new Assessment with ``is_reassessment``). Starts the medical review if
    needed. An urgent opinion opens the emergency protocol.

    Raises: ConsentRequired (no active health-check consent; audited), PermissionDenied (no
    ``review_case``; audited), ValidationError (empty
    interpretation), TransitionNotAllowed.
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=case.pk)
    consent_require(actor=actor, client=case.client, operation="opinion.record")
    if not actor.has_perm("assessments.review_case"):
        audit.record_denied(
            actor=actor, action=AuditAction.OPINION_RECORDED, target=case, client=case.client,
            case=case, reason="capability",
        )  # fmt: skip
        raise PermissionDenied
    if not interpretation.strip():
        raise ValidationError({"interpretation": _("Write the interpretation.")})
    if case.status == Case.Status.RESULTS_RECEIVED:
        case = case_transition(case=case, action=Action.START_REVIEW, actor=actor)
    opinion = Opinion.objects.create(
        case=case, client=case.client, interpretation=interpretation,
        significant_findings=significant_findings, recommended_follow_up=recommended_follow_up,
        is_urgent=is_urgent, recorded_by=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.OPINION_RECORDED, target=opinion, client=case.client,
        case=case, fields=("interpretation", "significant_findings", "recommended_follow_up"),
        urgent=is_urgent,
    )  # fmt: skip
    if is_urgent:  # issue 8: an urgent opinion opens the emergency protocol
        emergency_open(case=case, trigger=Emergency.Trigger.URGENT_OPINION, actor=actor)
        case.refresh_from_db()
    opinion.reassessment = assessment_run(case=case, actor=actor, reassessment=True)
    opinion.save(update_fields=["reassessment"])
    case.reviewed_at = timezone.now()
    case.save(update_fields=["reviewed_at", "updated_at"])
    return opinion
