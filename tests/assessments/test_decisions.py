"""Decision services: four-eyes, fair-use refusals (restricted classes, sex, product policy,
outcome floor), idempotent forms, send back, human review, and the next review date."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from assessments import services
from assessments.models import Case, Decision, FollowUp, InboxMessage, ReviewSchedule
from assessments.services import DecisionRefused
from assessments.services.decisions import case_findings
from assessments.workflow import TransitionNotAllowed
from healthcheck.core.models import OutboxMessage
from tests.assessments.conftest import events
from tests.assessments.decide import finding_keys, freeze, product, proposal, second_approver


def _unchanged(case: Case, status: str, version: int) -> None:
    case.refresh_from_db()
    assert (case.status, case.version) == (status, version)
    assert not Decision.objects.filter(case=case, status="approved").exists()


def test_the_assessment_offers_its_findings_for_citation(assessed_case: Case) -> None:
    keys = finding_keys(assessed_case)
    assert "flag:blood_pressure" in keys or "band:blood_pressure" in keys


def test_the_proposer_cannot_approve_their_own_proposal(
    assessed_case: Case, clara: Any, django_user_model: Any
) -> None:
    from django.contrib.auth.models import Permission

    clara.user_permissions.add(Permission.objects.get(codename="approve_decision"))
    clara = django_user_model.objects.get(pk=clara.pk)  # fresh permission cache
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case)
    )
    assessed_case.refresh_from_db()
    status, version = assessed_case.status, assessed_case.version
    with pytest.raises(TransitionNotAllowed):
        services.decision_approve(decision=decision, actor=clara)
    _unchanged(assessed_case, status, version)
    assert events("case.transition_denied", outcome="denied", actor_label="clara")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PROPOSED


@pytest.mark.parametrize(
    "key",
    ["flag:phq9", "band:gad7", "condition:F32.1", "condition:B20", "condition:B18.1",
     "condition:O09", "genetic:BRCA1", "sex"],
)  # fmt: skip
def test_a_decision_citing_a_restricted_class_or_sex_is_refused(
    assessed_case: Case, clara: Any, key: str
) -> None:
    status, version = assessed_case.status, assessed_case.version
    with pytest.raises(DecisionRefused) as refused:
        services.decision_propose(
            case=assessed_case, actor=clara, proposal=proposal(assessed_case, cited=[key])
        )
    assert refused.value.code == "restricted_class"
    _unchanged(assessed_case, status, version)
    assert not Decision.objects.exists()
    [event] = events("decision.proposed", outcome="denied")
    assert event.details["reason"] == "restricted_class"


def test_a_product_whose_policy_forbids_health_data_allows_no_finding(
    assessed_case: Case, clara: Any
) -> None:
    loan = product("consumer-loan-eu", line="credit", policy="none")
    services.case_product_set(case=assessed_case, actor=clara, product=loan)
    assessed_case.refresh_from_db()
    status, version = assessed_case.status, assessed_case.version
    with pytest.raises(DecisionRefused) as refused:
        services.decision_propose(case=assessed_case, actor=clara, proposal=proposal(assessed_case))
    assert refused.value.code == "health_data_not_allowed"
    _unchanged(assessed_case, status, version)
    assert events("decision.proposed", outcome="denied")[0].details["reason"] == (
        "health_data_not_allowed"
    )
    # Without citations the proposal stands, and records that health data was not allowed.
    decision = services.decision_propose(
        case=assessed_case,
        actor=clara,
        proposal=proposal(assessed_case, cited=[], outcome="proceed"),
    )
    assert decision.health_data_allowed is False


def test_insurance_only_policy_allows_findings_for_insurance_products(assessed_case: Case) -> None:
    assert product("cover", line="insurance", policy="insurance_only").allows_health_data
    assert not product("loan", line="credit", policy="insurance_only").allows_health_data


def test_a_proposal_below_the_outcome_floor_needs_an_override_reason(
    assessed_case: Case, clara: Any
) -> None:
    floor = assessed_case.assessments.get().outcome_floor
    assert floor != "proceed", "the 150/95 fixture must have a floor above proceed"
    with pytest.raises(DecisionRefused) as refused:
        services.decision_propose(
            case=assessed_case, actor=clara, proposal=proposal(assessed_case, outcome="proceed")
        )
    assert refused.value.code == "override_reason"
    assert not Decision.objects.exists()
    decision = services.decision_propose(
        case=assessed_case, actor=clara,
        proposal=proposal(assessed_case, outcome="proceed", override_reason="Treated since."),
    )  # fmt: skip
    assert decision.below_floor and decision.status == Decision.Status.APPROVED


def test_an_unknown_finding_is_refused(assessed_case: Case, clara: Any) -> None:
    with pytest.raises(DecisionRefused) as refused:
        services.decision_propose(
            case=assessed_case, actor=clara, proposal=proposal(assessed_case, cited=["band:ecg"])
        )
    assert refused.value.code == "unknown_finding"


def test_another_managers_proposal_is_refused_and_audited(assessed_case: Case, carl: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.decision_propose(case=assessed_case, actor=carl, proposal=proposal(assessed_case))
    assert events("decision.proposed", outcome="denied", actor_label="carl")


def test_the_rationale_and_citations_are_ciphertext_at_rest(
    assessed_case: Case, clara: Any
) -> None:
    from django.db import connection

    services.decision_propose(case=assessed_case, actor=clara, proposal=proposal(assessed_case))
    with connection.cursor() as cursor:
        cursor.execute("SELECT rationale, cited_findings FROM assessments_decision")
        rationale, cited = cursor.fetchone()
    assert "hypertension" not in str(rationale) and "blood_pressure" not in str(cited)


def test_approval_by_another_approver_decides_and_notifies_the_proposer_once(
    assessed_case: Case, clara: Any, rita: Any, django_capture_on_commit_callbacks: Any
) -> None:
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case)
    )
    token = uuid.uuid4()
    for _ in range(2):  # a double-submitted approval form acts once
        services.decision_approve(decision=decision, actor=rita, token=token)
    decision.refresh_from_db()
    assessed_case.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED and decision.decided_by == rita
    assert assessed_case.status == Case.Status.DECIDED
    assert len(events("decision.approved")) == 1
    assert InboxMessage.objects.filter(recipient=clara, kind="decision_decided").count() == 1


def test_a_double_submitted_proposal_creates_one_decision(assessed_case: Case, clara: Any) -> None:
    token = uuid.uuid4()
    first = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case), token=token
    )
    again = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case), token=token
    )
    assert first.pk == again.pk and Decision.objects.count() == 1
    assert len(events("decision.proposed")) == 1


def test_a_stale_form_version_is_refused(assessed_case: Case, clara: Any, rita: Any) -> None:
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case)
    )
    with pytest.raises(services.VersionConflict):
        services.decision_approve(decision=decision, actor=rita, expected_version=1)
    assert events("decision.approved", outcome="denied")[0].details["reason"] == "version"


def test_send_back_needs_a_reason_and_lets_the_manager_propose_again(
    assessed_case: Case, clara: Any, rita: Any
) -> None:
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case)
    )
    with pytest.raises(DecisionRefused):
        services.decision_send_back(decision=decision, actor=rita, reason=" ")
    services.decision_send_back(decision=decision, actor=rita, reason="Cite the opinion.")
    assessed_case.refresh_from_db()
    assert assessed_case.status == Case.Status.ASSESSED
    assert events("decision.sent_back")[0].fields == ["send_back_reason"]
    again = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case, outcome="postpone")
    )
    assert again.status == Decision.Status.PROPOSED


def test_a_review_request_reopens_the_case_for_a_different_approver(
    assessed_case: Case, clara: Any, rita: Any
) -> None:
    rob = second_approver()
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case)
    )
    services.decision_approve(decision=decision, actor=rita)
    services.decision_request_review(decision=decision, actor=clara, reason="Client disagrees.")
    assessed_case.refresh_from_db()
    assert assessed_case.status == Case.Status.DECISION_PROPOSED
    assert FollowUp.objects.filter(kind="review_request", assignee=clara).count() == 1
    with pytest.raises(TransitionNotAllowed):
        services.decision_approve(decision=decision, actor=rita)
    services.decision_approve(decision=decision, actor=rob)
    decision.refresh_from_db()
    assert decision.decided_by == rob and decision.previous_approver == rita


def test_proceed_normally_is_final_at_once_with_a_review_in_twelve_months(
    clara: Any, ada: Any
) -> None:
    from tests.assessments.decide import assessed_client_case

    case = assessed_client_case(clara, ada, "118", "76")
    decision = services.decision_propose(
        case=case, actor=clara, proposal=proposal(case, outcome="proceed", cited=[])
    )
    case.refresh_from_db()
    assert case.status == Case.Status.DECIDED and decision.status == Decision.Status.APPROVED
    today = timezone.localdate()
    assert decision.next_review_on == today.replace(year=today.year + 1)


def test_controls_set_the_review_six_months_later_and_time_past_it_makes_one_recheck(
    assessed_case: Case, clara: Any, rita: Any, monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case, "proceed_with_controls")
    )
    services.decision_approve(decision=decision, actor=rita)
    decision.refresh_from_db()
    today = timezone.localdate()
    assert decision.next_review_on == today + relativedelta(months=6)
    schedule = ReviewSchedule.objects.get(client=assessed_case.client)
    assert schedule.next_review_on == decision.next_review_on and not schedule.is_stale
    assessed_case.client.refresh_from_db()
    assert assessed_case.client.next_review_on == decision.next_review_on

    assert services.rechecks_sweep() == 0  # not due yet
    later = timezone.now() + datetime.timedelta(days=190)
    freeze(monkeypatch, later)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rechecks_sweep() == 1
        assert services.rechecks_sweep() == 0  # a second run (or a doubled beat) adds nothing
    assert FollowUp.objects.filter(kind="recheck", assignee=clara).count() == 1
    assert InboxMessage.objects.filter(kind="recheck_due", recipient=clara).count() == 1
    assert (
        OutboxMessage.objects.filter(task_name="assessments.inbox_mail_task")
        .filter(dedupe_key__startswith="inbox-mail:")
        .count()
        == InboxMessage.objects.count()
    )
    schedule.refresh_from_db()
    assert schedule.is_stale and len(events("review.stale")) == 1
    assert events("follow_up.created")[-1].actor_label == "system:recheck-scheduler"


def test_findings_never_include_values(assessed_case: Case) -> None:
    for finding in case_findings(assessed_case):
        assert "150" not in finding.detail and "95" not in finding.detail
