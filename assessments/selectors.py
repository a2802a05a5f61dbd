"""Assessment selectors: scoped case lookups, the engine's inputs, and audited result views.

Managers never see restricted-class content (PHQ-9/GAD-7 bands, values, flags and trace rows):
they see "restricted" and that follow-up is needed. Nor do they see the measures behind an
A-class flag (the emergency protocol): value, band, flag reason and every trace row naming the
measure or its observation kinds are replaced by "urgent medical follow-up required". Medical
advisors (with ``clients.view_restricted_healthdata``) see everything; every view of results is
audited.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Assessment, Case, ResultImport
from assessments.rules import CaseInputs, Observation, units
from assessments.rules.inputs import REGIONS, RESIDENCES
from clients.gate import consent_require
from clients.models import Client, Purpose
from clients.models import Observation as StoredObservation
from healthcheck.core import audit
from healthcheck.core.fields import Unreadable, reveal

RESTRICTED_MEASURES = frozenset({"phq9", "gad7"})
# The observation kinds a banded measure is read from (others: the measure's own kind).
MEASURE_KINDS: dict[str, tuple[str, ...]] = {
    "blood_pressure": ("sbp", "dbp"),
    "bmi": ("bmi", "height", "weight"),
}
RESTRICTED_CAPABILITY = "clients.view_restricted_healthdata"
DIABETES_CODES = ("E10", "E11", "E12", "E13", "E14")
YES_NO = {"yes": True, "no": False}  # clients.Declaration.YesNo; "unknown" -> None


def case_get(*, viewer: Any, public_id: uuid.UUID | str) -> Case:
    """A case in the viewer's scope. Raises Http404 (audited)."""
    cases = Case.objects.visible_to(viewer).select_related("client", "client__manager")
    return audit.get_scoped_or_404(cases, viewer, public_id=public_id)


def case_list(*, viewer: Any, client: Client) -> QuerySet[Case]:
    return Case.objects.visible_to(viewer).filter(client=client).order_by("-created_at")


def review_queue(*, viewer: Any) -> QuerySet[Case]:
    """Cases with results awaiting the medical advisor, oldest change first (no health data)."""
    if not viewer.has_perm("assessments.review_case"):
        return Case.objects.none()
    return (
        Case.objects.filter(status__in=Case.REVIEWABLE, reviewed_at__isnull=True)
        .select_related("client")
        .order_by("updated_at")
    )


def assessment_get(*, viewer: Any, public_id: uuid.UUID | str) -> Assessment:
    cases = Case.objects.visible_to(viewer)
    rows = Assessment.objects.filter(case__in=cases).select_related("case", "client")
    return audit.get_scoped_or_404(rows, viewer, public_id=public_id)


def _answers(raw: Any) -> dict[int, int]:
    if not isinstance(raw, dict):
        return {}
    return {int(k): v for k, v in raw.items() if v is not None}


def _declaration_facts(client: Client) -> dict[str, Any]:
    """CaseInputs facts from the latest declaration. "unknown", blank, NULL (asked before the
    question existed) and unreadable answers all leave the fact ``None``; nothing is guessed."""
    latest = client.declarations.order_by("-version").first()
    if latest is None:
        return {"questionnaires": {}, "conditions": ()}
    conditions = reveal(latest, "conditions")
    codes = [] if isinstance(conditions, Unreadable) else [c["code"] for c in conditions]
    family = reveal(latest, "family_history")
    smoking = reveal(latest, "smoking")
    questionnaires = {n: _answers(reveal(latest, n)) for n in ("phq9", "gad7")}
    region, residence = reveal(latest, "region"), reveal(latest, "residence")
    declared_diabetes = YES_NO.get(reveal(latest, "diabetes"))
    return {
        "questionnaires": {n: a for n, a in questionnaires.items() if a},
        "conditions": tuple(codes),
        "smoker": {"current": True, "former": False, "never": False}.get(smoking),
        "family_history_ascvd": "ascvd" in family.get("conditions", ())
        if isinstance(family, dict)
        else None,
        # A diabetes code wins; otherwise the declared answer (the service refuses "no" + code).
        "diabetes": True if any(c.startswith(DIABETES_CODES) for c in codes) else declared_diabetes,
        "on_bp_treatment": YES_NO.get(reveal(latest, "bp_treatment")),
        "region": region if region in REGIONS else None,
        "residence": residence if residence in RESIDENCES else None,
    }


