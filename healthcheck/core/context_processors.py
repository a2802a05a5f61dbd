"""Template context shared by every page: the navigation for the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from healthcheck.core.roles import roles_of

# (permission, url name, label): a link is shown when the user holds the permission. Cases have
# no portfolio-wide list: a client's cases are linked from the client page and the dashboard.
NAVIGATION = (
    ("core.view_manager_dashboard", "home-manager", _("My clients")),
    ("assessments.view_case", "assessments:follow-up-inbox", _("Follow-ups")),
    ("assessments.close_emergency", "assessments:emergency-list", _("Emergencies")),
    ("core.view_advisor_dashboard", "home-advisor", _("Medical review")),
    ("core.view_approver_dashboard", "home-approver", _("Approvals")),
    ("core.view_compliance_dashboard", "home-compliance", _("Compliance")),
    ("core.view_admin_dashboard", "home-admin", _("Administration")),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "user_roles": set()}
    links = [(name, label) for perm, name, label in NAVIGATION if user.has_perm(perm)]
    return {"nav_links": links, "user_roles": roles_of(user)}
