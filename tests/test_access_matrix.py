"""Every client URL crossed with every persona: the status code, and that a refused request
changed nothing (STYLE.md §9). carl, the manager of another portfolio, gets 404 for every URL
of clara's client, and each of those misses is audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import services
from clients.models import Client, Consent, Declaration, Document, Observation
from healthcheck.core import audit, keys
from healthcheck.core.models import AuditEvent
from tests.clients.conftest import PDF, bp_declaration, grant, make_client, publish_notice
from tests.clients.forms_data import declaration_post

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "clara", "carl", "max_", "rita", "cora", "ada")


@dataclass
class World:
    client: Client
    consent: Consent
    notice: Any


@pytest.fixture
def world(settings: Any, tmp_path: Any, clara: Any, ada: Any) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    keys.reset_state()
    notice = publish_notice(ada)
    client = make_client(clara)
    consent = grant(client, clara, notice)
    services.declaration_save(actor=clara, client=client, data=bp_declaration())
    return World(client, consent, notice)


def _consent_post(w: World) -> dict[str, Any]:
    return {
        "notice_sha256": w.notice.text_sha256, "channel": "remote", "expires_on": "2031-01-01",
        "confirmed": "on",
        "evidence": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip


def _c(name: str, query: str = "") -> Callable[[World], str]:
    """URL builder for a route of clara's client."""
    return lambda w: reverse(name, args=[w.client.public_id]) + query


def _none(w: World) -> None:
    return None


# name -> (method, url builder, data builder, capability checked first, status for clara).
# Anyone else: 403 without the capability; with it, 404 for a URL of clara's client (out of
# scope, audited) and 200 for their own list pages. Anonymous visitors go to the login page.
ROUTES: dict[str, tuple[str, Callable[[World], str], Callable[[World], Any], str, int]] = {
    "list": ("get", lambda w: reverse("clients:list"), _none, "view_client", 200),
    "create-form": ("get", lambda w: reverse("clients:create"), _none, "add_client", 200),
    "create-invalid": ("post", lambda w: reverse("clients:create"), lambda w: {}, "add_client",
                       200),
    "team": ("get", lambda w: reverse("clients:team"), _none, "reassign_client", 200),
    "search": ("post", lambda w: reverse("clients:list"), lambda w: {"q": "Zhang Wei"},
               "view_client", 200),
    "icd10": ("post", lambda w: reverse("clients:icd10-search"), lambda w: {"q": "I1"},
              "add_declaration", 200),
    "detail": ("get", _c("clients:detail"), _none, "view_client", 200),
    "reassign-form": ("get", _c("clients:reassign"), _none, "reassign_client", 404),
    "reassign": ("post", _c("clients:reassign"),
                 lambda w: {"new_manager": w.client.manager_id}, "reassign_client", 404),
    "consent-form": ("get", _c("clients:consent-create"), _none, "record_consent", 200),
    "consent-record": ("post", _c("clients:consent-create", "?purpose=health_check"),
                       _consent_post, "record_consent", 302),
    "consent-withdraw": ("post", lambda w: reverse("clients:consent-withdraw",
                                                   args=[w.client.public_id, w.consent.public_id]),
                         lambda w: {"channel": "remote"}, "record_consent", 302),
    "declaration-form": ("get", _c("clients:declaration-create"), _none, "add_declaration", 200),
    "declaration-save": ("post", _c("clients:declaration-create"),
                         lambda w: declaration_post(), "add_declaration", 302),
    "health-file": ("get", _c("clients:health-file"), _none, "view_healthdata", 200),
    "health-export": ("get", _c("clients:health-export"), _none, "view_healthdata", 200),
    "evidence-download": ("get", lambda w: reverse("clients:document-download",
                                                   args=[w.consent.evidence.public_id]),
                          _none, "view_document", 200),
}  # fmt: skip
UNSCOPED = {"list", "search", "create-form", "create-invalid", "team", "icd10"}


def _state(w: World) -> tuple:
    """Everything a client URL could change."""
    client = Client.objects.get(pk=w.client.pk)
    return (
        Client.objects.count(), client.manager_id, client.next_review_on,
        Consent.objects.count(), Consent.objects.filter(withdrawn_at__isnull=False).count(),
        Declaration.objects.count(), Observation.objects.count(), Document.objects.count(),
    )  # fmt: skip


def _expected(route: str, user: Any) -> int:
    _method, _url, _data, capability, for_clara = ROUTES[route]
    if user is None:
        return 302
    if user.username == "clara":
        return for_clara
    if not user.has_perm(f"clients.{capability}"):
        return 403
    return 200 if route in UNSCOPED else 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_every_client_url_with_every_persona(
    request: pytest.FixtureRequest, client: Any, world: World, route: str, persona: str
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if user is not None:
        client.force_login(user)
    method, url, data, _capability, _clara = ROUTES[route]
    before = _state(world)
    misses = AuditEvent.objects.filter(action="access.out_of_scope").count()
    payload = data(world)
    send = getattr(client, method)
    response = send(url(world)) if payload is None else send(url(world), payload)
    expected = _expected(route, user)
    assert response.status_code == expected
    if user is None or expected != 302:
        assert _state(world) == before  # a refusal (or a read, or an invalid form) changes nothing
    if user is None:
        assert response.url.startswith(reverse("login"))
    if expected == 404:  # out of scope: the miss is on the audit trail
        audit.flush_deferred()
        assert AuditEvent.objects.filter(action="access.out_of_scope").count() == misses + 1


def test_carl_gets_404_for_every_url_of_claras_client(carl: Any) -> None:
    scoped = [route for route in ROUTES if route not in UNSCOPED]
    assert all(_expected(route, carl) == 404 for route in scoped)


def test_carls_list_and_search_never_show_claras_client(client: Any, carl: Any, world: World):
    client.force_login(carl)
    assert not client.get(reverse("clients:list")).context["page"].object_list
    assert not client.post(reverse("clients:list"), {"q": "Zhang Wei"}).context["page"].object_list
