"""Browser test (Chromium): refer with a cost agreement, print the letter, record attendance,
upload a FHIR bundle and a PDF; the medical advisor reads the results and records an opinion;
the case shows the re-assessment. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments import services
from tests.assessments import bundles
from tests.assessments.conftest import make_institution
from tests.clients.conftest import PDF, bp_declaration, grant, make_client, publish_notice

pytestmark = pytest.mark.browser


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.locator("main form button[type=submit]").click()


@pytest.fixture
def assessed(clara: Any, ada: Any, settings: Any, tmp_path: Any) -> Any:
    from clients import services as client_services

    settings.MEDIA_ROOT = tmp_path / "media"
    institution = make_institution()
    client = make_client(clara)
    grant(client, clara, publish_notice(ada))
    grant(client, clara, publish_notice(ada, "share_with_institution"),
          purpose="share_with_institution", institution=institution)  # fmt: skip
    client_services.declaration_save(actor=clara, client=client, data=bp_declaration("150", "95"))
    case = services.case_create(actor=clara, client=client, purpose="insurance")
    services.case_collect(case=case, actor=clara)
    services.assessment_run(case=case, actor=clara)
    return case


def test_refer_results_and_medical_review_end_to_end(
    page: Page, live_server: Any, assessed: Any, max_: Any, browser: Any, screenshots_dir: Any,
    tmp_path: Any,
) -> None:  # fmt: skip
    base = live_server.url
    _log_in(page, base, "clara")
    page.goto(base + reverse("assessments:case-detail", args=[assessed.public_id]))
    page.get_by_test_id("action-refer").click()
    page.select_option("#id_institution", index=1)
    page.select_option("#id_payer", "split")
    page.fill("#id_cap", "800")
    page.fill("#id_approved_by_name", "Branch head Li")
    page.screenshot(path=screenshots_dir / "refer-form.png", full_page=True)
    page.get_by_test_id("referral-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "issued")

    page.get_by_test_id("letter-link").click()
    expect(page.get_by_test_id("referral-letter")).to_contain_text("Branch head Li")
    page.emulate_media(media="print")
    page.screenshot(path=screenshots_dir / "refer-letter-print.png", full_page=True)
    expect(page.get_by_test_id("print-letter")).to_be_hidden()
    page.emulate_media(media="screen")
    page.go_back()

    page.get_by_test_id("referral-attend").click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "attended")

    page.goto(base + reverse("assessments:results", args=[assessed.public_id]))
    bundle = tmp_path / "report.json"
    when = timezone.localtime().isoformat(timespec="seconds")
    bundle.write_bytes(bundles.bundle(sbp="138", dbp="88", when=when))
    page.set_input_files("#id_bundle", str(bundle))
    page.get_by_test_id("fhir-submit").click()
    expect(page.get_by_test_id("ignored")).to_contain_text("99999-9")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("[data-testid=files-input]", str(pdf))
    page.get_by_test_id("files-submit").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "results_received")
    expect(page.get_by_test_id("document-list")).to_contain_text("report.pdf")
    page.screenshot(path=screenshots_dir / "refer-results-received.png", full_page=True)

    advisor = browser.new_page()
    _log_in(advisor, base, "max")
    advisor.goto(base + reverse("assessments:review-queue"))
    advisor.get_by_test_id("review-link").first.click()
    expect(advisor.get_by_test_id("review-results")).to_contain_text("138")
    advisor.fill("#id_interpretation", "Grade 1 hypertension confirmed on re-measure.")
    advisor.screenshot(path=screenshots_dir / "refer-medical-review.png", full_page=True)
    advisor.get_by_test_id("opinion-submit").click()
    expect(advisor.get_by_test_id("recommendation")).to_be_visible()
    advisor.close()

    page.goto(base + reverse("assessments:case-detail", args=[assessed.public_id]))
    expect(page.locator("[data-testid=assessment-row][data-reassessment=true]")).to_have_count(1)
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "medical_review")
    page.screenshot(path=screenshots_dir / "refer-case-reassessed.png", full_page=True)
