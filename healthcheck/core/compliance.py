"""Compliance officer pages: audit search, CSV export, per-client access report, chain status.

Every list is keyset-paginated on ``(occurred_at, id)`` and served by one of AuditEvent's
composite indexes, so a page costs the same on a thousand events as on millions; no page counts
all matching rows. Nothing here decrypts anything: audit rows hold metadata only.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Max, Min, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from healthcheck.core import audit, outbox, sealing
from healthcheck.core.models import AuditEvent, AuditSeal

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
_ORDER = ("-occurred_at", "-id")
_EPOCH = datetime.fromtimestamp(0, tz=UTC)


class AuditFilterForm(forms.Form):
    """Search criteria; every one is served by an index (outcome only narrows the others)."""

    client = forms.UUIDField(label=gettext_lazy("Client id"), required=False)
    user = forms.CharField(label=gettext_lazy("User or actor"), max_length=150, required=False)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("Any")), *audit.AuditAction.choices],
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[("", gettext_lazy("Any")), *AuditEvent.Outcome.choices],
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To (inclusive)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            select = isinstance(field, forms.ChoiceField)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )
            if name.startswith("date_"):
                field.widget.input_type = "date"

    def filter(self, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data if self.is_valid() else {}
        exact = {
            "client_public_id": data.get("client"),
            "actor_label": data.get("user"),
            "action": data.get("action"),
            "outcome": data.get("outcome"),
        }
        queryset = queryset.filter(**{k: v for k, v in exact.items() if v})
        if data.get("date_from"):
            queryset = queryset.filter(occurred_at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            queryset = queryset.filter(occurred_at__lt=_day_start(data["date_to"], 1))
        return queryset

    def summary(self) -> dict[str, str]:
        """The criteria as short strings (ids and names only), for the export's audit event."""
        data = self.cleaned_data if self.is_valid() else {}
        return {f"filter_{k}": str(v) for k, v in data.items() if v}


def _day_start(day: Any, plus_days: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=plus_days), time.min))


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    next_cursor: str


def _parse_cursor(value: str) -> tuple[datetime, int] | None:
    """``<microseconds since epoch>.<id>``; anything else means the first page."""
    stamp, _sep, ident = value.partition(".")
    if not (stamp.isdigit() and ident.isdigit()):
        return None
    moment = _EPOCH + timedelta(microseconds=int(stamp))
    return moment, int(ident)


def _cursor(event: AuditEvent) -> str:
    delta = event.occurred_at - _EPOCH
    return f"{delta // timedelta(microseconds=1)}.{event.pk}"


def keyset_page(queryset: QuerySet[AuditEvent], cursor: str) -> Page:
    """One page, newest first, strictly after ``cursor``: one indexed query at any depth."""
    after = _parse_cursor(cursor)
    if after is not None:
        moment, ident = after
        # "<= moment" bounds the index scan; the exclude only drops ties on the timestamp.
        queryset = queryset.filter(occurred_at__lte=moment).exclude(
            occurred_at=moment, id__gte=ident
        )
    rows = list(queryset.order_by(*_ORDER)[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows, _cursor(rows[-1]) if has_more and rows else "")


@require_GET
@permission_required("core.view_auditevent", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    """Search the audit trail by client, user, action, outcome and date range."""
    form = AuditFilterForm(request.GET or None)
    page = keyset_page(form.filter(AuditEvent.objects.all()), request.GET.get("cursor", ""))
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "compliance/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A leading = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


_CSV_COLUMNS = (
    "id", "occurred_at", "actor_label", "action", "outcome", "target_type", "target_id",
    "target_label", "client_public_id", "fields", "purpose", "case_id", "request_id", "ip",
    "details",
)  # fmt: skip


def _csv_rows(queryset: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(_CSV_COLUMNS)
    for row in queryset.values_list(*_CSV_COLUMNS).iterator(chunk_size=2000):
        yield writer.writerow([_csv_cell(value) for value in row])


@require_GET
@permission_required("core.export_auditevent", raise_exception=True)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the filtered events (newest first, at most EXPORT_LIMIT); the export is audited."""
    form = AuditFilterForm(request.GET or None)
    queryset = form.filter(AuditEvent.objects.all()).order_by(*_ORDER)[:EXPORT_LIMIT]
    audit.record(
        actor=request.user,
        action=audit.AuditAction.AUDIT_EXPORTED,
        purpose="compliance review",
        limit=EXPORT_LIMIT,
        **form.summary(),
    )
    response = StreamingHttpResponse(_csv_rows(queryset), content_type="text/csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@require_GET
@permission_required("core.view_auditevent", raise_exception=True)
def client_access(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    """Who read this client's health data, when, for which purpose and case; and who was
    refused."""
    events = AuditEvent.objects.filter(client_public_id=client_id).filter(
        action__in=[*audit.READ_ACTIONS, audit.AuditAction.ACCESS_OUT_OF_SCOPE]
    )
    page = keyset_page(events, request.GET.get("cursor", ""))
    readers = (
        events.filter(action__in=audit.READ_ACTIONS)
        .values("actor_label")
        .annotate(reads=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-last")[:100]
    )
    audit.record(
        actor=request.user,
        action=audit.AuditAction.AUDIT_ACCESS_REPORT_VIEWED,
        client=client_id,
        purpose="compliance review",
    )
    return render(
        request,
        "compliance/client_access.html",
        {"client_id": client_id, "page": page, "readers": list(readers)},
    )


@require_GET
@permission_required("core.view_auditseal", raise_exception=True)
def chain_status(request: HttpRequest) -> HttpResponse:
    """Seal and verification status of the audit chain."""
    last_check = (
        AuditEvent.objects.filter(action=audit.AuditAction.AUDIT_VERIFIED).order_by(*_ORDER).first()
    )
    last_seal = AuditSeal.objects.order_by("-number").first()
    context = {"status": sealing.status(), "last_seal": last_seal, "last_check": last_check}
    return render(request, "compliance/chain_status.html", context)


@require_POST
@permission_required("core.request_auditseal", raise_exception=True)
def seal_now(request: HttpRequest) -> HttpResponse:
    """Queue a seal run now (beat runs one every minute anyway)."""
    audit.record(actor=request.user, action=audit.AuditAction.AUDIT_SEAL_REQUESTED)
    outbox.enqueue("core.audit_seal_task")
    messages.success(request, _("A seal run has been requested."))
    return redirect("compliance:chain")


app_name = "compliance"
urlpatterns = [
    path("audit/", audit_list, name="audit-list"),
    path("audit/export.csv", audit_export, name="audit-export"),
    path("clients/<uuid:client_id>/access/", client_access, name="client-access"),
    path("chain/", chain_status, name="chain"),
    path("chain/seal/", seal_now, name="seal-now"),
]
