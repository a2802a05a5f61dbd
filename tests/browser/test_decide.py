"""Browser test (Chromium): the manager proposes a decline citing a finding, a risk approver
approves it, the bilingual explanation is printed; an emergency (BP 186/124) is opened and
closed by a medical advisor; the health file shows its charts. Screenshots decide-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from assessments.models import Emergency
from tests.assessments.decide import assessed_client_case
from tests.harness.text import shows_number

pytestmark = pytest.mark.browser


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.locator("main form button[type=submit]").click()


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_proposal_approval_and_printed_explanation(
    page: Page, live_server: Any, clara: Any, rita: Any, ada: Any, browser: Any,
    screenshots_dir: Any, media: None,
) -> None:  # fmt: skip
    case = assessed_client_case(clara, ada)
    base = live_server.url
    _log_in(page, base, "clara")
    page.goto(base + reverse("assessments:case-detail", args=[case.public_id]))
    page.get_by_test_id("action-propose").click()
    page.check("input[name=outcome][value=decline]")
    page.locator("input[name=cited]").first.check()
    page.fill("#id_rationale", "Untreated grade 2 hypertension.")
    page.screenshot(path=screenshots_dir / "decide-proposal.png", full_page=True)
    page.get_by_test_id("decision-submit").click()
    expect(page.get_by_test_id("decision-status")).to_have_attribute("data-status", "proposed")
    expect(page.get_by_test_id("decision-approve")).to_have_count(0)  # never own proposal
    decision_url = page.url

    approver = browser.new_page()
    _log_in(approver, base, "rita")
    approver.goto(decision_url)
    approver.screenshot(path=screenshots_dir / "decide-approval.png", full_page=True)
    approver.get_by_test_id("decision-approve").click()
    expect(approver.get_by_test_id("decision-status")).to_have_attribute("data-status", "approved")
    approver.close()

    page.goto(decision_url)
    page.get_by_test_id("explanation-link").click()
    expect(page.get_by_test_id("explanation-zh")).to_contain_text("如何申请人工复核")
    expect(page.get_by_test_id("explanation-en")).to_contain_text("How to ask for a human review")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print-explanation")).to_be_hidden()
    page.screenshot(path=screenshots_dir / "decide-explanation-print.png", full_page=True)
    page.emulate_media(media="screen")


def test_emergency_opened_and_closed_by_a_medical_advisor_and_health_file_charts(
    page: Page, live_server: Any, clara: Any, max_: Any, ada: Any, browser: Any,
    screenshots_dir: Any, media: None,
) -> None:  # fmt: skip
    case = assessed_client_case(clara, ada, "186", "124")
    emergency = Emergency.objects.get(case=case)
    base = live_server.url
    _log_in(page, base, "clara")
    page.goto(base + reverse("assessments:case-detail", args=[case.public_id]))
    expect(page.get_by_test_id("emergency-banner")).to_contain_text("12356")
    expect(page.get_by_test_id("action-propose")).to_have_count(0)  # decisions locked
    assert not shows_number(page.content(), "186", "124")
    page.screenshot(path=screenshots_dir / "decide-emergency-manager.png", full_page=True)

    advisor = browser.new_page()
    _log_in(advisor, base, "max")
    advisor.goto(base + reverse("assessments:emergency-detail", args=[emergency.public_id]))
    advisor.locator("[data-testid=step-contact] input[name=note]").fill("Client reached, to ER.")
    advisor.get_by_test_id("record-contact").click()
    expect(advisor.get_by_test_id("step-contact")).to_have_attribute("data-done", "true")
    advisor.fill("#id_close_note", "Seen at Ruijin emergency; BP controlled; stable.")
    advisor.get_by_test_id("emergency-close").click()
    expect(advisor.get_by_test_id("emergency-status")).to_have_attribute("data-status", "closed")
    advisor.screenshot(path=screenshots_dir / "decide-emergency-closed.png", full_page=True)
    advisor.close()

    page.goto(base + reverse("assessments:case-detail", args=[case.public_id]))
    expect(page.get_by_test_id("emergency-banner")).to_have_count(0)
    page.get_by_test_id("health-file-link").click()
    # The critical readings stay masked for the manager after closing (the advisor's pages show
    # them: tests/assessments/test_critical_masking.py).
    expect(page.locator("[data-testid=chart-bmi] svg")).to_be_visible()
    expect(page.locator("[data-testid=chart-blood_pressure] svg")).to_have_count(0)
    expect(page.get_by_test_id("critical-follow-up")).to_be_visible()
    assert not shows_number(page.content(), "186", "124")
    page.screenshot(path=screenshots_dir / "decide-health-file.png", full_page=True)
