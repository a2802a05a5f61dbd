"""Emergency, health-file and follow-up pages.

The manager's emergency page shows "urgent medical follow-up required" and the crisis lines,
the protocol steps' deadlines and whether they are done: never a value or a note. Medical
advisors record the steps and close the emergency.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments import selectors, services
from assessments.forms_decide import NoteForm
from assessments.models import Emergency, EmergencyStep, FollowUp, InboxMessage
from assessments.services import care, healthfile
from assessments.services.decisions import case_findings
from clients import selectors as client_selectors

CLOSE = "assessments.close_emergency"


@require_GET
@permission_required(CLOSE, raise_exception=True)
def emergency_list(request: HttpRequest) -> HttpResponse:
    """Open emergencies for the medical advisor, oldest first (no health data)."""
    rows = Emergency.objects.open().select_related("case").order_by("opened_at")
    return render(request, "assessments/emergency_list.html", {"emergencies": rows})


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def emergency_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    emergency = selectors.emergency_get(viewer=request.user, public_id=public_id)
    context = {
        "emergency": emergency, "case": emergency.case,
        "steps": emergency.steps.select_related("done_by"), "now": timezone.now(),
        "can_act": request.user.has_perm(CLOSE) and emergency.is_open, "form": NoteForm(),
    }  # fmt: skip
    return render(request, "assessments/emergency_detail.html", context)


@require_POST
@permission_required(CLOSE, raise_exception=True)
def emergency_step(request: HttpRequest, public_id: uuid.UUID, step_id: int) -> HttpResponse:
    emergency = selectors.emergency_get(viewer=request.user, public_id=public_id)
    step = get_object_or_404(EmergencyStep, pk=step_id, emergency=emergency)
    form = NoteForm(request.POST)
    note = form.data.get("note", "")
    try:
        if "\x00" in note:  # the form field's own check (NUL refused) before the service
            form.is_valid()
            raise ValidationError(form.errors["note"])
        services.emergency_step_record(step=step, actor=request.user, note=note)
        messages.success(request, _("Step recorded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assessments:emergency-detail", public_id=emergency.public_id)


@require_POST
@permission_required(CLOSE, raise_exception=True)
def emergency_close(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    emergency = selectors.emergency_get(viewer=request.user, public_id=public_id)
    form = NoteForm(request.POST)
    note = form.data.get("note", "")
    try:
        if "\x00" in note:  # the form field's own check (NUL refused) before the service
            form.is_valid()
            raise ValidationError(form.errors["note"])
        services.emergency_close(emergency=emergency, actor=request.user, note=note)
        messages.success(request, _("Emergency closed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assessments:emergency-detail", public_id=emergency.public_id)


@require_GET
@permission_required("clients.view_healthdata", raise_exception=True)
def health_file(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    """The client's timeline and trend charts (consent-gated, audited), with care suggestions."""
    client = client_selectors.client_get(viewer=request.user, public_id=client_id)
    view = healthfile.health_file_view(viewer=request.user, client=client)
    latest_case = client.cases.order_by("-created_at").first()
    found = case_findings(latest_case) if latest_case else []
    context = {"file": view, "client": client, **care.care_for(latest_case, found)}
    return render(request, "assessments/health_file.html", context)


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def follow_up_inbox(request: HttpRequest) -> HttpResponse:
    """The user's tasks (overdue, due, done) and in-app messages."""
    tasks = FollowUp.objects.filter(assignee=request.user).select_related("client", "case")
    today = timezone.localdate()
    context = {
        "overdue": tasks.overdue(today).order_by("due_on")[:100],
        "due": tasks.open().filter(due_on__gte=today).order_by("due_on")[:100],
        "done": tasks.filter(done_at__isnull=False).order_by("-done_at")[:50],
        "inbox": InboxMessage.objects.filter(recipient=request.user)
        .select_related("case").order_by("-created_at")[:50],
    }  # fmt: skip
    return render(request, "assessments/follow_up_inbox.html", context)


@require_POST
@permission_required("assessments.view_case", raise_exception=True)
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(FollowUp, pk=pk, assignee=request.user)
    services.follow_up_done(task=task, actor=request.user)
    return redirect("assessments:follow-up-inbox")
