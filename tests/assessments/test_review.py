"""Medical review: the advisor's queue and audited reads, the opinion and the re-assessment;
the backtest command on stored assessments; managers never see restricted values."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Assessment, Case, Opinion, Referral
from healthcheck.core.fields import reveal
from tests.assessments import bundles
from tests.assessments.conftest import events


@pytest.fixture
def with_results(referral: Referral, clara: Any) -> Case:
    when = timezone.localtime().isoformat(timespec="seconds")  # after the declaration
    raw = bundles.bundle(sbp="138", dbp="88", when=when)
    services.fhir_import(case=referral.case, actor=clara, raw=raw)
    referral.case.refresh_from_db()
    return referral.case


def test_advisor_queue_lists_cases_with_results_only(
    with_results: Case, assessed_case: Case, max_: Any, clara: Any
) -> None:
    assert list(selectors.review_queue(viewer=max_)) == [with_results]
    assert list(selectors.review_queue(viewer=clara)) == []


def test_advisor_reads_full_results_and_every_view_is_audited(
    with_results: Case, max_: Any, client: Any
) -> None:
    client.force_login(max_)
    url = f"/health-check/cases/{with_results.public_id}/review/"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    reads = events("health_record.viewed", actor_label="max", details__section="observations")
    assert len(reads) == 2


def test_opinion_is_encrypted_and_followed_by_a_reassessment(with_results: Case, max_: Any) -> None:
    opinion = services.opinion_record(
        case=with_results, actor=max_, interpretation="BP grade 1 on re-measure.",
        significant_findings="Grade 1 hypertension", recommended_follow_up="Re-check in 3 months",
    )  # fmt: skip
    with_results.refresh_from_db()
    assert with_results.status == Case.Status.MEDICAL_REVIEW and with_results.reviewed_at
    assert opinion.reassessment.is_reassessment
    bp = next(
        m for m in opinion.reassessment.result["measures"] if m["measure"] == "blood_pressure"
    )
    # Mean of the day's readings: the declaration's 150/95 and the referral's 138/88 (§1.3).
    assert bp["value"] == "144/92"
    assert Assessment.objects.filter(case=with_results).count() == 2
    stored = Opinion.objects.get()
    assert reveal(stored, "interpretation") == "BP grade 1 on re-measure."
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT interpretation FROM assessments_opinion")
        assert b"BP grade" not in bytes(cursor.fetchone()[0])
    assert events("opinion.recorded") and events("case.medical_review")


def test_a_manager_cannot_record_an_opinion_and_nothing_changes(
    with_results: Case, clara: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.opinion_record(case=with_results, actor=clara, interpretation="x")
    with_results.refresh_from_db()
    assert with_results.status == Case.Status.RESULTS_RECEIVED
    assert not Opinion.objects.exists()
    assert events("opinion.recorded", outcome="denied")


def test_manager_sees_restricted_for_phq9_and_the_follow_up_flag(
    clara: Any, max_: Any, notices: Any, client: Any
) -> None:
    from clients import services as client_services
    from tests.clients.conftest import PHQ9_ITEM9, bp_declaration, grant, make_client

    person = make_client(clara, name="Chen Jing")
    grant(person, clara, notices["health_check"])
    client_services.declaration_save(
        actor=clara, client=person, data=bp_declaration("128", "82", phq9=PHQ9_ITEM9)
    )
    case = services.case_create(actor=clara, client=person, purpose="loan")
    services.case_collect(case=case, actor=clara)
    assessment = services.assessment_run(case=case, actor=clara)
    view = selectors.assessment_view(viewer=clara, assessment=assessment)
    phq9 = next(m for m in view.measures if m["measure"] == "phq9")
    assert phq9["restricted"] and phq9["band"] is None and view.restricted_follow_up
    client.force_login(clara)
    page = client.get(f"/health-check/assessments/{assessment.public_id}/").content.decode()
    assert 'data-testid="restricted-follow-up"' in page and "phq9_item9" not in page


def test_backtest_command_reads_stored_assessments(assessed_case: Case) -> None:
    out = StringIO()
    call_command("backtest", "--pack", "who", stdout=out)
    assert "cases: 1 (could not be evaluated: 0)" in out.getvalue()
