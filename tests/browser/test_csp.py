"""The Content-Security-Policy in a real browser: inline script runs only with the nonce."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.urls")]


def test_an_inline_script_without_the_nonce_does_not_run_and_one_with_it_does(
    page: Page, live_server
):
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))

    page.goto(live_server.url + "/test/inline-scripts/")

    expect(page.locator("#with-nonce")).to_have_text("ran")
    expect(page.locator("#without-nonce")).to_have_text("not run")
    assert page.evaluate("document.documentElement.dataset.appJs") == "ready"
    assert any("Content Security Policy" in text for text in violations)
