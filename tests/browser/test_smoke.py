"""Browser smoke test on Chromium: every role logs in, lands on its home page, logs out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.core.test_translations import checker

pytestmark = pytest.mark.browser

ROLES = [
    ("clara", "home-manager", "client_manager"),
    ("max_", "home-advisor", "medical_advisor"),
    ("rita", "home-approver", "risk_approver"),
    ("cora", "home-compliance", "compliance_officer"),
    ("ada", "home-admin", "administrator"),
]
CATALOGUE = Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po"
# Source strings that legitimately appear on a Chinese page: the switch offers "English".
SHOWN_UNTRANSLATED = {"English"}


def _untranslated_on(page: Page) -> list[str]:
    """Catalogue source strings that show on the page instead of their translation."""
    text = page.inner_text("body")
    return [
        entry.msgid
        for entry in checker.parse(CATALOGUE)
        if len(entry.msgid) > 3
        and entry.msgid not in SHOWN_UNTRANSLATED
        and entry.fields.get("msgstr") != entry.msgid
        and re.search(rf"\b{re.escape(entry.msgid)}\b", text)
    ]


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize(("persona", "url_name", "role"), ROLES)
def test_each_role_logs_in_reaches_its_chinese_home_page_and_logs_out(
    page: Page, live_server, request, screenshots_dir, persona, url_name, role
):
    user = request.getfixturevalue(persona)

    _log_in(page, live_server.url, user.username)

    expect(page).to_have_url(live_server.url + reverse(url_name))
    expect(page.get_by_test_id(url_name)).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_text(user.username)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.evaluate("document.documentElement.dataset.appJs") == "ready"
    assert _untranslated_on(page) == []
    page.screenshot(path=screenshots_dir / f"home-{role}.png", full_page=True)

    page.get_by_role("button", name="退出登录").click()

    expect(page).to_have_url(live_server.url + reverse("login"))
    page.goto(live_server.url + reverse(url_name))
    expect(page).to_have_url(live_server.url + reverse("login") + "?next=" + reverse(url_name))


def test_switching_to_english_sticks_for_the_user_in_a_new_browser(
    page: Page, live_server, clara, browser
):
    _log_in(page, live_server.url, "clara")
    page.get_by_role("button", name="English").click()

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    other = browser.new_context(locale="zh-CN")  # another browser: no cookies, Chinese locale
    try:
        fresh = other.new_page()
        _log_in(fresh, live_server.url, "clara")
        expect(fresh).to_have_url(live_server.url + reverse("home-manager"))
        expect(fresh.locator("html")).to_have_attribute("lang", "en")
        expect(fresh.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        other.close()


def test_a_user_with_an_authenticator_passes_the_code_step(page: Page, live_server, clara):
    device = TOTPDevice.objects.create(user=clara, name="phone", confirmed=True)

    _log_in(page, live_server.url, "clara")
    expect(page).to_have_url(live_server.url + reverse("otp-verify") + "?next=%2F")
    expect(page.get_by_label("身份验证器应用")).to_be_checked()
    page.fill("#id_otp_token", f"{totp(device.bin_key):06d}")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(live_server.url + reverse("home-manager"))