def _imported_facts(case: Case, facts: dict[str, Any]) -> None:
    """Questionnaires and conditions from result imports (newest last) override the declaration."""
    for row in case.result_imports.order_by("imported_at", "pk"):
        extras = reveal(row, "extras")
        if not isinstance(extras, dict):
            continue
        for name, items in extras.get("questionnaires", {}).items():
            facts["questionnaires"][name] = {int(k): v for k, v in items.items()}
        codes = extras.get("conditions", ())
        facts["conditions"] = tuple(dict.fromkeys((*facts["conditions"], *codes)))
    if any(c.startswith(DIABETES_CODES) for c in facts["conditions"]):
        facts["diabetes"] = True  # an imported E10-E14 Condition means yes, as in fhir.py


def _as_reported(row: StoredObservation) -> tuple[Decimal, str] | None:
    """The value and UCUM unit as entered or imported, if the engine accepts that unit for the
    kind; else None. The engine bands a value in its reported unit (case B28: 126 mg/dL is
    diabetes, like 7.0 mmol/L; its canonical 6.9930 mmol/L would band "impaired")."""
    value, unit = reveal(row, "original_value"), reveal(row, "original_unit")
    if not isinstance(value, Decimal) or not isinstance(unit, str):
        return None
    try:
        unit = units.normalise_unit(unit)
        units.to_canonical(row.kind, value, unit)  # the kind accepts the unit (not e.g. jin)
    except units.UnitError:
        return None
    return value, unit


def _engine_observations(client: Client) -> tuple[Observation, ...]:
    """Stored observations for the engine, each in the unit it was reported in (falling back to
    the canonical value when the original is unreadable or in a unit the engine does not know)."""
    rows = StoredObservation.objects.filter(client=client, is_restricted=False).order_by(
        "effective_at", "pk"
    )
    found = []
    for row in rows:
        value = reveal(row, "value")
        if isinstance(value, Decimal):
            value, unit = _as_reported(row) or (value, row.unit)
            when = timezone.localtime(row.effective_at)
            found.append(Observation(row.kind, value, unit, when, row.loinc_code or None))
    return tuple(found)


def assessment_inputs(*, viewer: Any, case: Case) -> CaseInputs:
    """The engine's inputs for a case: the client's consented observations and declaration.

    Consent-gated and audited (``health_record.viewed``, section ``assessment_inputs``).
    Raises: ConsentRequired (audited).
    """
    client = case.client
    consent_require(actor=viewer, client=client, operation="assessment.inputs")
    facts = _declaration_facts(client)
    _imported_facts(case, facts)
    birth = reveal(client, "date_of_birth")
    audit.record_read(viewer, client, "assessment_inputs", Purpose.HEALTH_CHECK, case=case)
    return CaseInputs(
        sex=client.sex or None,
        birth_date=birth if isinstance(birth, datetime.date) else None,
        observations=_engine_observations(client),
        **facts,
    )


def measure_kinds(measure: str) -> tuple[str, ...]:
    return MEASURE_KINDS.get(measure, (measure,))


def critical_measures(result: Any) -> frozenset[str]:
    """The measures named by the result's A-class flags (restricted classes excluded: they are
    masked as restricted already)."""
    flags = result.get("flags", []) if isinstance(result, dict) else []
    return frozenset(
        f["measure"]
        for f in flags
        if f.get("class") == "A" and f.get("measure") and not _is_restricted(f["measure"])
    )


def critical_kinds(result: Any) -> tuple[str, ...]:
    """The observation kinds behind the result's A-class flags (e.g. sbp, dbp)."""
    return tuple(sorted({k for m in critical_measures(result) for k in measure_kinds(m)}))


