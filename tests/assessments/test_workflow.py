"""The transition table, read as a table: who may do what from which state."""

from __future__ import annotations

from typing import Any

import pytest

from assessments import workflow
from assessments.models import Case
from assessments.workflow import Action, TransitionNotAllowed

S = Case.Status


def _case(status: str, recommendation: str = "refer", emergency: bool = False) -> Case:
    return Case(status=status, recommendation=recommendation, emergency_open=emergency)


@pytest.mark.parametrize(
    ("status", "action", "persona", "allowed"),
    [
        (S.DRAFT, Action.COLLECT, "clara", True),
        (S.DRAFT, Action.COLLECT, "max_", False),
        (S.DRAFT, Action.ASSESS, "clara", False),
        (S.COLLECTED, Action.ASSESS, "clara", True),
        (S.ASSESSED, Action.ASSESS, "clara", True),
        (S.ASSESSED, Action.REFER, "clara", True),
        (S.ASSESSED, Action.REFER, "rita", False),
        (S.COLLECTED, Action.REFER, "clara", False),
        (S.REFERRED, Action.RECEIVE_RESULTS, "clara", True),
        (S.ASSESSED, Action.ACCEPT_REPORT, "clara", True),
        (S.RESULTS_RECEIVED, Action.START_REVIEW, "max_", True),
        (S.RESULTS_RECEIVED, Action.START_REVIEW, "clara", False),
        (S.REFERRED, Action.WITHDRAW, "clara", True),
        (S.CLOSED, Action.WITHDRAW, "clara", False),
        (S.REFERRED, Action.EXPIRE, "clara", False),
        (S.REFERRED, "fly_away", "clara", False),
    ],
)
def test_transition_table(
    status: str, action: str, persona: str, allowed: bool, request: Any
) -> None:
    user = request.getfixturevalue(persona)
    case = _case(status)
    if allowed:
        assert workflow.check(case, action, user).target == workflow.STEPS[action].target
        assert action in workflow.allowed_actions(case, user)
    else:
        with pytest.raises(TransitionNotAllowed):
            workflow.check(case, action, user)
        assert action not in workflow.allowed_actions(case, user)


def test_expiry_is_for_the_scheduler_only() -> None:
    step = workflow.check(_case(S.REFERRED), Action.EXPIRE, "system:reminder-scheduler")
    assert step.target == S.EXPIRED


def test_refer_needs_a_recommendation_to_refer(clara: Any) -> None:
    with pytest.raises(TransitionNotAllowed):
        workflow.check(_case(S.ASSESSED, recommendation="proceed"), Action.REFER, clara)


def test_an_open_emergency_locks_business_actions(clara: Any) -> None:
    case = _case(S.ASSESSED, emergency=True)
    for action in (Action.REFER, Action.ASSESS):
        with pytest.raises(TransitionNotAllowed):
            workflow.check(case, action, clara)
