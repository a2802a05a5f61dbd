"""Case services: creation, transitions (rows, audit, version) and the engine run."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import Assessment, Case
from assessments.rules import evaluate
from assessments.workflow import Action, TransitionNotAllowed
from tests.assessments.conftest import events


def test_case_creation_is_audited_and_starts_as_draft(client_c: Any, clara: Any) -> None:
    case = services.case_create(actor=clara, client=client_c, purpose="loan")
    assert case.status == Case.Status.DRAFT
    assert [e.target_id for e in events("case.created")] == [str(case.public_id)]


def test_rejects_a_case_for_another_managers_client(client_c: Any, carl: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.case_create(actor=carl, client=client_c, purpose="loan")
    assert not Case.objects.exists()
    assert events("case.created", outcome="denied")


def test_transition_moves_state_bumps_version_and_records_the_event(
    draft_case: Case, clara: Any
) -> None:
    case = services.case_collect(case=draft_case, actor=clara)
    case.refresh_from_db()
    assert (case.status, case.version) == (Case.Status.COLLECTED, 2)
    (event,) = events("case.collected")
    assert event.details["previous"] == "draft" and event.fields == ["status"]


def test_denied_transition_changes_nothing_and_is_audited(draft_case: Case, max_: Any) -> None:
    with pytest.raises(TransitionNotAllowed):
        services.case_transition(case=draft_case, action=Action.COLLECT, actor=max_)
    draft_case.refresh_from_db()
    assert (draft_case.status, draft_case.version) == (Case.Status.DRAFT, 1)
    assert events("case.transition_denied", outcome="denied")
    assert not events("case.collected")


def test_stale_version_is_refused(draft_case: Case, clara: Any) -> None:
    with pytest.raises(services.VersionConflict):
        services.case_transition(
            case=draft_case, action=Action.COLLECT, actor=clara, expected_version=7
        )
    draft_case.refresh_from_db()
    assert draft_case.status == Case.Status.DRAFT


def test_collect_needs_a_declaration(clara: Any, notices: Any) -> None:
    from tests.clients.conftest import grant, make_client

    client = make_client(clara, name="Li Na")
    grant(client, clara, notices["health_check"])
    case = services.case_create(actor=clara, client=client, purpose="loan")
    with pytest.raises(ValidationError):
        services.case_collect(case=case, actor=clara)


def test_assessment_run_stores_the_engine_result_and_reproduces_it(
    assessed_case: Case, clara: Any
) -> None:
    (assessment,) = Assessment.objects.filter(case=assessed_case)
    assert assessed_case.status == Case.Status.ASSESSED
    assert assessment.recommendation == assessed_case.recommendation == "refer"
    assert not assessment.is_reassessment
    again = evaluate(assessment.case_inputs(), pack=assessment.pack_id, as_of=assessment.as_of)
    assert again.to_dict() == assessment.result
    bp = next(m for m in assessment.result["measures"] if m["measure"] == "blood_pressure")
    assert bp["value"] == "150/95"
    assert events("assessment.created")
    assert events("health_record.viewed", details__section="assessment_inputs")


def test_assessment_values_are_ciphertext_at_rest(assessed_case: Case) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT result, inputs FROM assessments_assessment")
        result, inputs = (bytes(cell) for cell in cursor.fetchone())
    assert b"150/95" not in result and b"blood_pressure" not in result
    # A plaintext JSON value would hold the key in quotes and the reading after a colon.
    assert b'"sbp"' not in inputs and not re.search(rb'":\s*150\b', inputs)
