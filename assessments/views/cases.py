"""Case pages: the cases of a client, one case with its allowed actions, an assessment."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services, workflow
from assessments.forms import CaseForm
from assessments.workflow import Action, TransitionNotAllowed
from clients import selectors as client_selectors


@require_http_methods(["GET", "POST"])
@permission_required("assessments.view_case", raise_exception=True)
def case_list(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    """A client's cases (newest first) and the form to open a new one."""
    client = client_selectors.client_get(viewer=request.user, public_id=client_id)
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = services.case_create(
            actor=request.user, client=client, purpose=form.cleaned_data["purpose"]
        )
        messages.success(request, _("Case opened."))
        return redirect("assessments:case-detail", public_id=case.public_id)
    cases = selectors.case_list(viewer=request.user, client=client)
    return render(
        request, "assessments/case_list.html", {"client": client, "cases": cases, "form": form}
    )


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def case_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Status, the allowed actions as buttons, assessments, referrals and results (metadata)."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    allowed = workflow.allowed_actions(case, request.user)
    context = {
        "case": case,
        "buttons": [(a, Action(a).label) for a in allowed if a in workflow.BUTTON_ACTIONS],
        "can_refer": Action.REFER in allowed
        or (case.status == "referred" and request.user.has_perm("assessments.refer_case")),
        "can_accept_report": Action.ACCEPT_REPORT in allowed,
        "assessments": case.assessments.select_related("created_by").order_by("-created_at"),
        "referrals": case.referrals.select_related("institution").order_by("-issued_at"),
        "imports": selectors.result_imports(case=case),
        "documents": case.documents.select_related("document"),
        "opinions": case.opinions.select_related("recorded_by").order_by("-recorded_at"),
        # Issue 8: decisions, emergencies (no trigger shown to managers), the propose link.
        "decisions": case.decisions.order_by("-proposed_at"),
        "emergencies": case.emergencies.order_by("-opened_at"),
        "open_emergency": case.emergencies.filter(closed_at__isnull=True).first(),
        "can_propose": workflow.Action.PROPOSE in allowed,
    }
    return render(request, "assessments/case_detail.html", context)


@require_POST
@permission_required("assessments.view_case", raise_exception=True)
def case_action(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Apply one button action (collect, assess, start review, withdraw)."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    action = request.POST.get("action", "")
    action = "" if "\x00" in action else action  # a tampered button: refused as unknown
    version = request.POST.get("version")
    try:
        if action == Action.COLLECT:
            services.case_collect(case=case, actor=request.user)
        elif action == Action.ASSESS:
            assessment = services.assessment_run(case=case, actor=request.user)
            return redirect("assessments:assessment-detail", public_id=assessment.public_id)
        else:
            services.case_transition(
                case=case, action=action, actor=request.user,
                expected_version=int(version) if version and version.isdigit() else None,
            )  # fmt: skip
    except TransitionNotAllowed:
        messages.error(request, _("This action is not allowed now."))
    except services.VersionConflict:
        messages.error(request, _("The case changed meanwhile; please check and try again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("assessments:case-detail", public_id=case.public_id)


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def assessment_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The engine's result: bands, risk, flags, recommendation and the trace (audited read)."""
    assessment = selectors.assessment_get(viewer=request.user, public_id=public_id)
    view = selectors.assessment_view(viewer=request.user, assessment=assessment)
    return render(request, "assessments/assessment_detail.html", {"view": view})
