"""Acceptance 4: each bad input gets a field error and changes nothing; markup renders as text."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Consent, Declaration, Document, Observation
from healthcheck.core.models import AuditEvent
from tests.clients.forms_data import client_post, declaration_post

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def _snapshot() -> tuple[int, ...]:
    models = (Client, Consent, Declaration, Observation, Document)
    writes = AuditEvent.objects.exclude(outcome="denied").exclude(
        action__in=("health_record.viewed", "user.logged_in")
    )
    return (*(m.objects.count() for m in models), writes.count())


def _assert_field_error(response: Any, html_name: str) -> None:
    assert response.status_code == 200
    # crispy-forms renders each field error with this id, next to the field.
    assert f'id="error_1_id_{html_name}"' in response.content.decode()


FUTURE = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
SEVENTEEN = (timezone.localdate() - datetime.timedelta(days=17 * 365)).isoformat()

CLIENT_CASES = (
    [
        ("date_of_birth", FUTURE),
        ("date_of_birth", SEVENTEEN),
        ("date_of_birth", "1980-02-30"),
        ("national_id", "110105194912310021"),  # wrong check character
        ("national_id", "1101051949"),
        ("name", ""),
        ("name", "x" * 101),
        ("address", "y" * 301),
        ("occupation_risk", "7"),
    ]
    + [(field, f"Li {SCRIPT}") for field in ("name", "occupation", "address", "branch")]
    + [
        ("name", '<img src=x onerror="alert(1)">'),
        ("branch", "javascript:alert(1)"),
    ]
)


@pytest.mark.parametrize(("field", "value"), CLIENT_CASES)
def test_a_bad_client_field_gets_an_error_and_nothing_is_saved(clara, client, field, value):
    client.force_login(clara)
    before = _snapshot()
    response = client.post(reverse("clients:create"), client_post(**{field: value}))
    _assert_field_error(response, field)
    assert _snapshot() == before


DECLARATION_CASES = [
    ("measures-height", "49"), ("measures-height", "251"), ("measures-height", "abc"),
    ("measures-height", "2.6", {"measures-height_unit": "m"}),
    ("measures-weight", "1.9"), ("measures-weight", "401"),
    ("measures-weight", "801", {"measures-weight_unit": "jin"}),
    ("measures-weight", "900", {"measures-weight_unit": "[lb_av]"}),
    ("measures-waist", "29"), ("measures-heart_rate", "19"), ("measures-heart_rate", "251"),
    ("bp-0-systolic", "59"), ("bp-0-systolic", "301"),
    ("bp-0-systolic", "140", {"bp-0-unit": "kPa"}),
    ("bp-0-diastolic", "29"), ("bp-0-diastolic", "201", {"bp-0-systolic": "250"}),
    ("bp-0-diastolic", "150"),  # not below the systolic 140
    ("bp-0-diastolic", "140"),
    ("bp-0-diastolic", ""),  # a reading needs both values
    ("main-measured_at", (timezone.localtime() + datetime.timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M")),
    ("conditions-0-code", "XYZ"), ("conditions-0-code", "I1"),
    ("phq9-item_9", "4"), ("gad7-item_1", "-1"),
    ("main-medications", "m" * 1001), ("main-notes", "n" * 2001),
] + [
    (field, f"text {SCRIPT}")
    for field in ("main-medications", "main-family_history_notes", "main-notes")
] + [("conditions-0-notes", f"since 2019 {SCRIPT}", {"conditions-0-code": "I10"})]  # fmt: skip


@pytest.mark.parametrize("case", DECLARATION_CASES, ids=lambda c: f"{c[0]}={c[1][:12]}")
def test_a_bad_declaration_field_gets_an_error_and_nothing_is_saved(
    clara, client, client_c, consent_c, case
):
    field, value, *extra = case
    client.force_login(clara)
    before = _snapshot()
    data = declaration_post(**{field: value, **(extra[0] if extra else {})})
    response = client.post(reverse("clients:declaration-create", args=[client_c.public_id]), data)
    _assert_field_error(response, field)
    assert _snapshot() == before


def test_the_valid_declaration_post_is_saved(clara, client, client_c, consent_c):
    client.force_login(clara)
    url = reverse("clients:declaration-create", args=[client_c.public_id])
    response = client.post(url, declaration_post())
    assert response.status_code == 302
    assert Declaration.objects.count() == 1 and Observation.objects.count() == 4


def test_control_characters_are_stripped_from_free_text(clara, client, client_c, consent_c):
    client.force_login(clara)
    url = reverse("clients:declaration-create", args=[client_c.public_id])
    client.post(url, declaration_post(**{"main-medications": "Metformin\x07\x1b 500\u202e mg"}))
    assert Declaration.objects.get().medications == "Metformin 500 mg"


def test_a_nul_character_in_the_declaration_is_a_field_error(clara, client, client_c, consent_c):
    client.force_login(clara)
    before = _snapshot()
    url = reverse("clients:declaration-create", args=[client_c.public_id])
    response = client.post(url, declaration_post(**{"main-notes": "a\x00b"}))
    _assert_field_error(response, "main-notes")
    assert _snapshot() == before
    assert 'value="61.44"' in response.content.decode()  # the rest of the input is kept


def test_a_nul_character_in_the_client_form_is_a_field_error(clara, client):
    client.force_login(clara)
    before = _snapshot()
    response = client.post(reverse("clients:create"), client_post(name="Li\x00 Na"))
    _assert_field_error(response, "name")
    assert _snapshot() == before
    assert "1 Renmin Road" in response.content.decode()  # the rest of the input is kept


def test_markup_in_names_and_free_text_renders_as_text(clara, client, ada_notice):
    client.force_login(clara)
    response = client.post(reverse("clients:create"), client_post(name="<b>Li</b> Na"))
    new = Client.objects.get()
    from tests.clients.conftest import grant

    grant(new, clara, ada_notice)
    url = reverse("clients:declaration-create", args=[new.public_id])
    client.post(url, declaration_post(**{"main-medications": "<b>bold</b> & <i>x</i>"}))
    for name in ("clients:detail", "clients:health-file"):
        html = client.get(reverse(name, args=[new.public_id])).content.decode()
        assert "&lt;b&gt;Li&lt;/b&gt; Na" in html and "<b>Li</b>" not in html
    html = client.get(reverse("clients:health-file", args=[new.public_id])).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;" in html
    list_html = client.get(reverse("clients:list")).content.decode()
    assert "<b>Li</b>" not in list_html and "&lt;b&gt;Li&lt;/b&gt;" in list_html
    assert response.status_code == 302
