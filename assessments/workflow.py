"""The case workflow: states, actions, the transition table and its guards. Pure: no queries.

``services.case_transition`` is the one executor (row lock, version, audit). Templates draw
buttons from ``allowed_actions``. Issue 8's decision actions: PROPOSE (from assessed, results
received or medical review), then APPROVE or SEND_BACK by a risk approver who is not the
proposer (four-eyes, CN-12) or, for "proceed normally" only, FINALIZE by the proposer;
REQUEST_REVIEW reopens an adverse decision for a different approver; CLOSE ends the case. The
emergency protocol sets ``Case.emergency_open``; ``not_in_emergency`` guards every business
action of this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Case

S = Case.Status


class Action(models.TextChoices):
    COLLECT = "collect", _("Mark information collected")
    ASSESS = "assess", _("Run the assessment")
    REFER = "refer", _("Refer to an institution")
    ACCEPT_REPORT = "accept_report", _("Accept the client's report")
    RECEIVE_RESULTS = "receive_results", _("Results received")
    START_REVIEW = "start_review", _("Start medical review")
    PROPOSE = "propose", _("Propose a decision")
    APPROVE = "approve", _("Approve the decision")
    FINALIZE = "finalize", _("Confirm: proceed normally")
    SEND_BACK = "send_back", _("Send the proposal back")
    REQUEST_REVIEW = "request_review", _("Client asks for a human review")
    CLOSE = "close", _("Close the case")
    WITHDRAW = "withdraw", _("Withdraw the case")
    EXPIRE = "expire", _("Expire the case")


class TransitionNotAllowed(Exception):
    """The action is not allowed from this state, for this user, or its guard fails."""

    def __init__(self, action: str, reason: str) -> None:
        self.action, self.reason = action, reason
        super().__init__(f"{action}: {reason}")


def always(case: Case, user: Any) -> bool:
    return True


def not_in_emergency(case: Case, user: Any) -> bool:
    # Business actions lock while an emergency is open (PRODUCT step 7; issue 8 opens it).
    return not case.emergency_open


def needs_referral(case: Case, user: Any) -> bool:
    return case.recommendation in ("refer", "emergency") and not_in_emergency(case, user)


def can_propose(case: Case, user: Any) -> bool:
    # The engine recommends, people decide (CN-12); an emergency pre-empts every decision.
    return not_in_emergency(case, user) and case.recommendation != "emergency"


def is_independent_approver(case: Case, user: Any) -> bool:
    # Four-eyes: never the proposer; after a review request, never the earlier approver.
    return (
        not_in_emergency(case, user)
        and case.proposed_by_id is not None
        and user.pk != case.proposed_by_id
        and user.pk != case.excluded_approver_id
    )


def proposer_proceeds_normally(case: Case, user: Any) -> bool:
    # Only "proceed normally" needs no second signature (PRODUCT step 4).
    return (
        not_in_emergency(case, user)
        and case.proposed_outcome == "proceed"
        and user.pk == case.proposed_by_id
    )


def adverse_outcome(case: Case, user: Any) -> bool:
    return not_in_emergency(case, user) and case.proposed_outcome not in ("", "proceed")


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    permission: str
    guard: Callable[[Case, Any], bool] = always
    system_only: bool = False  # run by a named system actor (beat job), never from the UI


OPEN_STATES = frozenset(S.values) - frozenset(Case.FINAL) - {S.DECIDED}

STEPS: dict[str, Step] = {
    Action.COLLECT: Step(frozenset({S.DRAFT}), S.COLLECTED, "assessments.assess_case"),
    Action.ASSESS: Step(
        frozenset({S.COLLECTED, S.ASSESSED}),
        S.ASSESSED,
        "assessments.assess_case",
        not_in_emergency,
    ),
    Action.REFER: Step(
        frozenset({S.ASSESSED}), S.REFERRED, "assessments.refer_case", needs_referral
    ),
    Action.ACCEPT_REPORT: Step(
        frozenset({S.ASSESSED, S.REFERRED}), S.RESULTS_RECEIVED, "assessments.refer_case"
    ),
    Action.RECEIVE_RESULTS: Step(
        frozenset({S.REFERRED}), S.RESULTS_RECEIVED, "assessments.refer_case"
    ),
    Action.START_REVIEW: Step(
        frozenset({S.RESULTS_RECEIVED}), S.MEDICAL_REVIEW, "assessments.review_case"
    ),
    Action.PROPOSE: Step(
        frozenset({S.ASSESSED, S.RESULTS_RECEIVED, S.MEDICAL_REVIEW}),
        S.DECISION_PROPOSED,
        "assessments.propose_decision",
        can_propose,
    ),
    Action.APPROVE: Step(
        frozenset({S.DECISION_PROPOSED}),
        S.DECIDED,
        "assessments.approve_decision",
        is_independent_approver,
    ),
    Action.FINALIZE: Step(
        frozenset({S.DECISION_PROPOSED}),
        S.DECIDED,
        "assessments.propose_decision",
        proposer_proceeds_normally,
    ),
    Action.SEND_BACK: Step(
        frozenset({S.DECISION_PROPOSED}),
        S.ASSESSED,
        "assessments.approve_decision",
        is_independent_approver,
    ),
    Action.REQUEST_REVIEW: Step(
        frozenset({S.DECIDED}), S.DECISION_PROPOSED, "assessments.propose_decision", adverse_outcome
    ),
    Action.CLOSE: Step(
        frozenset({S.DECIDED}), S.CLOSED, "assessments.propose_decision", not_in_emergency
    ),
    Action.WITHDRAW: Step(OPEN_STATES, S.WITHDRAWN, "assessments.withdraw_case"),
    Action.EXPIRE: Step(frozenset({S.REFERRED}), S.EXPIRED, "", system_only=True),
}
# Actions a page may offer as a plain button (the others need their own form or service).
BUTTON_ACTIONS = (
    Action.COLLECT,
    Action.ASSESS,
    Action.START_REVIEW,
    Action.CLOSE,
    Action.WITHDRAW,
)


def _is_system(user: Any) -> bool:
    return isinstance(user, str)


def check(case: Case, action: str, user: Any) -> Step:
    """The step for ``action`` if ``user`` may apply it to ``case`` now.

    Raises: TransitionNotAllowed (unknown action, wrong state, missing capability, guard).
    """
    step = STEPS.get(action)
    if step is None:
        raise TransitionNotAllowed(action, "unknown action")
    if case.status not in step.sources:
        raise TransitionNotAllowed(action, f"not allowed from {case.status}")
    if step.system_only != _is_system(user):
        raise TransitionNotAllowed(action, "wrong kind of actor")
    if step.permission and not user.has_perm(step.permission):
        raise TransitionNotAllowed(action, "missing capability")
    if not step.guard(case, user):
        raise TransitionNotAllowed(action, "guard")
    return step


def allowed_actions(case: Case, user: Any) -> list[str]:
    """Actions ``user`` may apply to ``case`` now, in table order."""
    allowed = []
    for action in STEPS:
        try:
            check(case, action, user)
        except TransitionNotAllowed:
            continue
        allowed.append(action)
    return allowed
