"""The role matrix: which capabilities (Django permissions) each role (a Group) holds.

The whole matrix is on one screen, as PRODUCT.md's role table. ``sync_roles`` applies it
idempotently after every migrate. Code checks capabilities, never role names; the role decides
only which home page a user lands on.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    CLIENT_MANAGER = "client_manager", _("Client manager")
    MEDICAL_ADVISOR = "medical_advisor", _("Medical advisor")
    RISK_APPROVER = "risk_approver", _("Risk approver")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    ADMINISTRATOR = "administrator", _("Administrator")


ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CLIENT_MANAGER: (
        "core.view_manager_dashboard",
        "clients.view_client",
        "clients.add_client",
        "clients.reassign_client",  # effective only for the managers' supervisor (service)
        "clients.view_document",
        "clients.record_consent",
        "clients.add_declaration",
        "clients.add_observation",
        "clients.view_healthdata",  # own portfolio, consent-gated; restricted class masked
        "assessments.view_case",
        "assessments.add_case",
        "assessments.assess_case",
        "assessments.refer_case",
        "assessments.withdraw_case",
        "assessments.propose_decision",
        "assessments.view_product",
    ),
    Role.MEDICAL_ADVISOR: (
        "core.view_advisor_dashboard",
        # Cases with results only (Case.objects.visible_to); every read audited.
        "assessments.view_case",
        "assessments.review_case",
        "clients.view_healthdata",
        "clients.view_restricted_healthdata",
        "assessments.close_emergency",  # record protocol steps, close (issue 8)
    ),
    Role.RISK_APPROVER: (
        "core.view_approver_dashboard",
        # Cases with a decision only (Case.objects.visible_to); never own proposals (workflow).
        "assessments.view_case",
        "assessments.approve_decision",
        "assessments.view_product",
    ),
    Role.COMPLIANCE_OFFICER: (
        "core.view_compliance_dashboard",
        "core.view_auditevent",
        "core.export_auditevent",
        "core.view_auditseal",
        "core.request_auditseal",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
    ),
    Role.ADMINISTRATOR: (
        "core.view_admin_dashboard",
        "clients.view_institution",
        "clients.add_institution",
        "clients.change_institution",
        "clients.view_notice",
        "clients.add_notice",
        "clients.change_notice",
        "clients.publish_notice",
        "assessments.view_checkupitem",
        "assessments.add_checkupitem",
        "assessments.change_checkupitem",
        "assessments.view_institutionoffer",
        "assessments.add_institutionoffer",
        "assessments.change_institutionoffer",
        "assessments.delete_institutionoffer",
        "assessments.view_criticalvaluelist",
        "assessments.add_criticalvaluelist",
        "assessments.view_product",
        "assessments.add_product",
        "assessments.change_product",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "auth.view_group",
        "auth.view_permission",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        "otp_totp.view_totpdevice",
        "otp_totp.add_totpdevice",
        "otp_totp.change_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.add_staticdevice",
        "otp_static.delete_staticdevice",
    ),
}

# Landing page per role, in priority order for a user who holds several roles.
HOME_URL_NAMES: tuple[tuple[str, str], ...] = (
    (Role.ADMINISTRATOR, "home-admin"),
    (Role.COMPLIANCE_OFFICER, "home-compliance"),
    (Role.RISK_APPROVER, "home-approver"),
    (Role.MEDICAL_ADVISOR, "home-advisor"),
    (Role.CLIENT_MANAGER, "home-manager"),
)


def _permissions(codes: tuple[str, ...]) -> list[Permission]:
    found = []
    for code in codes:
        app_label, codename = code.split(".", 1)
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is not None:  # a later app's permission appears on a later post_migrate
            found.append(perm)
    return found


def sync_roles() -> dict[str, int]:
    """Create each role's group and set exactly the matrix's permissions on it. Idempotent."""
    counts = {}
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        perms = _permissions(codes)
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    sync_roles()


def missing_permissions() -> list[str]:
    """Matrix entries that name no existing permission (a test keeps this empty)."""
    return [
        code for codes in ROLE_PERMISSIONS.values() for code in codes if not _permissions((code,))
    ]


def roles_of(user: Any) -> set[str]:
    return set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
