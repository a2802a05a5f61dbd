"""B31 across the assessments app: once the client's health-check consent is withdrawn, every
page that reads or writes the client's health content (report files, results intake, the
assessment, the decision's rationale and citations, the client's explanation and its PDF, the
medical review and the health file) answers 403 with the consent page, shows no health text,
stores nothing and leaves one audited refusal; decisions taken on the consent are flagged for
review and cannot be approved."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import Case, CaseDocument, Decision
from clients import services as client_services
from clients.models import Document, Purpose
from tests.assessments.conftest import PDF, events
from tests.assessments.decide import proposal, second_approver

pytestmark = pytest.mark.django_db

RATIONALE = "CANARY-RATIONALE-B31 untreated hypertension"


def _withdraw(case: Case, actor: Any) -> None:
    consent = case.client.consents.get(purpose=Purpose.HEALTH_CHECK, withdrawn_at__isnull=True)
    client_services.consent_withdraw(actor=actor, consent=consent, channel="in_branch")


@pytest.fixture
def withdrawn(assessed_case: Case, clara: Any, rita: Any) -> dict[str, Any]:
    """A declined (approved) decision with a rationale, a stored report file; then C withdraws."""
    (stored,) = services.report_files_store(
        case=assessed_case, actor=clara, uploads=[("bp-report.pdf", PDF)]
    )
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case, rationale=RATIONALE)
    )
    services.decision_approve(decision=decision, actor=rita)
    _withdraw(assessed_case, clara)
    return {"case": assessed_case, "decision": decision, "document": stored.document}


def _urls(w: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(who, method, url) for every health-content page of the case."""
    case, decision = w["case"].public_id, w["decision"].public_id
    assessment = w["case"].assessments.order_by("-created_at").first().public_id
    return [
        ("clara", "get", reverse("clients:document-download", args=[w["document"].public_id])),
        ("clara", "get", reverse("assessments:results", args=[case])),
        ("clara", "get", reverse("assessments:client-report", args=[case])),
        ("clara", "get", reverse("assessments:assessment-detail", args=[assessment])),
        ("clara", "get", reverse("assessments:decision-propose", args=[case])),
        ("clara", "get", reverse("assessments:decision-detail", args=[decision])),
        ("rita", "get", reverse("assessments:decision-detail", args=[decision])),
        ("clara", "get", reverse("assessments:decision-explanation", args=[decision])),
        ("rita", "get", reverse("assessments:decision-explanation", args=[decision])),
        ("clara", "get", reverse("assessments:decision-explanation-pdf", args=[decision])),
        ("rita", "get", reverse("assessments:decision-explanation-pdf", args=[decision])),
        ("clara", "get", reverse("assessments:health-file", args=[w["case"].client.public_id])),
    ]


def test_every_health_page_refuses_after_withdrawal_with_no_health_text_and_an_audited_denial(
    withdrawn: dict[str, Any], client: Any, clara: Any, rita: Any, max_: Any
):
    users = {"clara": clara, "rita": rita, "max": max_}
    for who, method, url in _urls(withdrawn):
        before = len(events("access.denied", actor_label=who))
        client.force_login(users[who])
        response = getattr(client, method)(url)
        assert response.status_code == 403, (who, url, response.status_code)
        body = response.content.decode(errors="replace")
        assert 'data-testid="consent-required"' in body, url
        for text in (RATIONALE, "150/95", ">150<", ">95<", "%PDF"):
            assert text not in body, (url, text)
        denied = events("access.denied", actor_label=who)[before:]
        assert len(denied) == 1, (who, url, [d.details for d in denied])
        assert denied[0].details.get("reason") == "consent_required", url
    assert not events("report.downloaded", actor_label="clara")


def test_a_report_upload_after_withdrawal_stores_nothing_and_is_audited(
    withdrawn: dict[str, Any], client: Any, clara: Any
):
    case = withdrawn["case"]
    documents, links = Document.objects.count(), CaseDocument.objects.count()
    client.force_login(clara)
    response = client.post(
        reverse("assessments:results-files", args=[case.public_id]),
        {"files": SimpleUploadedFile("late.pdf", PDF, content_type="application/pdf")},
    )
    assert response.status_code == 403
    assert 'data-testid="consent-required"' in response.content.decode()
    assert Document.objects.count() == documents and CaseDocument.objects.count() == links
    (denied,) = [
        e for e in events("access.denied", actor_label="clara")
        if e.details.get("reason") == "consent_required"
    ]  # fmt: skip
    assert denied.details["operation"] == "results.files"
    with pytest.raises(client_services.ConsentRequired):
        services.report_files_store(case=case, actor=clara, uploads=[("late.pdf", PDF)])
    assert Document.objects.count() == documents


def test_withdrawal_flags_the_clients_decisions_for_review_shown_on_the_case(
    withdrawn: dict[str, Any], client: Any, clara: Any
):
    decision = withdrawn["decision"]
    decision.refresh_from_db()
    assert decision.needs_review
    [flag] = events("decision.review_requested", target_id=str(decision.public_id))
    assert flag.details["reason"] == "consent_withdrawn" and flag.actor_label == "clara"
    client.force_login(clara)
    page = client.get(reverse("assessments:case-detail", args=[withdrawn["case"].public_id]))
    assert page.status_code == 200
    assert 'data-testid="decision-needs-review"' in page.content.decode()


def test_a_pending_proposal_is_flagged_and_cannot_be_approved_after_withdrawal(
    assessed_case: Case, clara: Any, rita: Any
):
    decision = services.decision_propose(case=assessed_case, actor=clara, proposal=proposal(
        assessed_case))  # fmt: skip
    _withdraw(assessed_case, clara)
    decision.refresh_from_db()
    assert decision.needs_review and decision.status == Decision.Status.PROPOSED
    with pytest.raises(client_services.ConsentRequired):
        services.decision_approve(decision=decision, actor=second_approver())
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PROPOSED


def test_the_medical_review_page_and_an_opinion_refuse_after_withdrawal(
    referral: Any, clara: Any, max_: Any, client: Any
):
    from django.utils import timezone

    from assessments.models import Opinion
    from tests.assessments import bundles

    when = timezone.localtime().isoformat(timespec="seconds")
    services.fhir_import(case=referral.case, actor=clara, raw=bundles.bundle(
        sbp="138", dbp="88", when=when))  # fmt: skip
    case = referral.case
    _withdraw(case, clara)
    client.force_login(max_)
    url = reverse("assessments:review-detail", args=[case.public_id])
    for response in (
        client.get(url),
        client.post(url, {"interpretation": "CANARY-OPINION-B31", "is_urgent": ""}),
    ):
        assert response.status_code == 403
        body = response.content.decode()
        assert 'data-testid="consent-required"' in body
        assert ">138<" not in body and "138/88" not in body and "CANARY-OPINION-B31" not in body
    assert not Opinion.objects.filter(case=case).exists()
    denied = [e for e in events("access.denied", actor_label="max")
              if e.details.get("reason") == "consent_required"]  # fmt: skip
    assert len(denied) == 2
