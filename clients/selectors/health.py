"""Health-data selectors: the one read path for declarations and observations.

Each selector checks the viewer's capability, passes the consent gate and records the read
(``health_record.viewed`` / ``.exported``) before decrypting anything. Restricted content
(PHQ-9/GAD-7 answers and totals, F-chapter, HIV, hepatitis, pregnancy, genetic conditions) is
replaced by a "restricted" marker unless the viewer holds ``clients.view_restricted_healthdata``
(no business role does; CN-17). Observations behind an A-class flag (``is_critical``, marked by
the assessment service) are masked the same way for those viewers: no value in tables, charts
or exports, only "urgent medical follow-up required" (PRODUCT "Emergency protocol").
Views, exports and tasks use only these functions.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied

from clients import icd10, measurements, questionnaires
from clients.gate import consent_require
from clients.models import Client, Consent, Declaration, FollowUp, Observation, Purpose
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction
from healthcheck.core.fields import Unreadable, reveal

VIEW_CAPABILITY = "clients.view_healthdata"
RESTRICTED_CAPABILITY = "clients.view_restricted_healthdata"
# Bound of a health file page (newest first); older rows stay in the export.
FILE_OBSERVATION_LIMIT = 500


@dataclass(frozen=True)
class ObservationView:
    public_id: uuid.UUID
    kind: str
    label: str
    value: Decimal | Unreadable | None  # None: restricted for this viewer
    unit: str
    unit_label: str
    loinc_code: str
    effective_at: datetime.datetime
    source: str
    source_label: str
    source_ref: str
    reading_id: uuid.UUID | None
    restricted: bool
    critical: bool = False  # behind an A-class flag; value hidden unless the viewer may see it


@dataclass(frozen=True)
class ConditionView:
    code: str
    title: str
    status: str
    notes: str
    restricted: bool


@dataclass(frozen=True)
class QuestionnaireView:
    name: str
    restricted: bool
    complete: bool | None = None
    total: int | None = None
    band: str = ""


@dataclass(frozen=True)
class DeclarationView:
    public_id: uuid.UUID
    version: int
    submitted_at: datetime.datetime
    submitted_by: str
    follow_up: str
    follow_up_label: str
    self_rated_health: str
    smoking: str
    alcohol: str
    region: str
    residence: str
    bp_treatment: str
    diabetes: str
    medications: str
    family_history: list[str]
    family_history_notes: str
    notes: str
    conditions: list[ConditionView]
    questionnaires: list[QuestionnaireView]
    measurements: list[ObservationView] = field(default_factory=list)
    bmi: Decimal | None = None


@dataclass(frozen=True)
class HealthFile:
    client: Client
    consent: Consent
    declarations: list[DeclarationView]
    measurement_rows: list[dict[str, Any]]
    follow_up: str


def _is_system(viewer: Any) -> bool:
    return isinstance(viewer, str)


def _authorise(viewer: Any, client: Client, operation: str, purpose: str) -> Consent:
    """Capability, then consent. Raises PermissionDenied / ConsentRequired (both audited)."""
    if not _is_system(viewer) and not viewer.has_perm(VIEW_CAPABILITY):
        audit.record_denied(
            actor=viewer, action=AuditAction.ACCESS_DENIED, target=client, client=client,
            reason="capability", operation=operation,
        )  # fmt: skip
        raise PermissionDenied
    return consent_require(actor=viewer, client=client, operation=operation, purpose=purpose)


def _sees_restricted(viewer: Any) -> bool:
    return not _is_system(viewer) and viewer.has_perm(RESTRICTED_CAPABILITY)


def _text(value: Any) -> Any:
    return value if isinstance(value, Unreadable) else (value or "")


def _observation_view(obs: Observation, show_restricted: bool) -> ObservationView:
    hidden = (obs.is_restricted or obs.is_critical) and not show_restricted
    return ObservationView(
        public_id=obs.public_id, kind=obs.kind,
        label=str(measurements.KIND_LABELS.get(obs.kind, obs.kind)),
        value=None if hidden else reveal(obs, "value"), unit=obs.unit,
        unit_label=str(measurements.UNIT_LABELS.get(obs.unit, obs.unit)),
        loinc_code=obs.loinc_code, effective_at=obs.effective_at, source=obs.source,
        source_label=str(obs.get_source_display()), source_ref=obs.source_ref,
        reading_id=obs.reading_id, restricted=obs.is_restricted,
        critical=obs.is_critical and not show_restricted,
    )  # fmt: skip


def _condition_views(declaration: Declaration, show_restricted: bool) -> list[ConditionView]:
    entries = reveal(declaration, "conditions")
    if isinstance(entries, Unreadable):
        return []
    views = []
    for entry in entries:
        restricted = icd10.is_restricted(entry["code"])
        if restricted and not show_restricted:
            views.append(ConditionView("", "", "", "", True))
        else:
            views.append(
                ConditionView(
                    entry["code"],
                    icd10.title_of(entry["code"]),
                    str(dict(Declaration.ConditionStatus.choices).get(entry["status"], "")),
                    entry.get("notes", ""),
                    restricted,
                )
            )
    return views


def _questionnaire_views(
    declaration: Declaration, show_restricted: bool
) -> list[QuestionnaireView]:
    scores = reveal(declaration, "scores")
    if isinstance(scores, Unreadable):
        return []
    if not show_restricted:
        return [QuestionnaireView(name, True) for name in scores]
    return [
        QuestionnaireView(
            name,
            True,
            result["complete"],
            result["total"],
            str(questionnaires.BAND_LABELS.get(result["band"], "")) if result["band"] else "",
        )
        for name, result in scores.items()
    ]


def _choice_label(choices: Any, value: Any) -> str:
    if isinstance(value, Unreadable):
        return str(value)
    return str(dict(choices.choices).get(value, "")) if value else ""


def _declaration_view(
    declaration: Declaration, observations: list[ObservationView], show_restricted: bool
) -> DeclarationView:
    family = reveal(declaration, "family_history")
    family = {} if isinstance(family, Unreadable) else family
    family_labels = dict(Declaration.FamilyCondition.choices)
    mine = [o for o in observations if o.source_ref == str(declaration.public_id)]
    return DeclarationView(
        public_id=declaration.public_id, version=declaration.version,
        submitted_at=declaration.submitted_at,
        submitted_by=declaration.submitted_by.get_username(),
        follow_up=declaration.follow_up,
        follow_up_label=str(FollowUp(declaration.follow_up).label) if declaration.follow_up else "",
        self_rated_health=_choice_label(
            Declaration.SelfRatedHealth, reveal(declaration, "self_rated_health")
        ),
        smoking=_choice_label(Declaration.Smoking, reveal(declaration, "smoking")),
        alcohol=_choice_label(Declaration.Alcohol, reveal(declaration, "alcohol")),
        region=_choice_label(Declaration.Region, reveal(declaration, "region")),
        residence=_choice_label(Declaration.Residence, reveal(declaration, "residence")),
        bp_treatment=_choice_label(Declaration.YesNo, reveal(declaration, "bp_treatment")),
        diabetes=_choice_label(Declaration.YesNo, reveal(declaration, "diabetes")),
        medications=_text(reveal(declaration, "medications")),
        family_history=[str(family_labels.get(c, c)) for c in family.get("conditions", [])],
        family_history_notes=family.get("notes", ""), notes=_text(reveal(declaration, "notes")),
        conditions=_condition_views(declaration, show_restricted),
        questionnaires=_questionnaire_views(declaration, show_restricted),
        measurements=[o for o in mine if not o.restricted and not o.critical], bmi=_bmi(mine),
    )  # fmt: skip


def _bmi(observations: list[ObservationView]) -> Decimal | None:
    latest = {o.kind: o.value for o in sorted(observations, key=lambda o: o.effective_at)}
    height, weight = latest.get("height"), latest.get("weight")
    if isinstance(height, Decimal) and isinstance(weight, Decimal):
        return measurements.bmi(height, weight)
    return None


def _measurement_rows(observations: list[ObservationView]) -> list[dict[str, Any]]:
    """Table rows, newest first; a blood-pressure reading's two values share one row."""
    rows: list[dict[str, Any]] = []
    readings: dict[uuid.UUID, dict[str, Any]] = {}
    for obs in observations:
        if obs.reading_id and obs.kind in ("sbp", "dbp"):
            row = readings.get(obs.reading_id)
            if row is None:
                row = {
                    "kind": "blood_pressure",
                    "effective_at": obs.effective_at,
                    "unit_label": obs.unit_label,
                    "source_label": obs.source_label,
                    "restricted": False,
                    "critical": False,
                    "sbp": None,
                    "dbp": None,
                }
                readings[obs.reading_id] = row
                rows.append(row)
            row[obs.kind] = obs.value
            row["critical"] = row["critical"] or obs.critical
        else:
            rows.append(
                {
                    "kind": obs.kind,
                    "label": obs.label,
                    "value": obs.value,
                    "effective_at": obs.effective_at,
                    "unit_label": obs.unit_label,
                    "source_label": obs.source_label,
                    "restricted": obs.restricted,
                    "critical": obs.critical,
                }
            )
    return rows


