"""The project's URLs plus small views that exercise the audit helpers (test-only)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path

from healthcheck import urls as project_urls
from healthcheck.core import audit
from healthcheck.core.models import User
from tests.audit.widgets import Widget

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def health_page(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    """A health-data page: one read event per view, as the clients selectors will write."""
    audit.record_read(request.user, client_id, section="observations", purpose="loan")
    return HttpResponse("<p>BP: (decrypted values would be here)</p>")


def scoped_user(request: HttpRequest, pk: int) -> HttpResponse:
    """A scoped lookup: a manager's "portfolio" is just themself in this stand-in."""
    user = audit.get_scoped_or_404(User.objects.filter(pk=request.user.pk), request.user, pk=pk)
    return HttpResponse(user.get_username())


def approve_widget(request: HttpRequest, pk: int) -> HttpResponse:
    """Changes the widget, then finds the actor may not: the change rolls back (B05b)."""
    with transaction.atomic():
        widget = Widget.objects.select_for_update().get(pk=pk)
        widget.status = "approved"
        widget.save(update_fields=["status"])
        if not request.user.has_perm("core.view_admin_dashboard"):
            audit.record_denied(
                actor=request.user,
                action=audit.AuditAction.DECISION_APPROVED,
                target=widget,
                reason="missing_permission",
            )
            raise PermissionDenied
    return HttpResponse("approved")


urlpatterns = [
    *project_urls.urlpatterns,
    path("t/health/<uuid:client_id>/", health_page, name="t-health"),
    path("t/users/<int:pk>/", scoped_user, name="t-scoped-user"),
    path("t/widgets/<int:pk>/approve/", approve_widget, name="t-approve-widget"),
]
