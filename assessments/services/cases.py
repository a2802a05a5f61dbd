"""Case services: create a case, apply a workflow action, run the engine on a case."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments import selectors, snapshot, workflow
from assessments.models import Assessment, Case, CriticalValueList
from assessments.rules import InputError, PackError, evaluate
from assessments.services import emergencies
from assessments.workflow import Action, TransitionNotAllowed
from clients import services as client_services
from clients.models import Client
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction


class VersionConflict(Exception):
    """The case changed since the form was shown (optimistic check on ``Case.version``)."""


@transaction.atomic
def case_create(*, actor: Any, client: Client, purpose: str, pack_id: str = "cn") -> Case:
    """Open a draft case for one of the actor's clients.

    Raises: PermissionDenied (capability or out of portfolio; audited), ValidationError.
    """
    if not actor.has_perm("assessments.add_case") or client.manager_id != actor.pk:
        audit.record_denied(
            actor=actor, action=AuditAction.CASE_CREATED, target=client, client=client,
            reason="not_allowed",
        )  # fmt: skip
        raise PermissionDenied
    case = Case(client=client, purpose=purpose, pack_id=pack_id, created_by=actor)
    case.full_clean(exclude=["created_by", "client"])
    case.save()
    audit.record(
        actor=actor, action=AuditAction.CASE_CREATED, target=case, client=client,
        case=case, purpose=purpose,
    )  # fmt: skip
    return case


@transaction.atomic
def case_transition(
    *, case: Case, action: str, actor: Any, note: str = "", expected_version: int | None = None
) -> Case:
    """Apply one workflow action under a row lock and record it.

    Raises: TransitionNotAllowed (audited with record_denied; nothing changed),
    VersionConflict (the case changed since ``expected_version``).
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=case.pk)
    if expected_version is not None and case.version != expected_version:
        raise VersionConflict
    try:
        step = workflow.check(case, action, actor)
    except TransitionNotAllowed as exc:
        audit.record_denied(
            actor=actor, action=AuditAction.CASE_TRANSITION_DENIED, target=case,
            client=case.client, case=case, attempted=str(action), reason=exc.reason[:100],
        )  # fmt: skip
        raise
    previous, case.status = case.status, step.target
    case.version += 1
    case.save(update_fields=["status", "version", "updated_at"])
    audit.record(
        actor=actor, action=f"case.{step.target}", target=case, client=case.client, case=case,
        fields=("status",), previous=previous, by_action=str(action), with_note=bool(note),
    )  # fmt: skip
    return case


@transaction.atomic
def case_collect(*, case: Case, actor: Any) -> Case:
    """Mark the information collected: needs a health declaration of the client.

    Raises: ValidationError (no declaration), TransitionNotAllowed.
    """
    if not case.client.declarations.exists():
        raise ValidationError(_("Record the client's health declaration first."))
    return case_transition(case=case, action=Action.COLLECT, actor=actor)


def _latest_critical_list(case: Case) -> CriticalValueList | None:
    referral = case.referrals.order_by("-issued_at").first()
    if referral is None:
        return None
    return referral.institution.critical_lists.order_by("-version").first()


@transaction.atomic
def assessment_run(*, case: Case, actor: Any, reassessment: bool = False) -> Assessment:
    """Evaluate the case's consented observations and declaration with its rule pack.

    The first run moves the case to ``assessed`` (ASSESS); a re-assessment (after results and
    an opinion) keeps the state. Results of a referral are assessed with that institution's
    newest critical-value list. Same code path as ``manage.py evaluate``: CaseInputs -> evaluate.
    Raises: ConsentRequired, TransitionNotAllowed, ValidationError (inputs the engine refuses).
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=case.pk)
    if reassessment:
        if case.status not in Case.REVIEWABLE or not actor.has_perm("assessments.review_case"):
            raise TransitionNotAllowed(Action.ASSESS, "re-assessment not allowed")
    else:
        workflow.check(case, Action.ASSESS, actor)
    inputs = selectors.assessment_inputs(viewer=actor, case=case)
    critical = _latest_critical_list(case)
    try:
        result = evaluate(
            inputs, pack=case.pack_id, critical_overrides=critical.rules if critical else None
        )
    except (InputError, PackError) as exc:
        raise ValidationError([str(p) for p in getattr(exc, "problems", [exc])]) from None
    if not reassessment:
        case = case_transition(case=case, action=Action.ASSESS, actor=actor)
    return _store_assessment(case, actor, inputs, result, critical, reassessment)


def _store_assessment(
    case: Case, actor: Any, inputs: Any, result: Any, critical: Any, reassessment: bool
) -> Assessment:
    flags = [f.cls for f in result.flags]
    assessment = Assessment.objects.create(
        case=case, client=case.client, pack_id=result.pack_id, pack_version=result.pack_version,
        as_of=result.as_of, inputs=snapshot.inputs_to_dict(inputs), result=result.to_dict(),
        recommendation=result.recommendation, outcome_floor=result.outcome_floor,
        a_flags=flags.count("A"), b_flags=flags.count("B"), critical_list=critical,
        is_reassessment=reassessment, created_by=actor,
    )  # fmt: skip
    case.recommendation = result.recommendation
    case.save(update_fields=["recommendation", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.ASSESSMENT_CREATED, target=assessment,
        client=case.client, case=case, fields=("inputs", "result"),
        recommendation=result.recommendation, reassessment=reassessment,
        pack=f"{result.pack_id}@{result.pack_version}",
    )  # fmt: skip
    # Issue 8: an A-class flag (PHQ-9 item 9 included) opens the emergency protocol.
    trigger = emergencies.trigger_for_flags(assessment.result.get("flags", []))
    if trigger is not None:
        emergencies.emergency_open(case=case, trigger=trigger, actor=actor)
    # The observations behind an A-class flag are the medical advisor's from now on: every
    # clients selector (health file, charts, export) masks them for business users.
    kinds = selectors.critical_kinds(assessment.result)
    if kinds:
        client_services.observations_mark_critical(client=case.client, kinds=kinds, actor=actor)
    return assessment
