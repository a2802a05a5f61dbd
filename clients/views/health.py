"""Health views: the declaration form, the health file, the export and the ICD-10 search.

Every read and write goes through the consent-gated selectors and services; a missing consent
shows a clear message with a link to record it (403).
"""

from __future__ import annotations

import csv
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import forms as f
from clients import icd10, questionnaires, selectors, services
from clients.gate import ConsentRequired, consent_require
from clients.models import Client


def consent_required_response(request: HttpRequest, client: Client) -> HttpResponse:
    return render(request, "clients/consent_required.html", {"client": client}, status=403)


def _declaration_forms(request: HttpRequest) -> dict:
    data = request.POST if request.method == "POST" else None
    return {
        "main": f.DeclarationForm(data, prefix="main"),
        "conditions": f.ConditionFormSet(data, prefix="conditions"),
        "measures": f.MeasurementsForm(data, prefix="measures"),
        "pressures": f.BloodPressureFormSet(data, prefix="bp"),
        "phq9": f.QuestionnaireForm(data, instrument=questionnaires.PHQ9),
        "gad7": f.QuestionnaireForm(data, instrument=questionnaires.GAD7),
    }


@require_http_methods(["GET", "POST"])
@permission_required("clients.add_declaration", raise_exception=True)
@sensitive_post_parameters()
def declaration_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A new version of the client's health declaration (nothing saved unless all is valid)."""
    client = selectors.client_get(viewer=request.user, public_id=public_id)
    try:  # the form itself shows no health data, but nothing is collected without consent
        consent_require(actor=request.user, client=client, operation="declaration.form")
    except ConsentRequired:
        return consent_required_response(request, client)
    forms = _declaration_forms(request)
    if request.method == "POST" and all(form.is_valid() for form in forms.values()):
        try:
            services.declaration_save(actor=request.user, client=client, data=f.to_input(**forms))
        except ConsentRequired:
            return consent_required_response(request, client)
        except ValidationError as exc:
            forms["main"].add_error(None, exc.messages)
        else:
            messages.success(request, _("Health declaration saved."))
            return redirect("clients:health-file", public_id=client.public_id)
    context = {"client": client, **forms, "icd10_options": icd10.categories()}
    return render(request, "clients/declaration_form.html", context)


@require_GET
@permission_required("clients.view_healthdata", raise_exception=True)
def health_file(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Declaration history and measurements over time (restricted class masked)."""
    client = selectors.client_get(viewer=request.user, public_id=public_id)
    try:
        file = selectors.health_file_get(viewer=request.user, client=client)
    except ConsentRequired:
        return consent_required_response(request, client)
    return render(request, "clients/health_file.html", {"client": client, "file": file})


@require_GET
@permission_required("clients.view_healthdata", raise_exception=True)
def health_export(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The client's observations as CSV (audited as an export)."""
    client = selectors.client_get(viewer=request.user, public_id=public_id)
    try:
        rows = selectors.health_export_rows(viewer=request.user, client=client)
    except ConsentRequired:
        return consent_required_response(request, client)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="observations-{client.public_id}.csv"'
    csv.writer(response).writerows(rows)
    return response


@require_POST
@permission_required("clients.add_declaration", raise_exception=True)
@sensitive_post_parameters("q")
def icd10_search(request: HttpRequest) -> JsonResponse:
    """Common ICD-10 categories by code prefix or title text, optionally within a chapter.

    A POST (CSRF-checked), not a GET: what a manager types here while declaring a client's
    conditions is health data, and must not reach a URL or an access log.
    """
    found = icd10.search(request.POST.get("q", "")[:50], request.POST.get("chapter", "")[:6])
    results = [
        {"code": c.code, "title": c.title(), "chapter": c.chapter, "restricted": c.is_restricted}
        for c in found
    ]
    return JsonResponse({"results": results})
