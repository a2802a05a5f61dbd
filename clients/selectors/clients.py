"""Client selectors: scoped, audited reads of clients and their documents."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404

from clients.models import Client, Document
from healthcheck.core import audit, files, keys


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

    Raises: ErasedError (client shredded), DecryptionError (file unreadable).
    """
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
