"""Create one demo user per role (idempotent) and print their logins. Embedded profile only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from healthcheck.core.models import User
from healthcheck.core.roles import Role, sync_roles

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo credential, embedded profile only

# username, role, display name, supervisor username
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin", Role.ADMINISTRATOR, "Ada Admin 管理员", None),
    ("compliance", Role.COMPLIANCE_OFFICER, "Cora 合规官", None),
    ("approver", Role.RISK_APPROVER, "Rita 审批人", None),
    ("advisor", Role.MEDICAL_ADVISOR, "Max 医疗顾问", None),
    ("manager", Role.CLIENT_MANAGER, "Clara 客户经理", "approver"),
    ("manager2", Role.CLIENT_MANAGER, "Carl 客户经理", "approver"),
    ("manager3", Role.CLIENT_MANAGER, "Chen 客户经理", "approver"),
)


class Command(BaseCommand):
    help = "Create the demo staff, one per role (embedded profile only), and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users are for the embedded profile (DJANGO_DEBUG=1) only.")
        sync_roles()
        for username, role, full_name, supervisor in DEMO_USERS:
            first, _sep, last = full_name.partition(" ")
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "branch": "Demo branch"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = role == Role.ADMINISTRATOR
                user.is_superuser = False
                if supervisor:
                    user.supervisor = User.objects.get(username=supervisor)
                user.save()
            user.groups.add(Group.objects.get(name=role))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, _name, _sup in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {Role(role).label}")
