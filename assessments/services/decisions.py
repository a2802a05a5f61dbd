"""The business decision (PRODUCT step 4): propose, approve, send back, request a review.

Fair-use rules live here, at the service level, whatever a form offered: restricted classes
and sex can never be cited (FAIR-02), a product whose policy forbids health data allows no
finding at all (FAIR-01), a proposal below the engine's outcome floor needs a written override
reason, and every outcome but "proceed normally" needs a second signature (workflow guard,
CN-12). Every refusal changes nothing and is audited (``record_denied`` survives the rollback).
Concurrency (case B21): the case row is locked, the form's ``expected_version`` is checked
under the lock, and the forms' idempotency tokens make a double submit act once.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import findings as fnd
from assessments import workflow
from assessments.models import Assessment, Case, Control, Decision, InboxMessage, Outcome, Product
from assessments.rules.packs import OUTCOMES
from assessments.services.cases import VersionConflict, case_transition
from assessments.services.followups import (
    follow_up_create,
    inbox_post,
    inbox_post_many,
    review_schedule_set,
    users_with,
)
from assessments.workflow import Action
from clients.gate import consent_require
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction

REVIEW_MONTHS = {Outcome.PROCEED: 12, Outcome.PROCEED_WITH_CONTROLS: 6}


class DecisionRefused(Exception):
    """A proposal or signature the rules refuse; ``code`` is audited, ``message`` shown."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        self.code, self.message, self.field = code, message, field
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class Proposal:
    """What the manager proposes (parsed by the form; checked by ``decision_propose``)."""

    outcome: str
    rationale: str
    cited: Sequence[str] = ()
    controls: Sequence[dict[str, str]] = field(default_factory=tuple)
    postpone_until: datetime.date | None = None
    postpone_condition: str = ""
    override_reason: str = ""


def latest_assessment(case: Case) -> Assessment | None:
    return case.assessments.order_by("-created_at", "-pk").first()


def case_findings(case: Case) -> list[fnd.Finding]:
    """Every finding of the case's latest assessment (restricted ones included)."""
    assessment = latest_assessment(case)
    if assessment is None:
        return []
    result = assessment.result if isinstance(assessment.result, dict) else {}
    inputs = assessment.inputs if isinstance(assessment.inputs, dict) else {}
    return fnd.findings_of(result, inputs)


def health_allowed(case: Case) -> bool:
    """Whether the case's product lets health findings be decision inputs (no product: yes,
    the purpose's default policy is set by choosing a product)."""
    return case.product is None or case.product.allows_health_data


def _refuse(case: Case, actor: Any, action: str, code: str, target: Any = None, **extra: Any):  # type: ignore[no-untyped-def]
    audit.record_denied(
        actor=actor, action=action, target=target or case, client=case.client, case=case,
        reason=code, **extra,
    )  # fmt: skip


def _check_citations(case: Case, cited: Sequence[str]) -> None:
    # Every recognised class is always excluded (FAIR-02); products may only add to them.
    barred = sorted({c for k in cited if (c := fnd.restricted_class(k))})
    if barred:
        raise DecisionRefused(
            "restricted_class",
            _("Restricted classes and sex can never be cited: %(classes)s")
            % {"classes": ", ".join(barred)},
            "cited",
        )
    if cited and not health_allowed(case):
        raise DecisionRefused(
            "health_data_not_allowed",
            _("This product's policy does not allow health data: no finding can be cited."),
            "cited",
        )
    known = {f.key for f in case_findings(case)}
    if any(k not in known for k in cited):
        raise DecisionRefused(
            "unknown_finding", _("Cite findings of this case's assessment only."), "cited"
        )


def _controls_valid(controls: Sequence[dict[str, str]]) -> bool:
    return bool(controls) and all(
        c.get("kind") in Control.values and str(c.get("parameter", "")).strip() for c in controls
    )


def _check_terms(p: Proposal) -> None:
    if p.outcome not in Outcome.values:
        raise DecisionRefused("outcome", _("Choose an outcome."), "outcome")
    if not p.rationale.strip():
        raise DecisionRefused("rationale", _("Write the rationale."), "rationale")
    if p.outcome == Outcome.PROCEED_WITH_CONTROLS and not _controls_valid(p.controls):
        raise DecisionRefused(
            "controls", _("Choose at least one risk control with its parameter."), "controls"
        )
    if p.outcome == Outcome.POSTPONE and not (p.postpone_until or p.postpone_condition.strip()):
        raise DecisionRefused(
            "postpone", _("Postpone until a date or a named condition."), "postpone_until"
        )
    if p.postpone_until and p.postpone_until <= timezone.localdate():
        raise DecisionRefused("postpone", _("The date must be in the future."), "postpone_until")


