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


# name -> (method, url builder, data builder, status for clara, status for carl)
# Personas without the capability get 403 (in scope or not, the capability is checked first);
# anonymous visitors are sent to the login page.
ROUTES: dict[str, tuple[str, Callable[[World], str], Callable[[World], Any], int, int]] = {
    "list": ("get", lambda w: reverse("clients:list"), _none, 200, 200),
    "create-form": ("get", lambda w: reverse("clients:create"), _none, 200, 200),
    "create-invalid": ("post", lambda w: reverse("clients:create"), lambda w: {}, 200, 200),
    "team": ("get", lambda w: reverse("clients:team"), _none, 200, 200),
    "icd10": ("get", lambda w: reverse("clients:icd10-search") + "?q=I1", _none, 200, 200),
    "detail": ("get", _c("clients:detail"), _none, 200, 404),
    "reassign-form": ("get", _c("clients:reassign"), _none, 404, 404),
    "reassign": ("post", _c("clients:reassign"),
                 lambda w: {"new_manager": w.client.manager_id}, 404, 404),
    "consent-form": ("get", _c("clients:consent-create"), _none, 200, 404),
    "consent-record": ("post", _c("clients:consent-create", "?purpose=health_check"),
                       _consent_post, 302, 404),
    "consent-withdraw": ("post", lambda w: reverse("clients:consent-withdraw",
                                                   args=[w.client.public_id, w.consent.public_id]),
                         lambda w: {"channel": "remote"}, 302, 404),
    "declaration-form": ("get", _c("clients:declaration-create"), _none, 200, 404),
    "declaration-save": ("post", _c("clients:declaration-create"),
                         lambda w: declaration_post(), 302, 404),
    "health-file": ("get", _c("clients:health-file"), _none, 200, 404),
    "health-export": ("get", _c("clients:health-export"), _none, 200, 404),
    "evidence-download": ("get", lambda w: reverse("clients:document-download",
                                                   args=[w.consent.evidence.public_id]),
                          _none, 200, 404),
}  # fmt: skip
SCOPED = {"detail", "reassign-form", "reassign", "consent-form", "consent-record"} | {
    "consent-withdraw", "declaration-form", "declaration-save", "health-file", "health-export",
    "evidence-download",
}  # fmt: skip


def _state(w: World) -> tuple:
    """Everything a client URL could change."""
    client = Client.objects.get(pk=w.client.pk)
    return (
        Client.objects.count(), client.manager_id, client.next_review_on,
        Consent.objects.count(), Consent.objects.filter(withdrawn_at__isnull=False).count(),
        Declaration.objects.count(), Observation.objects.count(), Document.objects.count(),
    )  # fmt: skip


def _expected(route: str, persona: str) -> int:
    _method, _url, _data, for_clara, for_carl = ROUTES[route]
    return {"anonymous": 302, "clara": for_clara, "carl": for_carl}.get(persona, 403)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_every_client_url_with_every_persona(
    request: pytest.FixtureRequest, client: Any, world: World, route: str, persona: str
) -> None:
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    method, url, data, _clara, _carl = ROUTES[route]
    before = _state(world)
    denied_before = AuditEvent.objects.filter(action="access.out_of_scope").count()
    payload = data(world)
    send = getattr(client, method)
    response = send(url(world)) if payload is None else send(url(world), payload)
    expected = _expected(route, persona)
    assert response.status_code == expected
    if expected != 302 or persona == "anonymous":
        assert _state(world) == before  # a refusal (or a read, or an invalid form) changes nothing
    if persona == "anonymous":
        assert response.url.startswith(reverse("login"))
    if persona == "carl" and route in SCOPED:
        audit.flush_deferred()
        assert AuditEvent.objects.filter(action="access.out_of_scope").count() == denied_before + 1


def test_carls_list_and_search_never_show_claras_client(client: Any, carl: Any, world: World):
    client.force_login(carl)
    assert not client.get(reverse("clients:list")).context["page"].object_list
    assert not client.get(reverse("clients:list"), {"q": "Zhang Wei"}).context["page"].object_list
