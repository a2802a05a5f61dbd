"""Client selectors: scoped, audited reads of clients, their consents and documents."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from clients.gate import consent_require
from clients.models import Client, Consent, Document, Purpose
from healthcheck.core import audit, files, keys

PAGE_SIZE = 25


def client_get(*, viewer: Any, public_id: uuid.UUID | str, scope: str = "portfolio") -> Client:
    """The client if it is in the viewer's portfolio (``scope="team"``: a supervised manager's).

    Raises: Http404 (out of scope or unknown; the attempt is audited and survives rollback).
    """
    base = Client.objects.visible_to(viewer) if scope == "portfolio" else None
    if base is None:
        base = Client.objects.reassignable_by(viewer)
    return audit.get_scoped_or_404(base.select_related("manager"), viewer, public_id=public_id)


def _with_consent_flag(queryset: QuerySet) -> QuerySet:
    active = Consent.objects.active().filter(client=OuterRef("pk"), purpose=Purpose.HEALTH_CHECK)
    return queryset.annotate(has_health_consent=Exists(active))


def client_page(*, viewer: Any, search: str = "", page: int | str = 1) -> Page:
    """One page of the viewer's clients, newest first, optionally an exact search.

    ``search`` matches the normalised full name or the national ID exactly, through the blind
    indexes (names are encrypted: no partial match and no sort by name). Identifiers only, no
    health data; the health-consent flag comes from one EXISTS subquery (constant queries).
    """
    clients = Client.objects.visible_to(viewer)
    if search.strip():
        clients = clients.searched(search)
    clients = _with_consent_flag(clients).order_by("-created_at", "-pk")
    result = Paginator(clients, PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    keys.prefetch_data_keys(result.object_list)
    return result


def team_client_page(*, viewer: Any, page: int | str = 1) -> Page:
    """Clients of the managers the viewer supervises (for reassignment), newest first."""
    clients = Client.objects.reassignable_by(viewer).select_related("manager")
    result = Paginator(clients.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    keys.prefetch_data_keys(result.object_list)
    return result


def consent_list(*, viewer: Any, client: Client) -> list[Consent]:
    """The client's consents, newest first (metadata only: no health data in a consent)."""
    return list(
        client.consents.select_related(
            "notice", "institution", "evidence", "witnessed_by"
        ).order_by("-granted_at", "-pk")
    )


def client_list(*, viewer: Any, limit: int = 50, offset: int = 0) -> list[Client]:
    """One page of the viewer's clients, newest first, with their data keys unwrapped in one
    pass (the wrapped keys come with the rows: no query per client)."""
    page = list(
        Client.objects.visible_to(viewer).order_by("-created_at", "-pk")[offset : offset + limit]
    )
    keys.prefetch_data_keys(page)
    return page


def client_find_by_national_id(*, viewer: Any, national_id: str) -> list[Client]:
    """Exact national-ID search within the viewer's portfolio (blind index; never a scan)."""
    return list(Client.objects.visible_to(viewer).with_national_id(national_id))


def document_get(*, viewer: Any, public_id: uuid.UUID) -> Document:
    """The document if the viewer may see its client; otherwise 404, and the attempt is audited.

    Raises: Http404.
    """
    try:
        return Document.objects.visible_to(viewer).select_related("client").get(public_id=public_id)
    except Document.DoesNotExist:
        existing = Document.objects.select_related("client").filter(public_id=public_id).first()
        if existing is not None:
            audit.record_denied(
                actor=viewer,
                action="access.out_of_scope",
                target=existing,
                client=existing.client,
                model="clients.document",
            )
        raise Http404 from None


def document_content(*, viewer: Any, document: Document) -> bytes:
    """Decrypted file content, recorded as a read of the client's data.

    A check-up report is health content: no active health-check consent, no content (B31; the
    gate audits the refusal). Consent evidence stays readable: it proves the consent itself.
    Raises: ConsentRequired, ErasedError (client shredded), DecryptionError (file unreadable).
    """
    if document.kind != Document.Kind.CONSENT_EVIDENCE:
        consent_require(actor=viewer, client=document.client, operation="document.download")
    data = files.read_decrypted(document, document.stored_name)
    audit.record(
        actor=viewer,
        action="report.downloaded",
        target=document,
        client=document.client,
        fields=("content",),
        kind=document.kind,
    )
    return data
