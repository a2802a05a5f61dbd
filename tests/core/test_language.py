"""Simplified Chinese by default; a user's switch to English sticks to the user."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from healthcheck.core.models import User

# The login page's heading in each language (from the compiled catalogues).
LOG_IN = {"zh-hans": "登录", "en": "Log in"}


def _language_of(response) -> str:  # type: ignore[no-untyped-def]
    return response["Content-Language"]


@pytest.mark.parametrize("accept_language", ["", "en-US,en;q=0.9", "de-DE"])
def test_a_page_without_a_chosen_language_is_in_simplified_chinese(db, client, accept_language):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept_language)

    assert _language_of(response) == "zh-hans"
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert f">{LOG_IN['zh-hans']}<" in page
    assert LOG_IN["en"] not in page


def test_switching_to_english_is_saved_on_the_user(client, clara):
    client.force_login(clara)

    response = client.post(
        reverse("set-language"), {"language": "en", "next": reverse("home-manager")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home-manager")
    clara.refresh_from_db()
    assert clara.language == "en"
    assert _language_of(client.get(reverse("home-manager"))) == "en"


def test_the_choice_follows_the_user_into_a_new_browser(client, clara):
    client.force_login(clara)
    client.post(reverse("set-language"), {"language": "en"})

    fresh = Client()  # another browser: no cookie, no session
    response = fresh.post(
        reverse("login"), {"username": "clara", "password": "pw-clara"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("home-manager")
    assert _language_of(response) == "en"
    assert "Log out" in response.content.decode()


def test_the_users_choice_beats_a_stale_cookie(client, clara):
    User.objects.filter(pk=clara.pk).update(language="en")
    client.cookies["hc_language"] = "zh-hans"
    client.force_login(clara)

    assert _language_of(client.get(reverse("home-manager"))) == "en"


def test_an_anonymous_visitor_can_switch_for_the_browser(db, client):
    client.post(reverse("set-language"), {"language": "en", "next": reverse("login")})

    response = client.get(reverse("login"))

    assert _language_of(response) == "en"
    assert f">{LOG_IN['en']}<" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "next_url"),
    [("fr", "/home/manager/"), ("en", "https://evil.example/phish")],
)
def test_an_unknown_language_or_foreign_target_is_not_followed(client, clara, language, next_url):
    client.force_login(clara)

    response = client.post(reverse("set-language"), {"language": language, "next": next_url})

    assert response["Location"] in {"/home/manager/", reverse("home")}
    clara.refresh_from_db()
    assert clara.language == ("en" if language == "en" else "")


def test_the_request_language_does_not_outlive_the_request(db, client):
    with translation.override("en"):
        assert _language_of(client.get(reverse("login"))) == "zh-hans"

        assert translation.get_language() == "en"