@dataclass(frozen=True)
class AssessmentView:
    """What a page shows of an assessment; restricted rows already masked for this viewer."""

    assessment: Assessment
    measures: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    cvd_risk: list[dict[str, Any]]
    trace: list[dict[str, Any]]
    restricted_follow_up: bool
    shows_restricted: bool
    critical_follow_up: bool = False  # values behind an A-class flag hidden from this viewer


def _is_restricted(measure: str | None, rule: str = "") -> bool:
    return (measure or "") in RESTRICTED_MEASURES or any(m in rule for m in RESTRICTED_MEASURES)


def _names_critical(text: str, critical: frozenset[str]) -> bool:
    words = set(text.replace(".", " ").replace(",", " ").split())
    return any(m in text or words & set(measure_kinds(m)) for m in critical)


def _mask(result: dict[str, Any], show: bool) -> tuple[list, list, list, bool]:
    measures, flags, trace, hidden_flag = [], [], [], False
    critical = frozenset() if show else critical_measures(result)
    for m in result.get("measures", []):
        hide = not show and _is_restricted(m["measure"])
        urgent = m["measure"] in critical
        measures.append(
            {**m, "restricted": hide, "critical": urgent}
            | ({"value": None, "band": None} if hide or urgent else {})
        )
    for f in result.get("flags", []):
        hide = not show and _is_restricted(f["measure"])
        urgent = f["measure"] in critical
        hidden_flag |= hide
        masked = {"reason": ""} if hide or urgent else {}
        flags.append({**f, "restricted": hide, "critical": urgent} | masked)
    for t in result.get("trace", []):
        text = t["rule"] + " " + " ".join(t["inputs"])
        if show or not (_is_restricted(None, text) or _names_critical(text, critical)):
            trace.append(t)
    return measures, flags, trace, hidden_flag


def assessment_view(*, viewer: Any, assessment: Assessment, purpose: str = "") -> AssessmentView:
    """The assessment's result for display, restricted content masked for managers.

    Consent-gated and audited (``health_record.viewed``, section ``assessment``).
    Raises: ConsentRequired.
    """
    client = assessment.client
    consent_require(actor=viewer, client=client, operation="assessment.view")
    show = viewer.has_perm(RESTRICTED_CAPABILITY)
    result = assessment.result if isinstance(assessment.result, dict) else {}
    measures, flags, trace, hidden = _mask(result, show)
    audit.record_read(
        viewer, client, "assessment", purpose or Purpose.HEALTH_CHECK, case=assessment.case,
        target=assessment,
    )  # fmt: skip
    return AssessmentView(
        assessment, measures, flags, result.get("cvd_risk", []), trace, hidden, show,
        critical_follow_up=bool(not show and critical_measures(result)),
    )  # fmt: skip


def result_imports(*, case: Case) -> list[ResultImport]:
    """Metadata of the case's result imports (no health values)."""
    return list(case.result_imports.select_related("imported_by", "institution"))


def age_at(client: Client, day: datetime.date) -> int | None:
    """Completed years of the client on ``day`` (None when the birth date is unknown)."""
    birth = reveal(client, "date_of_birth")
    if not isinstance(birth, datetime.date):
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def decision_get(*, viewer: Any, public_id: uuid.UUID | str) -> Any:
    """A decision on a case in the viewer's scope. Raises Http404 (audited)."""
    from assessments.models import Decision

    rows = Decision.objects.filter(case__in=Case.objects.visible_to(viewer)).select_related(
        "case__client", "proposed_by", "decided_by", "product"
    )
    return audit.get_scoped_or_404(rows, viewer, public_id=public_id)


def emergency_get(*, viewer: Any, public_id: uuid.UUID | str) -> Any:
    """An emergency on a case in the viewer's scope. Raises Http404 (audited)."""
    from assessments.models import Emergency

    rows = Emergency.objects.filter(case__in=Case.objects.visible_to(viewer)).select_related(
        "case__client__manager", "closed_by"
    )
    return audit.get_scoped_or_404(rows, viewer, public_id=public_id)
