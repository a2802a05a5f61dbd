"""Referral pages: issue a referral, follow it (book, attend, decline), print the letter."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import catalogue, pdf, selectors, services
from assessments.forms import BookForm, ReferralForm
from assessments.models import Case, CheckupItem, Referral
from assessments.workflow import TransitionNotAllowed
from clients.gate import consent_require
from clients.models import Purpose
from healthcheck.core import audit
from healthcheck.core.fields import reveal


def _referral_get(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    cases = Case.objects.visible_to(request.user)
    rows = Referral.objects.filter(case__in=cases).select_related(
        "case__client", "institution", "cost_agreement", "issued_by"
    )
    return audit.get_scoped_or_404(rows, request.user, public_id=public_id)


def _recommended(case: Case) -> list[int]:
    latest = case.assessments.order_by("-created_at").first()
    result = reveal(latest, "result") if latest else None
    age = None
    if latest is not None:
        age = selectors.age_at(case.client, latest.as_of)
    codes = catalogue.recommend_items(
        age=age, result=result if isinstance(result, dict) else None, purpose=case.purpose
    )
    return list(CheckupItem.objects.filter(code__in=codes).values_list("pk", flat=True))


@require_http_methods(["GET", "POST"])
@permission_required("assessments.refer_case", raise_exception=True)
def referral_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Choose institution and items (recommended pre-selected) and the cost agreement."""
    case = selectors.case_get(viewer=request.user, public_id=public_id)
    form = ReferralForm(request.POST or None, initial={"items": _recommended(case)})
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(case=case, actor=request.user, **form.cleaned_data)
        except services.ReferralRefused as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        except TransitionNotAllowed:
            form.add_error(None, _("The case cannot be referred now."))
        else:
            messages.success(request, _("Referral issued."))
            return redirect("assessments:referral-detail", public_id=referral.public_id)
    return render(request, "assessments/referral_form.html", {"case": case, "form": form})


@require_GET
@permission_required("assessments.view_case", raise_exception=True)
def referral_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = _referral_get(request, public_id)
    context = {
        "referral": referral,
        "case": referral.case,
        "items": referral.items.all(),
        "book_form": BookForm(initial={"appointment_at": referral.appointment_at}),
        "can_change": request.user.has_perm("assessments.refer_case") and referral.is_open,
    }
    return render(request, "assessments/referral_detail.html", context)


@require_POST
@permission_required("assessments.refer_case", raise_exception=True)
def referral_move(request: HttpRequest, public_id: uuid.UUID, move: str) -> HttpResponse:
    """Book (with a date), record attendance, or record that the client declined."""
    referral = _referral_get(request, public_id)
    if move not in ("book", "attend", "decline"):
        return redirect("assessments:referral-detail", public_id=referral.public_id)
    form = BookForm(request.POST) if move == "book" else None
    when = form.cleaned_data["appointment_at"] if form is not None and form.is_valid() else None
    try:
        services.referral_move(
            referral=referral, move=move, actor=request.user, appointment_at=when
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Referral updated."))
    return redirect("assessments:referral-detail", public_id=referral.public_id)


def _letter(request: HttpRequest, public_id: uuid.UUID, kind: str) -> dict[str, Any]:
    """The letter's context: scoped (404 out of portfolio) and consent-gated (health-check
    consent, and the sharing consent naming the institution the letter is addressed to)."""
    referral = _referral_get(request, public_id)
    client = referral.case.client
    consent_require(actor=request.user, client=client, operation=f"referral.letter.{kind}")
    consent_require(
        actor=request.user, client=client, operation=f"referral.letter.{kind}",
        purpose=Purpose.SHARE_WITH_INSTITUTION, institution=referral.institution,
    )  # fmt: skip
    return {"referral": referral, "client": client, "items": referral.items.all()}


@require_GET
@permission_required("assessments.refer_case", raise_exception=True)
def referral_letter(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The printable referral letter (print style sheet; no health values on it)."""
    context = _letter(request, public_id, "html")
    services.referral_letter_printed(referral=context["referral"], actor=request.user)
    return render(request, "assessments/referral_letter.html", context)


@require_GET
@permission_required("assessments.refer_case", raise_exception=True)
def referral_letter_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The referral letter as a PDF download (WeasyPrint, in the interface language); audited
    as a print of the letter (format "pdf") once the PDF is rendered."""
    context = _letter(request, public_id, "pdf")
    body = pdf.render_pdf("assessments/referral_letter_pdf.html", context, stylesheet="letter.css")
    referral = context["referral"]
    services.referral_letter_printed(referral=referral, actor=request.user, format="pdf")
    response = HttpResponse(body, content_type="application/pdf")
    name = f"referral-letter-{str(referral.public_id)[:8]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
