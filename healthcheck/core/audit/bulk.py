"""Audited bulk writes (one event per row, case B01) and the audited scoped lookup (404 + event).

The bulk services are the only way past ``AuditedQuerySet``'s refusal: each records an event
for every row in the caller's transaction, then performs the write. Keep batches to what fits
in memory (the rows are loaded to name them); chunk larger jobs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models.deletion import Collector
from django.http import Http404

from healthcheck.core.audit.actions import AuditAction
from healthcheck.core.audit.recording import Outcome, record, record_denied
from healthcheck.core.audited import AuditBypassError, bulk_write_allowed, is_audited


def client_of(obj: models.Model) -> uuid.UUID | None:
    """The public id of the client an object belongs to (the object itself if it is a client;
    else its ``client`` relation, or a denormalised ``client_public_id``)."""
    if obj._meta.model_name == "client":
        return getattr(obj, "public_id", None)
    if getattr(obj, "client_public_id", None) is not None:
        return obj.client_public_id
    related = getattr(obj, "client", None)
    return getattr(related, "public_id", None)


def audited_update(
    queryset: models.QuerySet, *, actor: Any, action: str, values: dict[str, Any], **details: Any
) -> int:
    """``queryset.update(**values)`` with one event per row naming the fields changed.

    Rows are locked first so that the events name exactly the rows updated.
    """
    with transaction.atomic(using=queryset.db):
        rows = list(queryset.select_for_update())
        for obj in rows:
            record(
                actor=actor, action=action, target=obj, client=client_of(obj),
                fields=list(values), **details,
            )  # fmt: skip
        with bulk_write_allowed():
            return queryset.model._default_manager.filter(pk__in=[o.pk for o in rows]).update(
                **values
            )


def audited_delete(
    queryset: models.QuerySet, *, actor: Any, action: str, **details: Any
) -> tuple[int, dict[str, int]]:
    """``queryset.delete()`` with one event per row.

    Raises AuditBypassError when the delete would cascade to rows of another audited model,
    which would vanish without events: delete those through their own service first.
    """
    with transaction.atomic(using=queryset.db):
        rows = list(queryset.select_for_update())
        _refuse_audited_cascade(queryset.model, rows, queryset.db)
        for obj in rows:
            record(actor=actor, action=action, target=obj, client=client_of(obj), **details)
        with bulk_write_allowed():
            return queryset.model._default_manager.filter(pk__in=[o.pk for o in rows]).delete()


def _refuse_audited_cascade(model: type[models.Model], rows: list[Any], using: str) -> None:
    collector = Collector(using=using, origin=None)
    collector.collect(rows)
    reached = set(collector.data) | {qs.model for qs in collector.fast_deletes}
    cascaded = sorted(m._meta.label for m in reached if m is not model and is_audited(m))
    if cascaded:
        raise AuditBypassError(f"deleting {model._meta.label} would cascade to {cascaded}")


def audited_bulk_create(
    model: type[models.Model], objs: Sequence[Any], *, actor: Any, action: str, **details: Any
) -> list[Any]:
    """``bulk_create`` with one event per created row (needs a backend returning new ids)."""
    with transaction.atomic(using=model._default_manager.db):
        with bulk_write_allowed():
            created = model._default_manager.bulk_create(objs)
        for obj in created:
            record(actor=actor, action=action, target=obj, client=client_of(obj), **details)
    return created


def audited_bulk_update(
    objs: Sequence[Any], fields: Iterable[str], *, actor: Any, action: str, **details: Any
) -> int:
    """``bulk_update`` with one event per row naming ``fields``."""
    objs, fields = list(objs), list(fields)
    if not objs:
        return 0
    model = type(objs[0])
    with transaction.atomic(using=model._default_manager.db):
        for obj in objs:
            record(
                actor=actor, action=action, target=obj, client=client_of(obj),
                fields=fields, **details,
            )  # fmt: skip
        with bulk_write_allowed():
            return model._default_manager.bulk_update(objs, fields)


def get_scoped_or_404(queryset: models.QuerySet, actor: Any, **lookup: Any) -> Any:
    """``get_object_or_404(queryset, **lookup)`` that audits the miss.

    ``queryset`` is already scoped (e.g. ``Client.objects.visible_to(user)``). A miss raises
    Http404 and records ``access.out_of_scope``: outcome ``denied`` when the object exists
    outside the actor's scope, ``failed`` when it does not exist at all. The 404 itself never
    tells the two apart; only the audit trail does. The event survives a rollback.
    """
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError):
        pass
    model = queryset.model
    try:
        exists = model._base_manager.filter(**lookup).exists()
    except (ValidationError, ValueError):
        exists = False  # a malformed id names nothing
    record_denied(
        actor=actor,
        action=AuditAction.ACCESS_OUT_OF_SCOPE,
        outcome=Outcome.DENIED if exists else Outcome.FAILED,
        client=_client_for_lookup(model, lookup) if exists else None,
        model=model._meta.label_lower,
        lookup=[f"{key}={value}"[:100] for key, value in lookup.items()],
    )
    raise Http404(f"No {model._meta.object_name} matches the given query.")


def _client_for_lookup(model: type[models.Model], lookup: dict[str, Any]) -> uuid.UUID | None:
    if model._meta.model_name == "client":
        path = "public_id"
    else:
        try:
            model._meta.get_field("client")
        except FieldDoesNotExist:
            return None
        path = "client__public_id"
    return model._base_manager.filter(**lookup).values_list(path, flat=True).first()
