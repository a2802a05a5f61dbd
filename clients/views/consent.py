"""Consent views: capture a separate consent per purpose, and withdraw it in one step."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients import selectors, services
from clients.forms import ConsentForm, WithdrawForm
from clients.models import NOTICE_LANGUAGES, NOTICE_SECTIONS, Purpose


def _notice_sections(notice: object) -> list[dict]:
    return [
        {
            "code": code,
            "title": getattr(notice, f"title_{suffix}"),
            "sections": [(label, notice.section(name, suffix)) for name, label in NOTICE_SECTIONS],
        }
        for code, suffix in NOTICE_LANGUAGES
    ]


@require_http_methods(["GET", "POST"])
@permission_required("clients.record_consent", raise_exception=True)
def consent_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show the current notice for the purpose and record the client's consent to it."""
    client = selectors.client_get(viewer=request.user, public_id=public_id)
    purpose = request.GET.get("purpose", Purpose.HEALTH_CHECK)
    if purpose not in Purpose.values:
        raise Http404
    notice = services.current_notice(purpose)
    form = ConsentForm(request.POST or None, request.FILES or None, purpose=purpose)
    if notice is not None and request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["evidence"]
        try:
            services.consent_record(
                actor=request.user, client=client, purpose=purpose, notice=notice,
                notice_sha256=form.cleaned_data["notice_sha256"],
                channel=form.cleaned_data["channel"], expires_at=form.expires_at(),
                evidence_name=upload.name, evidence_data=upload.read(),
                institution=form.cleaned_data.get("institution"),
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc.messages if hasattr(exc, "error_dict") else exc)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("clients:detail", public_id=client.public_id)
    if notice is not None and not form.is_bound:
        form.initial["notice_sha256"] = notice.text_sha256
    context = {
        "client": client, "form": form, "notice": notice,
        "purpose_label": Purpose(purpose).label,
        "notice_texts": _notice_sections(notice) if notice else [],
    }  # fmt: skip
    return render(request, "clients/consent_form.html", context)


@require_POST
@permission_required("clients.record_consent", raise_exception=True)
def consent_withdraw(
    request: HttpRequest, public_id: uuid.UUID, consent_id: uuid.UUID
) -> HttpResponse:
    """One step: a single POST withdraws the consent, effective at once (EU-02, CN-06)."""
    client = selectors.client_get(viewer=request.user, public_id=public_id)
    consent = get_object_or_404(client.consents, public_id=consent_id)
    form = WithdrawForm(request.POST)
    channel = form.cleaned_data["channel"] if form.is_valid() else ""
    services.consent_withdraw(actor=request.user, consent=consent, channel=channel)
    messages.success(request, _("Consent withdrawn. Processing based on it has stopped."))
    return redirect("clients:detail", public_id=client.public_id)