def _check_floor(case: Case, p: Proposal) -> bool:
    """True when the proposal is milder than the engine's floor (needs an override reason).

    Where the product forbids health data the health-based floor does not bind (FAIR-01:
    masking health inputs must not change such a decision).
    """
    if not health_allowed(case):
        return False
    assessment = latest_assessment(case)
    floor = assessment.outcome_floor if assessment else ""
    below = floor in OUTCOMES and OUTCOMES.index(p.outcome) < OUTCOMES.index(floor)
    if below and not p.override_reason.strip():
        raise DecisionRefused(
            "override_reason",
            _("The outcome is milder than the engine's floor: write an override reason."),
            "override_reason",
        )
    return below


def _lock(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("client", "product")
        .get(pk=case.pk)
    )


def _may_propose(case: Case, actor: Any) -> None:
    if not actor.has_perm("assessments.propose_decision") or case.client.manager_id != actor.pk:
        _refuse(case, actor, AuditAction.DECISION_PROPOSED, "not_allowed")
        raise PermissionDenied
    try:
        workflow.check(case, Action.PROPOSE, actor)
    except workflow.TransitionNotAllowed as exc:
        _refuse(case, actor, AuditAction.DECISION_PROPOSED, "workflow", detail=exc.reason[:100])
        raise


