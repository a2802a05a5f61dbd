"""The README's walkthrough in Chromium, as the demo users of ``manage.py load_demo``.

A slice of the NHANES demo is loaded first (survey 93705, systolic 202 mmHg, is an emergency).
Then: the client manager sees the dashboard, creates a client, records consent and the
declaration, opens a case and runs the assessment, refers with a cost agreement, uploads the
FHIR results; the medical advisor records an opinion; the manager proposes "proceed with risk
controls" citing a finding and a risk approver (not the proposer) approves it; the compliance
officer finds every step and the reads in the audit trail and the client's access report; the
emergency shows on the manager's and the advisor's dashboards; a manager of another portfolio
gets 404.

Screenshots: test-artifacts/screenshots/walkthrough-*.png (the key ones are copied by hand into
docs/screenshots/ for the README).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from assessments.management.commands.load_demo import CENTRE_LICENCE
from clients.models import Client, Institution, Purpose
from clients.services import current_notice
from healthcheck.core import keys
from tests.assessments import bundles
from tests.clients.conftest import PDF, grant, publish_notice

pytestmark = pytest.mark.browser

PASSWORD = "demo-pass-2026"
STEPS = (
    "consent.granted", "declaration.saved", "case.created", "assessment.created",
    "referral.issued", "results.imported", "opinion.recorded", "health_record.viewed",
    "decision.proposed", "decision.approved",
)  # fmt: skip


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """Three survey rows through ``load_demo`` (embedded profile), plus a sharing notice."""
    settings.MEDIA_ROOT = tmp_path / "media"
    keys.reset_state()
    settings.DEBUG = True
    call_command("load_demo", rows=3, stdout=io.StringIO())
    settings.DEBUG = False
    from healthcheck.core.models import User

    publish_notice(User.objects.get(username="admin"), Purpose.SHARE_WITH_INSTITUTION)
    emergency = Client.objects.matching("national_id", "NHANES-93705").get()
    return {"emergency_client": emergency}


def _log_in(page: Page, base: str, username: str, english: bool = True) -> None:
    page.goto(base + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    if english:
        page.get_by_role("button", name="English").click()


def _shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=directory / f"walkthrough-{name}.png", full_page=True)


def _new_client_with_consent_and_declaration(page: Page, shots: Path) -> Client:
    page.get_by_test_id("client-create-link").click()
    page.fill("#id_name", "Li Na")
    page.select_option("#id_id_type", "passport")
    page.fill("#id_national_id", "E12345678")
    page.fill("#id_date_of_birth", "1975-03-02")
    page.select_option("#id_sex", "male")
    page.get_by_test_id("client-save").click()
    page.get_by_test_id("consent-create-health_check").click()
    page.check("#id_channel_0")
    page.set_input_files(
        "#id_evidence", {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.check("#id_confirmed")
    _shot(page, shots, "02-consent")
    page.get_by_test_id("consent-save").click()
    page.get_by_test_id("declaration-create").click()
    page.select_option("#id_main-self_rated_health", "good")
    page.fill("#id_measures-height", "170")
    page.fill("#id_measures-weight", "72")
    page.fill("#id_bp-0-systolic", "150")
    page.fill("#id_bp-0-diastolic", "95")
    _shot(page, shots, "03-declaration")
    page.get_by_test_id("declaration-save").click()
    return Client.objects.matching("national_id", "E12345678").get()


def _case_assessed(page: Page, base: str, client: Client, shots: Path) -> None:
    page.goto(base + reverse("assessments:case-list", args=[client.public_id]))
    page.select_option("#id_purpose", "insurance")
    page.get_by_test_id("case-create").click()
    page.get_by_test_id("action-collect").click()
    page.get_by_test_id("action-assess").click()
    expect(page.get_by_role("cell", name="Grade 1 hypertension")).to_be_visible()
    _shot(page, shots, "04-assessment")
    page.goto(base + reverse("assessments:case-detail", args=[client.cases.get().public_id]))
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "assessed")


def _refer_and_upload(page: Page, base: str, client: Client, shots: Path, tmp: Path) -> None:
    """Sharing consent for the centre, referral with a cost agreement, attendance, FHIR."""
    manager = client.manager
    centre = Institution.objects.get(licence_number=CENTRE_LICENCE)
    share = Purpose.SHARE_WITH_INSTITUTION
    grant(client, manager, current_notice(share), purpose=share, institution=centre)
    page.reload()
    page.get_by_test_id("action-refer").click()
    page.select_option("#id_institution", index=1)
    page.select_option("#id_payer", "split")
    page.fill("#id_cap", "800")
    page.fill("#id_approved_by_name", "Branch head Li")
    _shot(page, shots, "05-referral")
    page.get_by_test_id("referral-submit").click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "issued")
    page.get_by_test_id("referral-attend").click()
    expect(page.get_by_test_id("referral-status")).to_have_attribute("data-status", "attended")
    page.goto(base + reverse("assessments:results", args=[client.cases.get().public_id]))
    bundle = tmp / "report.json"
    when = timezone.localtime().isoformat(timespec="seconds")
    bundle.write_bytes(bundles.bundle(sbp="138", dbp="88", when=when))
    page.set_input_files("#id_bundle", str(bundle))
    page.get_by_test_id("fhir-submit").click()
    _shot(page, shots, "06-fhir-results")


def _propose_with_controls(page: Page, base: str, case: Any, shots: Path) -> str:
    """The manager proposes "proceed with risk controls" citing the blood-pressure finding;
    returns the decision's URL."""
    page.goto(base + reverse("assessments:case-detail", args=[case.public_id]))
    page.get_by_test_id("action-propose").click()
    page.check("input[name=outcome][value=proceed_with_controls]")
    page.fill("#id_control_premium_loading", "25%")
    page.fill("#id_control_enhanced_monitoring", "Blood pressure re-check every 6 months")
    page.get_by_role("checkbox", name="Blood pressure (grade_1)").check()
    page.fill("#id_rationale", "Grade 1 hypertension on re-measure: premium loading, monitoring.")
    _shot(page, shots, "13-decision-proposal")
    page.get_by_test_id("decision-submit").click()
    expect(page.get_by_test_id("decision-status")).to_have_attribute("data-status", "proposed")
    expect(page.get_by_test_id("decision-outcome")).to_contain_text("Proceed with risk controls")
    cited = page.get_by_test_id("decision-cited").locator("li")
    expect(cited).to_have_count(1)
    expect(cited).to_have_text("Blood pressure (grade_1)")
    expect(page.get_by_test_id("decision-approve")).to_have_count(0)  # never own proposal
    return page.url


