"""The client's health file across both apps: a timeline (consents, declarations, assessments,
referrals, decisions, emergencies, follow-ups) and trend charts for blood pressure, BMI, HbA1c
and lipids. A read: consent-gated and audited through ``clients.selectors.observation_list``;
timeline entries carry kinds, dates and statuses only, never values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from assessments import charts
from assessments.models import Case, Decision, Emergency, FollowUp, ReviewSchedule
from clients import measurements
from clients import selectors as client_selectors
from clients.models import Client

CHART_KINDS = ("sbp", "dbp", "height", "weight", "bmi", "hba1c", "total_cholesterol", "ldl_c",
               "hdl_c", "triglycerides")  # fmt: skip
LIPIDS = (("total_cholesterol", "TC"), ("ldl_c", "LDL-C"), ("hdl_c", "HDL-C"),
          ("triglycerides", "TG"))  # fmt: skip


@dataclass(frozen=True)
class Entry:
    when: datetime.datetime
    kind: str
    label: str
    status: str = ""


@dataclass(frozen=True)
class HealthFileView:
    client: Client
    entries: list[Entry]
    charts: dict[str, SafeString]
    schedule: ReviewSchedule | None
    # Values behind an A-class flag were masked for this viewer (left out of the charts).
    critical_follow_up: bool = False


def _series(obs: list[Any], kind: str) -> list[charts.Point]:
    return [
        (o.effective_at, o.value) for o in obs if o.kind == kind and isinstance(o.value, Decimal)
    ]


def _bmi_series(obs: list[Any]) -> list[charts.Point]:
    """BMI per weighing: reported BMI, else the weight over the latest height measured at or
    before it (height and weight of one visit share a timestamp)."""
    points = _series(obs, "bmi")
    heights = sorted(_series(obs, "height"))
    for when, weight in _series(obs, "weight"):
        known = [h for at, h in heights if at <= when]
        if known:
            points.append((when, measurements.bmi(known[-1], weight)))
    return points


def _charts(obs: list[Any]) -> dict[str, SafeString]:
    S = charts.Series
    drawn = {
        "blood_pressure": charts.line_chart(
            _("Blood pressure"), "mmHg",
            [S(_("systolic"), _series(obs, "sbp")), S(_("diastolic"), _series(obs, "dbp"))],
        ),
        "bmi": charts.line_chart(_("BMI"), "kg/m²", [S("BMI", _bmi_series(obs))]),
        "hba1c": charts.line_chart(_("HbA1c"), "%", [S("HbA1c", _series(obs, "hba1c"))]),
        "lipids": charts.line_chart(
            _("Lipids"), "mmol/L", [S(label, _series(obs, kind)) for kind, label in LIPIDS]
        ),
    }  # fmt: skip
    # Built from numbers and escaped labels only (charts.py), so safe to render as markup.
    return {name: mark_safe(svg) for name, svg in drawn.items() if svg}  # noqa: S308


def _entries(client: Client) -> list[Entry]:
    entries = [
        Entry(c.granted_at, "consent", str(c.get_purpose_display()),
              _("withdrawn") if c.withdrawn_at else _("granted"))
        for c in client.consents.all()
    ]  # fmt: skip
    entries += [
        Entry(c.withdrawn_at, "consent", str(c.get_purpose_display()), _("withdrawn"))
        for c in client.consents.filter(withdrawn_at__isnull=False)
    ]
    entries += [
        Entry(d.submitted_at, "declaration", _("Health declaration v%(n)s") % {"n": d.version})
        for d in client.declarations.all()
    ]
    for case in Case.objects.filter(client=client).prefetch_related("assessments", "referrals"):
        entries += [Entry(a.created_at, "assessment", _("Assessment"), a.recommendation)
                    for a in case.assessments.all()]  # fmt: skip
        entries += [Entry(r.issued_at, "referral", r.institution.name,
                          r.get_status_display()) for r in case.referrals.all()]  # fmt: skip
    entries += _decision_entries(client)
    return sorted(entries, key=lambda e: e.when, reverse=True)


def _decision_entries(client: Client) -> list[Entry]:
    entries = [
        Entry(d.decided_at or d.proposed_at, "decision", str(d.get_outcome_display()),
              str(d.get_status_display()))
        for d in Decision.objects.filter(client=client)
    ]  # fmt: skip
    entries += [
        Entry(e.opened_at, "emergency", _("Urgent medical follow-up"),  # never the trigger
              _("closed") if e.closed_at else _("open"))
        for e in Emergency.objects.filter(client=client)
    ]  # fmt: skip
    entries += [
        Entry(datetime.datetime.combine(f.due_on, datetime.time(9), tzinfo=f.created_at.tzinfo),
              "follow_up", str(f.get_kind_display()), _("done") if f.done_at else _("open"))
        for f in FollowUp.objects.filter(client=client)
    ]  # fmt: skip
    return entries


def health_file_view(*, viewer: Any, client: Client) -> HealthFileView:
    """The health file page's content. Raises: PermissionDenied, ConsentRequired (audited)."""
    observations = client_selectors.observation_list(viewer=viewer, client=client)
    return HealthFileView(
        client=client, entries=_entries(client), charts=_charts(observations),
        schedule=ReviewSchedule.objects.filter(client=client).first(),
        critical_follow_up=any(o.critical for o in observations),
    )  # fmt: skip
