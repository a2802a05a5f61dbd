"""Browser test of the Collect step on Chromium: clara creates a client, records the health-data
consent, fills the declaration (160 cm, 61.44 kg: BMI exactly 24.0; blood pressure 140/90) and
sees both in the health file. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from clients.models import Client, Declaration, Observation
from tests.clients.conftest import PDF, publish_notice

pytestmark = pytest.mark.browser


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.locator("main form button[type=submit]").click()


def _create_client(page: Page) -> None:
    page.get_by_test_id("client-list-link").click()
    page.get_by_test_id("client-create").click()
    page.fill("#id_name", "Wang Fang")
    page.select_option("#id_id_type", "resident_id")
    page.fill("#id_national_id", "11010519491231002X")
    page.fill("#id_date_of_birth", "1980-05-17")
    page.select_option("#id_sex", "female")
    page.fill("#id_occupation", "Accountant")
    page.fill("#id_phone", "138 0013 8000")
    page.get_by_test_id("client-save").click()


def _record_consent(page: Page, screenshots_dir) -> None:
    expect(page.get_by_test_id("no-health-consent")).to_be_visible()
    page.get_by_test_id("consent-create-health_check").click()
    expect(page.get_by_test_id("notice-text")).to_be_visible()
    page.screenshot(path=screenshots_dir / "collect-2-consent.png", full_page=True)
    page.check("#id_channel_0")
    page.set_input_files(
        "#id_evidence", {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.check("#id_confirmed")
    page.get_by_test_id("consent-save").click()
    expect(page.locator("[data-testid=consent-row][data-state=active]")).to_have_count(1)


def _declare(page: Page, screenshots_dir) -> None:
    page.get_by_test_id("declaration-create").click()
    page.select_option("#id_main-self_rated_health", "good")
    page.fill("#id_measures-height", "160")
    page.fill("#id_measures-weight", "61.44")
    page.fill("#id_bp-0-systolic", "140")
    page.fill("#id_bp-0-diastolic", "90")
    page.select_option("#id_conditions-0-chapter", "IX")
    page.fill("#id_conditions-0-code", "I10")
    page.screenshot(path=screenshots_dir / "collect-3-declaration.png", full_page=True)
    page.get_by_test_id("declaration-save").click()


def test_clara_creates_a_client_records_consent_and_sees_bmi_24_and_bp_140_90_in_the_health_file(
    page: Page, live_server, clara, ada, screenshots_dir
):
    publish_notice(ada)
    _log_in(page, live_server.url, "clara")
    page.get_by_role("button", name="English").click()

    _create_client(page)
    client = Client.objects.get()
    expect(page).to_have_url(live_server.url + reverse("clients:detail", args=[client.public_id]))
    page.screenshot(path=screenshots_dir / "collect-1-client.png", full_page=True)
    _record_consent(page, screenshots_dir)
    _declare(page, screenshots_dir)

    expect(page).to_have_url(
        live_server.url + reverse("clients:health-file", args=[client.public_id])
    )
    expect(page.get_by_test_id("bmi")).to_have_text("24.0 kg/m²")
    expect(page.get_by_test_id("bp-value")).to_have_text("140/90")
    expect(page.get_by_test_id("condition")).to_contain_text("I10")
    page.screenshot(path=screenshots_dir / "collect-4-health-file.png", full_page=True)
    assert Declaration.objects.filter(client=client).count() == 1
    assert Observation.objects.filter(client=client).count() == 4


def test_the_icd10_chapter_picker_narrows_the_code_list(page: Page, live_server, clara, ada):
    from tests.clients.conftest import grant, make_client

    client = make_client(clara)
    grant(client, clara, publish_notice(ada))
    _log_in(page, live_server.url, "clara")
    page.goto(live_server.url + reverse("clients:declaration-create", args=[client.public_id]))
    options = page.locator("#icd10-options option")
    expect(options).to_have_count(74)
    page.select_option("#id_conditions-0-chapter", "V")
    expect(options).to_have_count(7)
    page.fill("#id_conditions-0-code", "F3")
    expect(options).to_have_count(3)


def test_searching_by_id_number_finds_the_client_and_leaves_the_number_out_of_the_url(
    page: Page, live_server, clara
):
    from tests.clients.conftest import make_client

    make_client(clara, name="Li Na", id_type="resident_id", national_id="11010519491231002X")
    make_client(clara, name="Li Nan")
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    _log_in(page, live_server.url, "clara")
    page.goto(live_server.url + reverse("clients:list"))
    expect(page.get_by_test_id("client-row")).to_have_count(2)
    page.fill("#id_q", "110105 19491231002x")
    page.get_by_test_id("client-search").locator("button[type=submit]").click()
    expect(page.get_by_test_id("client-row")).to_have_count(1)
    expect(page.get_by_test_id("client-row")).to_contain_text("Li Na")
    assert seen and not any("1949" in url or "q=" in url for url in seen)