def _approve(approver: Page, base: str, case: Any, decision_url: str, shots: Path) -> None:
    """The risk approver finds the proposal on the dashboard and approves it."""
    _log_in(approver, base, "approver")
    row = approver.get_by_test_id("proposals-row").filter(has_text=str(case.public_id)[:8])
    expect(row).to_contain_text("Proceed with risk controls")
    row.get_by_test_id("proposal-link").click()
    approver.get_by_test_id("decision-list").get_by_role("link").first.click()
    assert approver.url == decision_url
    expect(approver.get_by_test_id("decision-terms")).to_contain_text("Premium loading: 25%")
    _shot(approver, shots, "14-decision-approval")
    approver.get_by_test_id("decision-approve").click()
    expect(approver.get_by_test_id("decision-status")).to_have_attribute("data-status", "approved")
    expect(approver.get_by_test_id("decided-by")).to_contain_text("approver")
    expect(approver.get_by_test_id("next-review")).to_be_visible()


def test_walkthrough_of_one_case_and_the_emergency_as_every_role(
    page: Page, browser: Browser, live_server: Any, demo: dict, screenshots_dir: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    base = live_server.url
    _log_in(page, base, "manager")
    for key in ("proceed", "refer", "emergency"):
        expect(page.get_by_test_id(f"recommendation-{key}")).to_be_visible()
    expect(page.get_by_test_id("emergencies-row").first).to_be_visible()
    expect(page.get_by_test_id("panel-emergencies")).to_contain_text("Urgent medical follow-up")
    _shot(page, screenshots_dir, "01-manager-dashboard")

    client = _new_client_with_consent_and_declaration(page, screenshots_dir)
    _case_assessed(page, base, client, screenshots_dir)
    _refer_and_upload(page, base, client, screenshots_dir, tmp_path)
    case = client.cases.get()
    expect(page.get_by_test_id("ignored")).to_be_visible()

    advisor = browser.new_page()
    _log_in(advisor, base, "advisor")
    expect(advisor.get_by_test_id("emergencies-row").first).to_be_visible()
    _shot(advisor, screenshots_dir, "07-advisor-dashboard")
    advisor.goto(base + reverse("assessments:review-detail", args=[case.public_id]))
    advisor.fill("#id_interpretation", "Blood pressure 138/88 on re-measure; grade 1 risk.")
    _shot(advisor, screenshots_dir, "08-medical-opinion")
    advisor.get_by_test_id("opinion-submit").click()
    expect(advisor.get_by_test_id("recommendation")).to_be_visible()
    advisor.close()

    decision_url = _propose_with_controls(page, base, case, screenshots_dir)
    approver = browser.new_page()
    _approve(approver, base, case, decision_url, screenshots_dir)
    approver.close()

    compliance = browser.new_page()
    _log_in(compliance, base, "compliance")
    _shot(compliance, screenshots_dir, "09-compliance-dashboard")
    compliance.goto(base + reverse("compliance:audit-list") + f"?client={client.public_id}")
    events = compliance.get_by_test_id("audit-events")
    for action in STEPS:
        expect(events).to_contain_text(action)
    _shot(compliance, screenshots_dir, "10-audit-trail")
    compliance.goto(base + reverse("compliance:client-access", args=[client.public_id]))
    expect(compliance.get_by_test_id("readers")).to_contain_text("manager")
    expect(compliance.get_by_test_id("readers")).to_contain_text("advisor")
    _shot(compliance, screenshots_dir, "11-access-report")
    compliance.close()

    other = browser.new_page()
    _log_in(other, base, "manager2")
    response = other.goto(base + reverse("clients:detail", args=[client.public_id]))
    assert response is not None and response.status == 404
    _shot(other, screenshots_dir, "12-other-portfolio-404")
    other.close()
