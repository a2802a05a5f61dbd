"""Role dashboards: the home page of each role (client manager, medical advisor, risk approver,
compliance officer). ``healthcheck/urls.py`` routes the ``home-*`` names here, so the core app
never imports this one.

Every list is a paginated panel (``?size=`` rows, ``?<panel>-page=`` page) built from one
queryset with its related rows joined, so a dashboard costs a fixed number of queries whatever
the page size or the data size (tests/dashboards). No health value is shown: case states,
recommendations, due dates and event metadata only; an emergency is "urgent medical follow-up
required" for the manager and the compliance officer, never the finding.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from assessments import selectors
from assessments.models import Case, Decision, Emergency, FollowUp, Referral
from assessments.services.reminders import MISSED_AFTER, report_overdue_days
from clients.models import Client, Consent
from healthcheck.core import sealing
from healthcheck.core.audit import AuditAction
from healthcheck.core.models import AuditEvent

PAGE_SIZES = (10, 25, 50, 100)
RECOMMENDATIONS = ("proceed", "refer", "emergency")
RECHECK_HORIZON = datetime.timedelta(days=30)
EXPORT_ACTIONS = (AuditAction.HEALTH_RECORD_EXPORTED, AuditAction.AUDIT_EXPORTED)


@dataclass(frozen=True)
class Panel:
    """One paginated list of a dashboard; ``key`` names its page parameter and test id."""

    key: str
    title: str
    page: Page
    empty: str

    @property
    def page_param(self) -> str:
        return f"{self.key}-page"


def page_size(request: HttpRequest) -> int:
    """Rows per panel page from ``?size=`` (one of PAGE_SIZES; the first otherwise)."""
    try:
        size = int(request.GET.get("size", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def panel(request: HttpRequest, key: str, title: str, rows: QuerySet, empty: str) -> Panel:
    """A panel over ``rows`` (ordered, related rows joined): one COUNT and one page query."""
    paginator = Paginator(rows, page_size(request))
    return Panel(key, str(title), paginator.get_page(request.GET.get(f"{key}-page")), str(empty))


def _render(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    context["page_sizes"] = PAGE_SIZES
    context["size"] = page_size(request)
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# Client manager


def cases_by_state(user: Any) -> dict[str, Any]:
    """Own cases counted by state and recommendation (one grouped query)."""
    rows = (
        Case.objects.filter(client__manager=user)
        .values("status", "recommendation")
        .annotate(n=Count("pk"))
    )
    table: dict[str, dict[str, int]] = {}
    totals = dict.fromkeys(RECOMMENDATIONS, 0)
    for row in rows:
        counts = table.setdefault(row["status"], {"total": 0} | dict.fromkeys(RECOMMENDATIONS, 0))
        counts["total"] += row["n"]
        if row["recommendation"] in totals:
            counts[row["recommendation"]] += row["n"]
            totals[row["recommendation"]] += row["n"]
    labels = dict(Case.Status.choices)
    states = [(s, labels[s], table[s]) for s in Case.Status.values if s in table]
    return {"states": states, "totals": totals, "total": sum(c["total"] for c in table.values())}


def overdue_referrals(user: Any, now: datetime.datetime) -> QuerySet[Referral]:
    """Own referrals whose appointment was missed or whose report is overdue (the reminders'
    definitions), oldest first."""
    missed = Q(status=Referral.Status.BOOKED, appointment_at__lte=now - MISSED_AFTER)
    report = Q(
        status=Referral.Status.ATTENDED,
        attended_at__lte=now - datetime.timedelta(days=report_overdue_days()),
    )
    return (
        Referral.objects.filter(case__client__manager=user)
        .filter(missed | report)
        .select_related("case", "case__client", "institution")
        .order_by("issued_at", "pk")
    )


def _open_emergencies() -> QuerySet[Emergency]:
    return (
        Emergency.objects.open()
        .select_related("case", "client")
        .annotate(next_due=Min("steps__due_at", filter=Q(steps__done_at__isnull=True)))
        .order_by("opened_at", "pk")
    )


def _manager_panels(request: HttpRequest, user: Any) -> list[Panel]:
    now = timezone.now()
    recheck_by = timezone.localdate(now) + RECHECK_HORIZON
    cases = Case.objects.filter(client__manager=user).open().select_related("client")
    return [
        panel(request, "emergencies", _("Emergencies"),
              _open_emergencies().filter(client__manager=user), _("No open emergency.")),
        panel(request, "cases", _("My open cases"), cases.order_by("-updated_at", "-pk"),
              _("No open case.")),
        panel(request, "overdue", _("Overdue referrals and reports"),
              overdue_referrals(user, now), _("Nothing overdue.")),
        panel(request, "rechecks", _("Re-checks due within 30 days"),
              Client.objects.visible_to(user).filter(next_review_on__lte=recheck_by)
              .order_by("next_review_on", "pk"), _("No re-check due.")),
        panel(request, "followups", _("My follow-ups"),
              FollowUp.objects.open().filter(assignee=user).select_related("client", "case")
              .order_by("due_on", "pk"), _("No open follow-up.")),
    ]  # fmt: skip


@require_GET
@permission_required("core.view_manager_dashboard", raise_exception=True)
def manager_home(request: HttpRequest) -> HttpResponse:
    """Client manager: own cases by state with the engine's recommendations, then the lists."""
    return _render(
        request, "dashboards/manager.html",
        by_state=cases_by_state(request.user), panels=_manager_panels(request, request.user),
        today=timezone.localdate(),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Medical advisor and risk approver


@require_GET
@permission_required("core.view_advisor_dashboard", raise_exception=True)
def advisor_home(request: HttpRequest) -> HttpResponse:
    """Medical advisor: cases awaiting review (oldest first) and open emergencies."""
    panels = [
        panel(request, "emergencies", _("Open emergencies"), _open_emergencies(),
              _("No open emergency.")),
        panel(request, "queue", _("Cases awaiting medical review"),
              selectors.review_queue(viewer=request.user).order_by("updated_at", "pk"),
              _("No case awaits review.")),
    ]  # fmt: skip
    return _render(request, "dashboards/advisor.html", panels=panels)


def proposals_awaiting_approval() -> QuerySet[Decision]:
    """Proposed decisions that need a second signature (anything but "proceed normally")."""
    return (
        Decision.objects.filter(status=Decision.Status.PROPOSED)
        .exclude(outcome="proceed")
        .select_related("case", "proposed_by", "product")
        .order_by("proposed_at", "pk")
    )


@require_GET
@permission_required("core.view_approver_dashboard", raise_exception=True)
def approver_home(request: HttpRequest) -> HttpResponse:
    """Risk approver: proposals awaiting approval, oldest first (own proposals marked)."""
    panels = [
        panel(request, "proposals", _("Proposals awaiting approval"),
              proposals_awaiting_approval(), _("No proposal awaits approval.")),
    ]  # fmt: skip
    return _render(request, "dashboards/approver.html", panels=panels)


# ---------------------------------------------------------------------------------------------
# Compliance officer


def consent_statistics(now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Consents per purpose: total, in force, withdrawn, expired, replaced (one grouped query)."""
    now = now or timezone.now()
    kept = Q(withdrawn_at__isnull=True)
    rows = (
        Consent.objects.values("purpose")
        .annotate(
            total=Count("pk"),
            withdrawn=Count("pk", filter=~kept),
            replaced=Count("pk", filter=kept & Q(replaced_at__isnull=False)),
            expired=Count("pk", filter=kept & Q(replaced_at__isnull=True, expires_at__lte=now)),
        )
        .order_by("purpose")
    )
    labels = dict(Consent._meta.get_field("purpose").choices)
    return [
        row | {"label": labels.get(row["purpose"], row["purpose"]),
               "open": row["total"] - row["withdrawn"] - row["replaced"] - row["expired"]}
        for row in rows
    ]  # fmt: skip


def _events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("-occurred_at", "-pk")


@require_GET
@permission_required("core.view_compliance_dashboard", raise_exception=True)
def compliance_home(request: HttpRequest) -> HttpResponse:
    """Compliance officer: denied events, exports, emergencies, chain status, consent figures."""
    emergencies = Emergency.objects.select_related("case").order_by("-opened_at", "-pk")
    panels = [
        panel(request, "denied", _("Recent denied events"), _events().filter(outcome="denied"),
              _("No denied event.")),
        panel(request, "exports", _("Exports"), _events().filter(action__in=EXPORT_ACTIONS),
              _("No export.")),
        panel(request, "emergencies", _("Emergencies"), emergencies, _("No emergency.")),
    ]  # fmt: skip
    last_check = _events().filter(action=AuditAction.AUDIT_VERIFIED).first()
    return _render(
        request, "dashboards/compliance.html", panels=panels, chain=sealing.status(),
        last_check=last_check, consents=consent_statistics(),
    )  # fmt: skip
