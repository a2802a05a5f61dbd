"""Results intake pages: structured form, FHIR bundle upload, report files, client's report.

Every page reads or writes the client's health content, so each passes the consent gate first
(B31): no active health-check consent, a 403 consent page and an audited refusal."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors, services
from assessments.forms import ClientReportForm, FhirUploadForm, ReportFilesForm, ResultsForm
from assessments.models import Case, Referral
from assessments.workflow import TransitionNotAllowed
from clients.gate import consent_require


def _kinds(case: Case) -> list[str]:
    referral = case.referrals.filter(status__in=Referral.OPEN).first()
    rows = referral.items.all() if referral else []
    kinds = [k for item in rows for k in item.kinds]
    if not kinds:  # client's own report or no kinds on the items: the common lab panel
        kinds = ["sbp", "dbp", "fasting_glucose", "hba1c", "total_cholesterol", "ldl_c"]
    return list(dict.fromkeys(kinds))


def _page(request: HttpRequest, case: Case, **forms: object) -> HttpResponse:
    context = {
        "case": case,
        "form": forms.get("form") or ResultsForm(kinds=_kinds(case)),
        "fhir_form": forms.get("fhir_form") or FhirUploadForm(),
        "files_form": forms.get("files_form") or ReportFilesForm(),
        "problems": forms.get("problems", ()),
        "ignored": forms.get("ignored", ()),
    }
    return render(request, "assessments/results_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("assessments.refer_case", raise_exception=True)
@sensitive_post_parameters()
def results_entry(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The structured results form (value + unit + lab range per measurement)."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    consent_require(actor=request.user, client=case.client, operation="results.entry")
    form = ResultsForm(request.POST or None, kinds=_kinds(case))
    if request.method == "POST" and form.is_valid():
        items, ranges = form.observation_inputs()
        try:
            services.results_record(
                case=case, actor=request.user, items=items, reference_ranges=ranges
            )
        except services.ResultsRefused as exc:
            return _page(request, case, form=form, problems=exc.problems)
        messages.success(request, _("Results recorded."))
        return redirect("assessments:case-detail", public_id=case.public_id)
    return _page(request, case, form=form)


@require_POST
@permission_required("assessments.refer_case", raise_exception=True)
@sensitive_post_parameters()
def results_fhir(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Upload a FHIR R4 Bundle; a refusal lists every problem and stores nothing."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    consent_require(actor=request.user, client=case.client, operation="results.fhir")
    form = FhirUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, case, fhir_form=form)
    try:
        outcome = services.fhir_import(
            case=case, actor=request.user, raw=form.cleaned_data["bundle"].read()
        )
    except services.ResultsRefused as exc:
        return _page(request, case, fhir_form=form, problems=exc.problems)
    if outcome.created:
        messages.success(request, _("Bundle imported."))
    else:
        messages.info(request, _("This bundle was imported before; nothing changed."))
    return _page(request, case, ignored=outcome.ignored)


@require_POST
@permission_required("assessments.refer_case", raise_exception=True)
def results_files(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Attach the original report files; every file is validated before any is stored."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    consent_require(actor=request.user, client=case.client, operation="results.files")
    form = ReportFilesForm(request.POST, request.FILES)
    if form.is_valid():
        uploads = [(f.name, f.read()) for f in request.FILES.getlist("files")]
        try:
            services.report_files_store(case=case, actor=request.user, uploads=uploads)
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            messages.success(request, _("Report files stored."))
            return redirect("assessments:case-detail", public_id=case.public_id)
    return _page(request, case, files_form=form)


@require_http_methods(["GET", "POST"])
@permission_required("assessments.refer_case", raise_exception=True)
def client_report(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Accept a recent report the client brought instead of a referral."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    consent_require(actor=request.user, client=case.client, operation="client_report.form")
    form = ClientReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_report_accept(case=case, actor=request.user, **form.cleaned_data)
        except services.ResultsRefused as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        except TransitionNotAllowed:
            form.add_error(None, _("A report cannot be accepted for this case now."))
        else:
            messages.success(request, _("Report accepted. Enter its results."))
            return redirect("assessments:results", public_id=case.public_id)
    return render(request, "assessments/client_report_form.html", {"case": case, "form": form})
