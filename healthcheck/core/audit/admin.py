"""Django admin under audit: every add, change, delete and bulk action becomes audit events.

``AuditedAdminSite`` (the default site, through ``core.apps.AuditedAdminConfig``)
mixes ``AuditedAdminMixin`` into every ModelAdmin registered on it, Django's and third-party
ones included, so no admin page escapes the trail. The mixin hooks the admin's own logging
calls (``log_addition``, ``log_change``, ``log_deletions``), which every add, change, password
change, delete and "delete selected" goes through, inside the admin's transaction.
Audit events and seals get a read-only admin: no add, change or delete, superusers included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.db import models
from django.http import HttpRequest

from healthcheck.core.audit.actions import AuditAction
from healthcheck.core.audit.bulk import client_of
from healthcheck.core.audit.recording import record
from healthcheck.core.audited import is_audited


def _changed_fields(form: Any, formsets: Any) -> list[str]:
    names = list(getattr(form, "changed_data", []) or [])
    for formset in formsets or []:
        prefix = formset.model._meta.model_name
        for inline_form in formset.forms:
            names += [f"{prefix}.{name}" for name in inline_form.changed_data]
    return list(dict.fromkeys(names))


class AuditedAdminMixin:
    """Records admin writes as audit events naming the fields changed (never their values)."""

    def construct_change_message(self, request, form, formsets, add=False):  # type: ignore[no-untyped-def]
        # The log_* hooks below receive only a translated message; keep the field names.
        request._audit_fields = _changed_fields(form, formsets)
        return super().construct_change_message(request, form, formsets, add)  # type: ignore[misc]

    def _audit(self, request: HttpRequest, obj: models.Model, action: str) -> None:
        record(
            actor=request.user,
            action=action,
            target=obj,
            client=client_of(obj),
            fields=getattr(request, "_audit_fields", ()),
        )

    def log_addition(self, request, obj, message):  # type: ignore[no-untyped-def]
        self._audit(request, obj, AuditAction.ADMIN_ADDED)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request, obj, message):  # type: ignore[no-untyped-def]
        self._audit(request, obj, AuditAction.ADMIN_CHANGED)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request, queryset):  # type: ignore[no-untyped-def]
        # Called before the rows go, once per delete page and per "delete selected".
        request._audit_fields = ()
        for obj in queryset:
            self._audit(request, obj, AuditAction.ADMIN_DELETED)
        return super().log_deletions(request, queryset)  # type: ignore[misc]

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):  # type: ignore[no-untyped-def]
        actions = super().get_actions(request, action_location=action_location)  # type: ignore[misc]
        if is_audited(self.model):  # type: ignore[attr-defined]
            # Bulk delete skips the services that keep an audited model's invariants (B02).
            actions.pop("delete_selected", None)
        for name, action in actions.items():
            # delete_selected is audited per row through log_deletions already.
            if name != "delete_selected":
                actions[name] = dataclasses.replace(action, func=_audited_action(action.func, name))
        return actions


def _audited_action(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Wrap a bulk admin action: one ``admin.action`` event per selected row, then the action."""

    def run(modeladmin: Any, request: HttpRequest, queryset: models.QuerySet) -> Any:
        for obj in queryset:
            record(
                actor=request.user,
                action=AuditAction.ADMIN_ACTION,
                target=obj,
                client=client_of(obj),
                admin_action=name,
            )
        return func(modeladmin, request, queryset)

    run.__name__ = getattr(func, "__name__", name)
    return run


class AuditedAdminSite(admin.AdminSite):
    """The admin site; every ModelAdmin registered here is audited."""

    def register(self, model_or_iterable, admin_class=None, **options):  # type: ignore[no-untyped-def]
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (AuditedAdminMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        return super().register(model_or_iterable, admin_class, **options)


class ReadOnlyAuditAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Audit rows can be looked at, never added, changed or deleted, by anyone."""

    actions = None

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class AuditEventAdmin(ReadOnlyAuditAdmin):
    list_display = ("id", "occurred_at", "actor_label", "action", "outcome", "target_label")
    list_filter = ("outcome",)
    search_fields = ("=actor_label", "=client_public_id", "=request_id", "=target_id")
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    ordering = ("-id",)


class AuditSealAdmin(ReadOnlyAuditAdmin):
    list_display = ("number", "sealed_at", "event_count", "seal_hash")
    exclude = ("entries",)
    show_full_result_count = False
    ordering = ("-number",)
