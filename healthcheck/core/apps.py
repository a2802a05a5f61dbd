"""App config for the core app: users, roles, request context, outbox."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django 6.1's empty choice label has no Chinese in Django's own catalogue; listing it here puts
# it in ours (LOCALE_PATHS take precedence), so zh-hans selects do not show English.
gettext_noop("- Select an option -")
# Django's own Chinese for this validator message is wrong ("empty string"); ours corrects it.
gettext_noop("Null characters are not allowed.")


class CoreConfig(AppConfig):
    name = "healthcheck.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from healthcheck.core import roles

        # The one signal we use: permissions exist only after migrate, so the role matrix is
        # applied from post_migrate (STYLE.md §7).
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="core.sync_roles")

        from healthcheck.core.audit import receivers

        # Logins, logouts and failures exist only as auth/axes/otp signals (audit/receivers.py).
        receivers.connect()


class AuditedAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` whose ``admin.site`` audits every ModelAdmin (audit/admin.py).

    Lives here, not in the audit package, because INSTALLED_APPS imports it before models load.
    """

    default = False  # CoreConfig stays this module's default app config
    default_site = "healthcheck.core.audit.admin.AuditedAdminSite"
