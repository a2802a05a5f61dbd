"""Client views. Documents are served only here: access-checked, audited, as attachments."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from clients import selectors
from healthcheck.core.fields import Unreadable, reveal
from healthcheck.core.keys import DecryptionError, ErasedError


@require_GET
@permission_required("clients.view_document", raise_exception=True)
def document_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Send a decrypted document with its detected type, never inline, never sniffed."""
    document = selectors.document_get(viewer=request.user, public_id=public_id)
    try:
        data = selectors.document_content(viewer=request.user, document=document)
    except ErasedError:
        return _unavailable(request, erased=True)
    except DecryptionError:
        return _unavailable(request, erased=False)
    name = reveal(document, "original_name")
    if isinstance(name, Unreadable):
        name = f"document-{document.public_id}"
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _unavailable(request: HttpRequest, *, erased: bool) -> HttpResponse:
    # 410 Gone for an erased client (it will never come back); 500 for an unreadable file.
    return render(
        request,
        "clients/document_unavailable.html",
        {"state": Unreadable(erased=erased)},
        status=410 if erased else 500,
    )
