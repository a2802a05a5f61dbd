"""Response hardening: CSP with a nonce everywhere, no-store, and malformed requests as 4xx."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.urls("tests.urls")

NONCE = re.compile(r"script-src [^;]*'nonce-[A-Za-z0-9+/_=-]{16,}'")


def _anonymous_responses(client: Client) -> dict[str, object]:
    return {
        "html page": client.get(reverse("login")),
        "redirect": client.get(reverse("home")),
        "json": client.get(reverse("healthz")),
        "404": client.get("/no-such-page/"),
        "405": client.generic("TRACE", reverse("login")),
        "400": client.get(reverse("login"), {"q": "a\x00b"}),
        "413": client.post(
            reverse("login"), data="x" * 100, content_type="text/plain", CONTENT_LENGTH="999999999"
        ),
        "static": client.get("/static/css/app.css"),
    }


def test_every_kind_of_response_carries_a_csp_with_a_nonce(db, client):
    responses = _anonymous_responses(client)

    statuses = {kind: response.status_code for kind, response in responses.items()}
    assert statuses == {
        "html page": 200,
        "redirect": 302,
        "json": 200,
        "404": 404,
        "405": 405,
        "400": 400,
        "413": 413,
        "static": 200,
    }
    for kind, response in responses.items():
        assert NONCE.search(response.get("Content-Security-Policy", "")), kind


def test_logged_in_pages_and_their_errors_carry_a_csp_with_a_nonce(client, clara):
    client.force_login(clara)
    for response in (
        client.get(reverse("home-manager")),
        client.get(reverse("home-admin")),  # 403
        client.get("/no-such-page/"),
    ):
        assert NONCE.search(response["Content-Security-Policy"]), response.status_code


def test_each_response_gets_a_fresh_nonce_and_the_page_uses_it(db, client):
    first, second = client.get(reverse("login")), client.get(reverse("login"))

    nonces = [
        re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1)
        for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    assert f'nonce="{nonces[0]}"' in first.content.decode()


def test_pages_are_not_stored_by_browsers_or_proxies(client, clara):
    client.force_login(clara)
    for response in (client.get(reverse("home-manager")), client.get(reverse("login"))):
        assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method", ["TRACE", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT"])
def test_unused_methods_get_405(client, clara, method):
    client.force_login(clara)
    response = client.generic(method, reverse("home-manager"))

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize(
    "make_request",
    [
        pytest.param(lambda c: c.get(reverse("login"), {"next": "/\x00"}), id="query value"),
        pytest.param(lambda c: c.get(reverse("login") + "?a%00b=1"), id="query key"),
        pytest.param(lambda c: c.get("/home/%00/"), id="path"),
        pytest.param(
            lambda c: c.post(
                reverse("login"),
                "a=1",
                content_type="application/x-www-form-urlencoded",
                CONTENT_LENGTH="abc",
            ),
            id="malformed content length",
        ),
    ],
)
def test_a_malformed_request_gets_400_and_changes_nothing(client, clara, make_request):
    response = make_request(client)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    # The styled, translated page (Simplified Chinese by default), not plain text.
    assert response["Content-Type"].startswith("text/html")
    with translation.override("zh-hans"):
        assert str(translation.gettext("Bad request")) in response.content.decode()
    assert "Malformed request" not in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"username": "clara\x00", "password": "x"}, id="username field"),
        pytest.param({"username": "clara", "password": "x\x00"}, id="password field"),
    ],
)
@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_a_nul_in_a_posted_field_is_a_form_error_not_a_400(client, clara, data, multipart):
    if multipart:  # the test client's default encoding
        response = client.post(reverse("login"), data)
    else:
        response = client.post(
            reverse("login"), urlencode(data), content_type="application/x-www-form-urlencoded"
        )

    assert response.status_code == 200  # the login page again, with the form's error
    assert "_auth_user_id" not in client.session
    assert 'name="username"' in response.content.decode()


def test_a_body_over_the_request_limit_gets_413(client, settings, clara):
    settings.MAX_REQUEST_BYTES = 10_000
    client.force_login(clara)

    response = client.post(
        "/test/upload/", {"file": SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * 20_000)}
    )

    assert response.status_code == 413


def test_a_file_over_the_file_limit_never_reaches_the_view(client, settings):
    settings.MAX_REQUEST_BYTES = 1_000_000
    settings.MAX_UPLOAD_FILE_BYTES = 5_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000  # streamed to disk: the temporary handler too

    response = client.post("/test/upload/", {"file": SimpleUploadedFile("scan.pdf", b"0" * 50_000)})

    assert response.json() == {"sizes": [], "too_large": True}


def test_a_file_within_the_limit_reaches_the_view(client, settings):
    settings.MAX_UPLOAD_FILE_BYTES = 5_000

    response = client.post("/test/upload/", {"file": SimpleUploadedFile("a.pdf", b"0" * 4_000)})

    assert response.json() == {"sizes": [4_000], "too_large": False}
