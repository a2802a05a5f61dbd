"""Admin for the clients app.

Clients, documents, consents and health rows are read-only and masked: writes go through the
audited services, and the admin never shows a health value. Health rows are listed only while
the client's health-check consent is active (withdrawal hides them here too, case B31).
Institutions and notice drafts are edited here; publishing a notice is an audited action.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from clients import services
from clients.models import (
    Client,
    Consent,
    Declaration,
    Document,
    Institution,
    Notice,
    Observation,
    Purpose,
)
from healthcheck.core.encrypted_admin import EncryptedModelAdmin


class _ReadOnlyAdmin(EncryptedModelAdmin):
    # These rows change only through services, which keep the data key, the blind indexes,
    # the consent gate and the audit trail consistent; the admin looks, masked.
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


class _ConsentGatedAdmin(_ReadOnlyAdmin):
    """Health rows, masked, and only of clients whose health-check consent is active."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        active = Consent.objects.active().filter(
            client=OuterRef("client"), purpose=Purpose.HEALTH_CHECK
        )
        return super().get_queryset(request).filter(Exists(active))


@admin.register(Declaration)
class DeclarationAdmin(_ConsentGatedAdmin):
    list_display = ("__str__", "client", "version", "follow_up", "submitted_by", "submitted_at")
    ordering = ("-submitted_at",)
    readonly_fields = ("public_id", "client", "version", "submitted_at")


@admin.register(Observation)
class ObservationAdmin(_ConsentGatedAdmin):
    list_display = ("__str__", "client", "kind", "value", "unit", "source", "effective_at")
    list_filter = ("kind", "source")
    ordering = ("-effective_at",)
    readonly_fields = ("public_id", "client", "kind", "unit", "source", "effective_at")


@admin.register(Consent)
class ConsentAdmin(_ReadOnlyAdmin):
    list_display = (
        "__str__", "client", "purpose", "institution", "state_label", "channel",
        "granted_at", "expires_at", "withdrawn_at",
    )  # fmt: skip
    list_filter = ("purpose", "channel")
    ordering = ("-granted_at",)
    readonly_fields = ("public_id", "notice_sha256", "retention_started_at")

    @admin.display(description=_("state"))
    def state_label(self, obj: Consent) -> str:
        return obj.state_label()


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "licence_number", "qualification_expires_on", "status")
    list_filter = ("status",)
    search_fields = ("name", "licence_number")
    ordering = ("name",)


@admin.action(description=_("Publish the selected draft notices"), permissions=["publish"])
def publish_notices(modeladmin: NoticeAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    for notice in queryset:
        try:
            services.notice_publish(actor=request.user, notice=notice)
        except ValidationError as exc:
            names = ", ".join(sorted(exc.message_dict)) if hasattr(exc, "error_dict") else ""
            reason = "; ".join(sorted(set(exc.messages)))
            text = _("%(notice)s was not published: %(reason)s %(fields)s")
            values = {"notice": notice, "reason": reason, "fields": names}
            modeladmin.message_user(request, text % values, messages.ERROR)
        else:
            modeladmin.message_user(request, _("%(notice)s published.") % {"notice": notice})


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "purpose", "version", "status", "published_at", "text_sha256")
    list_filter = ("purpose", "status")
    ordering = ("purpose", "-version")
    actions = [publish_notices]
    readonly_fields = ("status", "version", "text_sha256", "published_at", "published_by")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("clients.publish_notice")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published (or superseded) notice is what clients consented to: never edited.
        if obj is not None and obj.status != Notice.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
