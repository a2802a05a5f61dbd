"""Client services: creating, reassigning and erasing clients, and storing their documents."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import Client, Document
from healthcheck.core import audit, files, keys
from healthcheck.core.audit import AuditAction

# The capability a new manager must hold to take over a client.
MANAGER_CAPABILITY = "clients.add_declaration"


@transaction.atomic
def client_create(
    *,
    actor: Any,
    manager: Any,
    name: str,
    sex: str,
    id_type: str = Client.IdType.RESIDENT_ID,
    national_id: str | None = None,
    date_of_birth: datetime.date | None = None,
    phone: str = "",
    address: str = "",
    occupation: str = "",
    occupation_risk: int | None = None,
    branch: str = "",
) -> Client:
    """Create a client with a fresh data key; validates every field first.

    Raises: ValidationError (nothing saved).
    """
    client = Client(
        manager=manager,
        name=name,
        sex=sex,
        id_type=id_type,
        national_id=national_id or None,
        date_of_birth=date_of_birth,
        phone=phone,
        address=address,
        occupation=occupation,
        occupation_risk=occupation_risk,
        branch=branch,
    )
    client.full_clean()
    client.save()
    audit.record(
        actor=actor,
        action="client.created",
        target=client,
        client=client,
        fields=tuple(
            f
            for f in ("name", "national_id", "date_of_birth", "phone", "address")
            if getattr(client, f)
        ),
    )
    return client


@transaction.atomic
def client_reassign(*, actor: Any, client: Client, new_manager: Any) -> Client:
    """Move a client to another manager. Only the current manager's supervisor, holding
    ``clients.reassign_client``, may do it; the new manager must be an active client manager.

    Raises: PermissionDenied (audited, nothing changed), ValidationError (bad new manager).
    """
    client = Client.objects.select_for_update().select_related("manager").get(pk=client.pk)
    if not actor.has_perm("clients.reassign_client") or client.manager.supervisor_id != actor.pk:
        audit.record_denied(
            actor=actor, action=AuditAction.CLIENT_REASSIGNED, target=client, client=client,
            reason="not_supervisor",
        )  # fmt: skip
        raise PermissionDenied
    if not new_manager.is_active or not new_manager.has_perm(MANAGER_CAPABILITY):
        raise ValidationError({"new_manager": _("Choose an active client manager.")})
    if new_manager.pk == client.manager_id:
        raise ValidationError({"new_manager": _("The client is already in this portfolio.")})
    previous_id = client.manager_id
    client.manager = new_manager
    client.save(update_fields=["manager", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.CLIENT_REASSIGNED, target=client, client=client,
        fields=("manager",), from_manager_id=previous_id, to_manager_id=new_manager.pk,
    )  # fmt: skip
    return client


@transaction.atomic
def document_store(*, actor: Any, client: Client, kind: str, name: str, data: bytes) -> Document:
    """Check an upload by its content, encrypt it with the client's key and record it.

    Raises: ValidationError (type, extension, size; nothing stored), ErasedError (shredded).
    """
    content_type, safe_name = files.validate_upload(name, data)
    document = Document(
        client=client,
        kind=kind,
        original_name=safe_name,
        content_type=content_type,
        size=len(data),
        uploaded_by=actor,
    )
    document.stored_name = files.write_encrypted(document, data)
    try:
        document.save()
    except Exception:
        files.delete_stored(document.stored_name)
        raise
    audit.record(
        actor=actor,
        action="document.uploaded",
        target=document,
        client=client,
        fields=("content", "original_name"),
        kind=kind,
        content_type=content_type,
        size=len(data),
    )
    return document


@transaction.atomic
def client_shred(*, actor: Any, client: Client, **details: Any) -> Client:
    """Crypto-shred one client: destroy its data key, so every encrypted value and file of it is
    erased for good (backups included). Blind indexes are cleared and files removed after commit.

    Idempotent: shredding an erased client changes nothing and records nothing new.
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.is_shredded:
        return client
    keys.shred_data_key(client)
    client.name_index = client.national_id_index = client.phone_index = None
    client.save(
        update_fields=[
            "data_key_wrapped",
            "data_key_id",
            "data_key_shredded_at",
            "name_index",
            "national_id_index",
            "phone_index",
            "updated_at",
        ]
    )
    for stored_name in client.documents.values_list("stored_name", flat=True):
        transaction.on_commit(partial(files.delete_stored, stored_name))
    audit.record(actor=actor, action="client.shredded", target=client, client=client, **details)
    return client