def _observations(
    client: Client, show_restricted: bool, limit: int | None
) -> list[ObservationView]:
    rows = client.observations.order_by("-effective_at", "-pk")
    if limit is not None:
        rows = rows[:limit]
    return [_observation_view(o, show_restricted) for o in rows]


def health_file_get(
    *, viewer: Any, client: Client, purpose: str = Purpose.HEALTH_CHECK
) -> HealthFile:
    """The client's health file: declaration history and measurements over time.

    Raises: PermissionDenied (no capability), ConsentRequired (no active consent); both audited.
    """
    consent = _authorise(viewer, client, "health_file.view", purpose)
    show = _sees_restricted(viewer)
    observations = _observations(client, show, FILE_OBSERVATION_LIMIT)
    declarations = [
        _declaration_view(d, observations, show)
        for d in client.declarations.select_related("submitted_by").order_by("-version")
    ]
    audit.record_read(viewer, client, "health_file", purpose)
    return HealthFile(
        client=client, consent=consent, declarations=declarations,
        measurement_rows=_measurement_rows(observations),
        follow_up=declarations[0].follow_up if declarations else "",
    )  # fmt: skip


def observation_list(
    *, viewer: Any, client: Client, kinds: tuple[str, ...] = (), purpose: str = Purpose.HEALTH_CHECK
) -> list[ObservationView]:
    """The client's observations, newest first (optionally of some kinds), restricted masked.

    Raises: PermissionDenied, ConsentRequired (both audited).
    """
    _authorise(viewer, client, "observations.view", purpose)
    views = _observations(client, _sees_restricted(viewer), None)
    if kinds:
        views = [v for v in views if v.kind in kinds]
    audit.record_read(viewer, client, "observations", purpose)
    return views


def health_export_rows(
    *, viewer: Any, client: Client, purpose: str = Purpose.HEALTH_CHECK
) -> list[list[str]]:
    """CSV rows of every observation (header first); restricted values read "restricted".

    Recorded as ``health_record.exported``. Raises: PermissionDenied, ConsentRequired.
    """
    _authorise(viewer, client, "health_record.export", purpose)
    views = _observations(client, _sees_restricted(viewer), None)
    audit.record_read(
        viewer, client, "observations", purpose, action=AuditAction.HEALTH_RECORD_EXPORTED
    )
    header = ["effective_at", "kind", "loinc_code", "value", "unit", "source", "source_ref"]
    return [header] + [
        [
            v.effective_at.isoformat(),
            v.kind,
            v.loinc_code,
            ("critical" if v.critical else "restricted") if v.value is None else str(v.value),
            v.unit,
            v.source,
            v.source_ref,
        ]
        for v in views
    ]
