"""Client views: the portfolio list with exact search, creation, detail and reassignment."""

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

from clients import selectors, services
from clients.forms import ClientForm, ClientSearchForm, ReassignForm
from clients.gate import active_consent
from clients.models import Purpose


@require_http_methods(["GET", "POST"])
@permission_required("clients.view_client", raise_exception=True)
@sensitive_post_parameters("q")
def client_list(request: HttpRequest) -> HttpResponse:
    """The manager's clients, paginated; exact search by full name or ID number.

    A search is a POST (its pages too): a name or an ID number typed here must never reach a
    URL, and with it browser history, proxy and access logs or a Referer header. A ``q`` in the
    query string is ignored.
    """
    searching = request.method == "POST"
    form = ClientSearchForm(request.POST if searching else None)
    search = form.cleaned_data["q"] if searching and form.is_valid() else ""
    source = request.POST if searching else request.GET
    page = selectors.client_page(viewer=request.user, search=search, page=source.get("page", 1))
    context = {"form": form, "page": page, "search": search}
    return render(request, "clients/client_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("clients.add_client", raise_exception=True)
@sensitive_post_parameters("name", "national_id", "date_of_birth", "phone", "address")
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                actor=request.user, manager=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Client created. Next: record the health-data consent."))
            return redirect("clients:detail", public_id=client.public_id)
    return render(request, "clients/client_form.html", {"form": form})


@require_GET
@permission_required("clients.view_client", raise_exception=True)
def client_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Identity, consents with their history, and the next steps. No health data here."""
    client = selectors.client_get(viewer=request.user, public_id=public_id)
    context = {
        "client": client,
        "consents": selectors.consent_list(viewer=request.user, client=client),
        "health_consent": active_consent(client, Purpose.HEALTH_CHECK),
        "purposes": Purpose.choices,
    }
    return render(request, "clients/client_detail.html", context)


@require_GET
@permission_required("clients.reassign_client", raise_exception=True)
def team_client_list(request: HttpRequest) -> HttpResponse:
    """Clients of the managers the user supervises (empty for a manager without a team)."""
    page = selectors.team_client_page(viewer=request.user, page=request.GET.get("page", 1))
    return render(request, "clients/team_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@permission_required("clients.reassign_client", raise_exception=True)
def client_reassign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(viewer=request.user, public_id=public_id, scope="team")
    form = ReassignForm(request.POST or None, supervisor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_reassign(
                actor=request.user, client=client, new_manager=form.cleaned_data["new_manager"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Client reassigned."))
            return redirect("clients:team")
    return render(request, "clients/client_reassign.html", {"client": client, "form": form})
