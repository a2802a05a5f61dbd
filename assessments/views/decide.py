"""Decision pages: the proposal form (with the engine's recommendation, floor and trace, and the
product's policy), one decision with its approve / send back / review forms, and the client's
bilingual explanation (page and PDF)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import explanation, selectors, services, workflow
from assessments import findings as fnd
from assessments.forms_decide import DecisionForm, ProductForm, ReasonForm
from assessments.models import ALWAYS_EXCLUDED, Case, Decision
from assessments.services.decisions import case_findings, health_allowed, latest_assessment
from assessments.workflow import Action, TransitionNotAllowed
from clients.gate import consent_require
from clients.models import Purpose
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction


def _citable(case: Case) -> list[fnd.Finding]:
    if not health_allowed(case):
        return []
    excluded = case.product.excluded() if case.product else ALWAYS_EXCLUDED
    return fnd.citable(case_findings(case), excluded)


def _propose_context(request: HttpRequest, case: Case, form: DecisionForm) -> dict[str, Any]:
    assessment = latest_assessment(case)
    view = (
        selectors.assessment_view(viewer=request.user, assessment=assessment)
        if assessment
        else None
    )
    return {
        "case": case, "form": form, "view": view, "assessment": assessment,
        "product_form": ProductForm(initial={"product": case.product}),
        "health_allowed": health_allowed(case),
        "can_propose": Action.PROPOSE in workflow.allowed_actions(case, request.user),
    }  # fmt: skip


def _submit_proposal(request: HttpRequest, case: Case, form: DecisionForm) -> HttpResponse | None:
    data = form.cleaned_data
    try:
        decision = services.decision_propose(
            case=case, actor=request.user, proposal=form.proposal(), token=data["token"],
            expected_version=data["version"],
        )  # fmt: skip
    except services.DecisionRefused as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    except TransitionNotAllowed:
        messages.error(request, _("A decision cannot be proposed now."))
    except services.VersionConflict:
        messages.error(request, _("The case changed meanwhile; please check and try again."))
    else:
        messages.success(request, _("Decision proposed."))
        return redirect("assessments:decision-detail", public_id=decision.public_id)
    return redirect("assessments:case-detail", public_id=case.public_id)


@require_http_methods(["GET", "POST"])
@permission_required("assessments.propose_decision", raise_exception=True)
def decision_propose(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The proposal form; a refused proposal shows the reason on the form (and is audited)."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    consent_require(actor=request.user, client=case.client, operation="decision.form")
    form = DecisionForm(
        request.POST or None, citable=_citable(case), initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        response = _submit_proposal(request, case, form)
        if response is not None:
            return response
    status = 400 if request.method == "POST" else 200
    return render(
        request, "assessments/decision_form.html", _propose_context(request, case, form),
        status=status,
    )  # fmt: skip


@require_POST
@permission_required("assessments.propose_decision", raise_exception=True)
def case_product(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Name the product the case is for (its health-data policy applies)."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    form = ProductForm(request.POST)
    if form.is_valid():
        services.case_product_set(
            case=case, actor=request.user, product=form.cleaned_data["product"]
        )
        messages.success(request, _("Product saved."))
    return redirect("assessments:decision-propose", public_id=case.public_id)


def _cited_labels(decision: Decision) -> list[str]:
    from assessments.forms_decide import finding_label

    known = {f.key: f for f in case_findings(decision.case)}
    return [finding_label(known[k]) if k in known else k for k in decision.cited_findings or []]


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def decision_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One decision: terms, rationale and citations (an audited read), and the forms the
    viewer may use now (drawn from the workflow's allowed actions)."""
    decision = selectors.decision_get(viewer=request.user, public_id=public_id)
    case = decision.case
    # Rationale and citations are health content: consent first (B31; refusal audited, 403).
    consent_require(actor=request.user, client=case.client, operation="decision.view")
    audit.record_read(
        request.user, case.client, "decision", Purpose.HEALTH_CHECK, case=case, target=decision
    )
    allowed = workflow.allowed_actions(case, request.user)
    initial = {"version": case.version}
    context = {
        "decision": decision, "case": case, "cited": _cited_labels(decision),
        "allowed": allowed, "approve_form": ReasonForm(initial=initial),
        "is_current": decision == case.decisions.order_by("-proposed_at", "-pk").first(),
    }  # fmt: skip
    return render(request, "assessments/decision_detail.html", context)


def _act(request: HttpRequest, public_id: uuid.UUID, act: str) -> HttpResponse:
    decision = selectors.decision_get(viewer=request.user, public_id=public_id)
    form = ReasonForm(request.POST)
    form.is_valid()  # the reason is optional for approval; the services check what they need
    data = form.cleaned_data
    version, token, reason = data.get("version"), data.get("token"), data.get("reason", "")
    try:
        if act == "approve":
            services.decision_approve(
                decision=decision, actor=request.user, token=token, expected_version=version
            )
            messages.success(request, _("Decision approved."))
        elif act == "send_back":
            services.decision_send_back(
                decision=decision, actor=request.user, reason=reason, expected_version=version
            )
            messages.success(request, _("Proposal sent back."))
        else:
            services.decision_request_review(decision=decision, actor=request.user, reason=reason)
            messages.success(request, _("Review requested: another approver will decide."))
    except (TransitionNotAllowed, services.VersionConflict):
        messages.error(request, _("Already decided by someone else, or not allowed for you."))
        return redirect("assessments:decision-detail", public_id=decision.public_id)
    except services.DecisionRefused as exc:
        messages.error(request, exc.message)
    return redirect("assessments:decision-detail", public_id=decision.public_id)


@require_POST
@permission_required("assessments.approve_decision", raise_exception=True)
def decision_approve(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(request, public_id, "approve")


@require_POST
@permission_required("assessments.approve_decision", raise_exception=True)
def decision_send_back(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(request, public_id, "send_back")


@require_POST
@permission_required("assessments.propose_decision", raise_exception=True)
def decision_review(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _act(request, public_id, "review")


def _explained(request: HttpRequest, public_id: uuid.UUID, kind: str) -> Decision:
    decision = selectors.decision_get(viewer=request.user, public_id=public_id)
    if not decision.is_adverse or decision.status != Decision.Status.APPROVED:
        raise PermissionDenied  # only decided adverse or conditional outcomes are explained
    consent_require(
        actor=request.user, client=decision.case.client, operation=f"decision.explanation.{kind}"
    )
    audit.record(
        actor=request.user, action=AuditAction.DECISION_EXPLANATION_PRINTED, target=decision,
        client=decision.case.client, case=decision.case, format=kind,
    )  # fmt: skip
    return decision


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def decision_explanation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The printable explanation, Chinese and English side by side."""
    decision = _explained(request, public_id, "html")
    return render(request, "assessments/decision_explanation.html", explanation.context(decision))


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def decision_explanation_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The explanation as a PDF (WeasyPrint)."""
    decision = _explained(request, public_id, "pdf")
    response = HttpResponse(explanation.render_pdf(decision), content_type="application/pdf")
    name = f"explanation-{str(decision.public_id)[:8]}.pdf"
    # A download, never shown inline: like every file of health data, it must not be rendered
    # (and kept) by a browser plug-in or viewer tab the bank does not control.
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
