"""Django admin for the core app: users and their roles. Branded, staff only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from healthcheck.core.audit.admin import AuditEventAdmin, AuditSealAdmin
from healthcheck.core.models import AuditEvent, AuditSeal, User

admin.site.site_header = _("Client health check · administration")
admin.site.site_title = _("Client health check")
admin.site.index_title = _("Users, roles and reference data")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Bank"), {"fields": ("branch", "supervisor", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "branch", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups")
    actions = None  # no bulk delete: user changes go one at a time


# Read-only for everyone, superusers included (audit/admin.py).
admin.site.register(AuditEvent, AuditEventAdmin)
admin.site.register(AuditSeal, AuditSealAdmin)
