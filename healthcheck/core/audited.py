"""Model bases that make the audit trail impossible to bypass by bulk ORM calls (case B01).

Django's ``QuerySet.update()``, ``delete()``, ``bulk_create()`` and ``bulk_update()`` write many
rows without calling ``save()``/``delete()`` on any of them, so no per-row audit event is ever
written. Models holding audited data inherit ``AuditedModel`` (or use ``AuditedManager``): those
four calls raise ``AuditBypassError`` unless made through the services in ``audit``
(``audited_update``, ``audited_delete``, ``audited_bulk_create``, ``audited_bulk_update``),
which record one event per row first. The admin offers no "delete selected" for these models.

Limits, by design of the ORM: deletion cascades from a parent run below the QuerySet API, so
give audited models ``on_delete=PROTECT`` foreign keys and delete through a service.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db import models


class AuditBypassError(RuntimeError):
    """A bulk write on an audited model that would leave no audit events."""


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete an audit row through the ORM."""


_bulk_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "healthcheck_audit_bulk_allowed", default=False
)


@contextlib.contextmanager
def bulk_write_allowed() -> Iterator[None]:
    """Let the audit services perform the bulk write whose per-row events they just recorded.

    Private to ``healthcheck.core.audit``; anything else calling it is an audit bypass.
    """
    token = _bulk_allowed.set(True)
    try:
        yield
    finally:
        _bulk_allowed.reset(token)


def _refuse(model: type[models.Model], operation: str) -> None:
    if not _bulk_allowed.get():
        raise AuditBypassError(
            f"{model._meta.label}.{operation}() writes no audit events; use "
            f"audit.audited_{operation}() or a service that records one event per row"
        )


class AuditedQuerySet(models.QuerySet):
    """A QuerySet whose bulk writes refuse to run outside the audit services."""

    def update(self, **kwargs: Any) -> int:
        _refuse(self.model, "update")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse(self.model, "delete")
        return super().delete()

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        _refuse(self.model, "bulk_create")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        _refuse(self.model, "bulk_update")
        return super().bulk_update(objs, fields, *args, **kwargs)


class AuditedManager(models.Manager.from_queryset(AuditedQuerySet)):  # type: ignore[misc]
    """Default manager of audited models."""


class AuditedModel(models.Model):
    """Abstract base for models whose every write is audited by a service.

    Subclasses may define ``audit_label`` (a property or method) returning a display text
    without health data; the audit trail keeps it after the row is gone (case B03).
    """

    objects = AuditedManager()

    class Meta:
        abstract = True


def is_audited(model: type[models.Model]) -> bool:
    """True when the model's default manager refuses unaudited bulk writes."""
    return isinstance(model._default_manager.all(), AuditedQuerySet)


class AppendOnlyQuerySet(models.QuerySet):
    """QuerySet of the audit tables: rows are inserted, never changed or deleted."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")


class AppendOnlyModel(models.Model):
    """Abstract base for the audit tables; the database triggers enforce the same rule."""

    objects = models.Manager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} is append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.label} is append-only")