@transaction.atomic
def decision_propose(
    *, case: Case, actor: Any, proposal: Proposal, token: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Decision:  # fmt: skip
    """Record the manager's proposal and move the case to ``decision_proposed``; a "proceed
    normally" proposal is final at once (no second signature needed).

    Idempotent by ``token``: the same form posted twice returns the first decision.
    Raises: PermissionDenied, TransitionNotAllowed, VersionConflict, DecisionRefused (all
    audited; nothing changed).
    """
    case = _lock(case)
    if token and (done := Decision.objects.filter(token=token).first()) is not None:
        return done
    if expected_version is not None and case.version != expected_version:
        _refuse(case, actor, AuditAction.DECISION_PROPOSED, "version")
        raise VersionConflict
    _may_propose(case, actor)
    consent_require(actor=actor, client=case.client, operation="decision.propose")
    try:
        _check_terms(proposal)
        _check_citations(case, list(proposal.cited))
        below = _check_floor(case, proposal)
    except DecisionRefused as exc:
        _refuse(case, actor, AuditAction.DECISION_PROPOSED, exc.code)
        raise
    case = case_transition(case=case, action=Action.PROPOSE, actor=actor)
    decision = _create(case, actor, proposal, below, token)
    if proposal.outcome == Outcome.PROCEED:
        case = case_transition(case=case, action=Action.FINALIZE, actor=actor)
        _decide(decision, case, actor)
    else:
        inbox_post_many(
            recipients=users_with("approve_decision"), kind=InboxMessage.Kind.DECISION_TO_APPROVE,
            case=case, key=f"to-approve:{decision.pk}:{case.version}",
        )  # fmt: skip
    return decision


def _create(case: Case, actor: Any, p: Proposal, below: bool, token: uuid.UUID | None) -> Decision:
    assessment = latest_assessment(case)
    decision = Decision.objects.create(
        case=case, client=case.client, assessment=assessment, product=case.product,
        outcome=p.outcome, outcome_floor=assessment.outcome_floor if assessment else "",
        recommendation=case.recommendation, below_floor=below,
        health_data_allowed=health_allowed(case), controls=list(p.controls),
        postpone_until=p.postpone_until, postpone_condition=p.postpone_condition,
        rationale=p.rationale, cited_findings=list(p.cited), override_reason=p.override_reason,
        token=token or uuid.uuid4(), proposed_by=actor,
    )  # fmt: skip
    case.proposed_outcome, case.proposed_by, case.excluded_approver = p.outcome, actor, None
    case.save(update_fields=["proposed_outcome", "proposed_by", "excluded_approver", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.DECISION_PROPOSED, target=decision, client=case.client,
        case=case, fields=("rationale", "cited_findings", "controls", "override_reason"),
        outcome_proposed=p.outcome, cited_count=len(p.cited), below_floor=below,
    )  # fmt: skip
    return decision


def next_review_on(decision: Decision, today: datetime.date) -> datetime.date | None:
    """12 months after "proceed normally", 6 with controls, the postpone date (or 6 months
    for a named condition); none after a decline."""
    if decision.outcome in REVIEW_MONTHS:
        return today + relativedelta(months=REVIEW_MONTHS[decision.outcome])
    if decision.outcome == Outcome.POSTPONE:
        return decision.postpone_until or today + relativedelta(months=6)
    return None


def _decide(decision: Decision, case: Case, actor: Any, token: uuid.UUID | None = None) -> None:
    now = timezone.now()
    decision.status, decision.decided_by, decision.decided_at = "approved", actor, now
    decision.approval_token = token
    decision.next_review_on = next_review_on(decision, timezone.localdate(now))
    decision.save(
        update_fields=["status", "decided_by", "decided_at", "approval_token", "next_review_on"]
    )
    audit.record(
        actor=actor, action=AuditAction.DECISION_APPROVED, target=decision, client=case.client,
        case=case, outcome_decided=decision.outcome, four_eyes=actor.pk != decision.proposed_by_id,
    )  # fmt: skip
    if decision.next_review_on:
        review_schedule_set(client=case.client, day=decision.next_review_on, actor=actor, case=case)
    if actor.pk != decision.proposed_by_id:
        inbox_post(
            recipient=decision.proposed_by, kind=InboxMessage.Kind.DECISION_DECIDED, case=case,
            dedupe_key=f"decided:{decision.pk}:{case.version}",
        )  # fmt: skip


def _lock_decision(decision: Decision, actor: Any, action: str, token: Any, version: Any):  # type: ignore[no-untyped-def]
    """Lock the case, then re-read the decision under the lock (check after the lock, B21)."""
    case = _lock(decision.case)
    decision = Decision.objects.select_related("proposed_by").get(pk=decision.pk)
    if version is not None and case.version != version:
        _refuse(case, actor, action, "version", target=decision)
        raise VersionConflict
    return case, decision


@transaction.atomic
def decision_approve(
    *, decision: Decision, actor: Any, token: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Decision:  # fmt: skip
    """Second signature by a risk approver who is not the proposer (nor, after a review
    request, the earlier approver). Sets the next review date and notifies the proposer.

    Idempotent by ``token``. Raises: VersionConflict (someone acted first),
    TransitionNotAllowed (four-eyes, state, capability; audited), DecisionRefused.
    """
    if token and Decision.objects.filter(pk=decision.pk, approval_token=token).exists():
        return Decision.objects.get(pk=decision.pk)
    case, decision = _lock_decision(
        decision, actor, AuditAction.DECISION_APPROVED, token, expected_version
    )
    if decision.status not in (Decision.Status.PROPOSED, Decision.Status.REVIEW_REQUESTED):
        _refuse(case, actor, AuditAction.DECISION_APPROVED, "not_pending", target=decision)
        raise DecisionRefused("not_pending", _("This decision was already decided."))
    consent_require(actor=actor, client=case.client, operation="decision.approve")
    if decision.needs_review:
        _refuse(case, actor, AuditAction.DECISION_APPROVED, "needs_review", target=decision)
        raise DecisionRefused("needs_review", _("Consent withdrawn"))
    case = case_transition(case=case, action=Action.APPROVE, actor=actor)
    _decide(decision, case, actor, token)
    return decision


@transaction.atomic
def decision_send_back(
    *, decision: Decision, actor: Any, reason: str, expected_version: int | None = None
) -> Decision:
    """The approver returns the proposal with a reason; the manager proposes again.

    Raises: DecisionRefused (no reason), VersionConflict, TransitionNotAllowed (all audited).
    """
    case, decision = _lock_decision(
        decision, actor, AuditAction.DECISION_SENT_BACK, None, expected_version
    )
    if not reason.strip():
        _refuse(case, actor, AuditAction.DECISION_SENT_BACK, "reason", target=decision)
        raise DecisionRefused("reason", _("Give the reason for sending it back."), "reason")
    case = case_transition(case=case, action=Action.SEND_BACK, actor=actor)
    decision.status, decision.send_back_reason = Decision.Status.SENT_BACK, reason
    decision.decided_by, decision.decided_at = actor, timezone.now()
    decision.save(update_fields=["status", "send_back_reason", "decided_by", "decided_at"])
    case.proposed_outcome, case.proposed_by = "", None
    case.save(update_fields=["proposed_outcome", "proposed_by", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.DECISION_SENT_BACK, target=decision, client=case.client,
        case=case, fields=("send_back_reason",),
    )  # fmt: skip
    inbox_post(
        recipient=decision.proposed_by, kind=InboxMessage.Kind.DECISION_SENT_BACK, case=case,
        dedupe_key=f"sent-back:{decision.pk}",
    )  # fmt: skip
    return decision


@transaction.atomic
def decision_request_review(*, decision: Decision, actor: Any, reason: str) -> Decision:
    """The client asks for a human review of an adverse decision (FAIR-04, CN-12): the case
    reopens for a risk approver other than the one who approved it; a task tracks it.

    Raises: DecisionRefused (no reason), TransitionNotAllowed (audited).
    """
    case, decision = _lock_decision(
        decision, actor, AuditAction.DECISION_REVIEW_REQUESTED, None, None
    )
    if not reason.strip():
        _refuse(case, actor, AuditAction.DECISION_REVIEW_REQUESTED, "reason", target=decision)
        raise DecisionRefused("reason", _("Record what the client asked."), "reason")
    case = case_transition(case=case, action=Action.REQUEST_REVIEW, actor=actor)
    previous = decision.decided_by
    decision.status, decision.review_reason = Decision.Status.REVIEW_REQUESTED, reason
    decision.previous_approver, decision.review_requested_at = previous, timezone.now()
    decision.save(
        update_fields=["status", "review_reason", "previous_approver", "review_requested_at"]
    )
    case.excluded_approver = previous
    case.save(update_fields=["excluded_approver", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.DECISION_REVIEW_REQUESTED, target=decision,
        client=case.client, case=case, fields=("review_reason",),
    )  # fmt: skip
    follow_up_create(
        client=case.client, case=case, kind="review_request", due_on=timezone.localdate(),
        key=f"review:{decision.pk}:{case.version}", actor=actor,
    )  # fmt: skip
    others = users_with("approve_decision").exclude(pk=getattr(previous, "pk", None))
    inbox_post_many(
        recipients=others, kind=InboxMessage.Kind.DECISION_TO_APPROVE, case=case,
        key=f"to-approve:{decision.pk}:{case.version}",
    )  # fmt: skip
    return decision


@transaction.atomic
def case_product_set(*, case: Case, actor: Any, product: Product | None) -> Case:
    """Name the product the case is for (its health-data policy applies to the decision).

    Raises: PermissionDenied (not the manager or the case is decided; audited).
    """
    case = _lock(case)
    allowed = case.client.manager_id == actor.pk and case.status not in (
        *Case.FINAL, Case.Status.DECIDED, Case.Status.DECISION_PROPOSED,
    )  # fmt: skip
    if not allowed or not actor.has_perm("assessments.propose_decision"):
        _refuse(case, actor, AuditAction.PRODUCT_ASSIGNED, "not_allowed")
        raise PermissionDenied
    case.product = product
    case.version += 1
    case.save(update_fields=["product", "version", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.PRODUCT_ASSIGNED, target=case, client=case.client,
        case=case, fields=("product",), product_code=product.code if product else None,
    )  # fmt: skip
    return case


FLAGGED_STATUSES = (
    Decision.Status.PROPOSED, Decision.Status.REVIEW_REQUESTED, Decision.Status.APPROVED,
)  # fmt: skip


def decisions_flag_on_withdrawal(
    sender: Any, *, client: Any, consent: Any, actor: Any, **kwargs: Any
) -> None:
    """On a health-check consent withdrawal, flag the client's decisions taken on it (proposed,
    under review or approved) for review; each flag is audited (B31). No health data is read."""
    if consent.purpose != "health_check":
        return
    rows = Decision.objects.select_for_update().filter(
        client=client, status__in=FLAGGED_STATUSES, needs_review=False
    )
    for decision in rows:
        decision.needs_review = True
        decision.save(update_fields=["needs_review"])
        audit.record(
            actor=actor, action=AuditAction.DECISION_REVIEW_REQUESTED, target=decision,
            client=client, case=decision.case, reason="consent_withdrawn",
        )  # fmt: skip
