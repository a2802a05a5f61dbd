"""Admin for clients and documents: read-only, masked; writes go through audited services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from clients.models import Client, Document
from healthcheck.core.encrypted_admin import EncryptedModelAdmin


class _ReadOnlyAdmin(EncryptedModelAdmin):
    # Clients and documents change only through services, which keep the data key, the blind
    # indexes and the audit trail consistent; the admin looks, masked.
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(_ReadOnlyAdmin):
    list_display = ("__str__", "name", "id_type", "national_id", "branch", "manager", "created_at")
    list_filter = ("id_type", "sex", "occupation_risk", "branch")
    search_fields = ("public_id",)
    ordering = ("-created_at",)
    readonly_fields = ("public_id", "data_key_id", "data_key_shredded_at", "created_at")


@admin.register(Document)
class DocumentAdmin(_ReadOnlyAdmin):
    list_display = ("__str__", "client", "kind", "content_type", "size", "uploaded_at")
    list_filter = ("kind", "content_type")
    ordering = ("-uploaded_at",)
    readonly_fields = ("public_id", "content_type", "size", "uploaded_at")
