"""Medical review pages: the advisor's work queue and one case's full results with the
opinion form. Every view of results is audited by the selectors it calls."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from assessments import selectors, services
from assessments.forms import OpinionForm
from assessments.workflow import TransitionNotAllowed
from clients import selectors as client_selectors
from clients.gate import consent_require
from healthcheck.core.fields import reveal


@require_GET
@permission_required("assessments.review_case", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Referred cases with results awaiting an opinion (no health data on the list)."""
    cases = selectors.review_queue(viewer=request.user)[:100]
    return render(request, "assessments/review_queue.html", {"cases": cases})


@require_http_methods(["GET", "POST"])
@permission_required("assessments.review_case", raise_exception=True)
@sensitive_post_parameters("interpretation", "significant_findings", "recommended_follow_up")
def review_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Full results incl. restricted classes (audited) and the opinion form."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    consent_require(actor=request.user, client=case.client, operation="review.view")
    form = OpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opinion = services.opinion_record(case=case, actor=request.user, **form.cleaned_data)
        except (ValidationError, TransitionNotAllowed) as exc:
            form.add_error(None, str(getattr(exc, "message", exc)))
        else:
            messages.success(request, _("Opinion recorded; the case was re-assessed."))
            return redirect(
                "assessments:assessment-detail", public_id=opinion.reassessment.public_id
            )
    observations = client_selectors.observation_list(viewer=request.user, client=case.client)
    imports = selectors.result_imports(case=case)
    context = {
        "case": case,
        "form": form,
        "observations": observations,
        "imports": [(row, reveal(row, "extras")) for row in imports],
        "documents": case.documents.select_related("document"),
    }
    return render(request, "assessments/review_detail.html", context)
