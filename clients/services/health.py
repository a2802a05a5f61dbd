"""Health-data services: saving declarations, recording observations and the re-check.

Every function here passes the consent gate first, inside its transaction, so no health value
is written without an active health-check consent (the refusal is audited and survives the
rollback).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import icd10, measurements, questionnaires
from clients.gate import consent_require
from clients.models import Client, Declaration, Observation, Purpose
from healthcheck.core import audit, outbox
from healthcheck.core.audit import AuditAction

RECHECK_TASK = "clients.health_recheck_task"
DIABETES_CODES = ("E10", "E11", "E12", "E13", "E14")  # ICD-10 diabetes mellitus


@dataclass(frozen=True)
class ObservationInput:
    """One value to record as entered: ``kind`` (engine kind), value and unit as entered."""

    kind: str
    value: Decimal
    unit: str
    effective_at: datetime.datetime
    reading_id: uuid.UUID | None = None
    loinc_code: str = ""


@dataclass(frozen=True)
class DeclarationInput:
    """The cleaned content of one declaration (forms build it; services validate it again)."""

    self_rated_health: str = ""
    conditions: Sequence[Mapping[str, str]] = ()
    medications: str = ""
    family_history: Mapping[str, Any] = field(default_factory=dict)
    smoking: str = ""
    alcohol: str = ""
    region: str = ""  # Declaration.Region; "" = not asked
    residence: str = ""  # Declaration.Residence
    bp_treatment: str = ""  # Declaration.YesNo: currently taking blood-pressure medication
    diabetes: str = ""  # Declaration.YesNo: diagnosed with diabetes
    notes: str = ""
    phq9: Mapping[str, int | None] | None = None
    gad7: Mapping[str, int | None] | None = None
    measured_at: datetime.datetime | None = None
    observations: Sequence[ObservationInput] = ()


def _check_declaration(data: DeclarationInput) -> None:
    errors: dict[str, str] = {}
    choices = {
        "self_rated_health": Declaration.SelfRatedHealth.values,
        "smoking": Declaration.Smoking.values,
        "alcohol": Declaration.Alcohol.values,
        "region": Declaration.Region.values,
        "residence": Declaration.Residence.values,
        "bp_treatment": Declaration.YesNo.values,
        "diabetes": Declaration.YesNo.values,
    }
    for name, allowed in choices.items():
        if getattr(data, name) and getattr(data, name) not in allowed:
            errors[name] = _("Choose one of the options.")
    for entry in data.conditions:
        statuses = Declaration.ConditionStatus.values
        if not icd10.is_valid(entry.get("code", "")) or entry.get("status") not in statuses:
            errors["conditions"] = _("A condition has an invalid ICD-10 code or status.")
    known = set(Declaration.FamilyCondition.values)
    unknown = set(data.family_history.get("conditions", ())) - known
    if unknown:
        errors["family_history"] = _("Choose family history from the list.")
    if data.diabetes == Declaration.YesNo.NO and any(
        entry.get("code", "").startswith(DIABETES_CODES) for entry in data.conditions
    ):
        errors["diabetes"] = _("The medical history lists diabetes; the answer cannot be no.")
    if errors:
        raise ValidationError(errors)


def _scores(data: DeclarationInput) -> dict[str, dict]:
    scores = {}
    for name in ("phq9", "gad7"):
        answers = getattr(data, name)
        if answers:
            try:
                scores[name] = questionnaires.score(questionnaires.INSTRUMENTS[name], answers)
            except ValueError:
                raise ValidationError({name: _("Each answer must be 0, 1, 2 or 3.")}) from None
    return scores


@transaction.atomic
def declaration_save(*, actor: Any, client: Client, data: DeclarationInput) -> Declaration:
    """Save a new version of the client's health declaration and its measurements.

    Questionnaires are scored only when complete; PHQ-9 item 9 > 0 sets an urgent follow-up
    flag and a positive screen a recommended one (the answers stay encrypted and restricted).
    Measurements become observations (source ``declaration``). A re-check task is queued.
    Raises: ConsentRequired (audited), ValidationError (nothing saved).
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    consent = consent_require(actor=actor, client=client, operation="declaration.save")
    _check_declaration(data)
    scores = _scores(data)
    version = (client.declarations.aggregate(v=Max("version"))["v"] or 0) + 1
    declaration = Declaration.objects.create(
        client=client, version=version, consent=consent,
        self_rated_health=data.self_rated_health, conditions=list(data.conditions),
        medications=data.medications, family_history=dict(data.family_history),
        smoking=data.smoking, alcohol=data.alcohol, region=data.region,
        residence=data.residence, bp_treatment=data.bp_treatment, diabetes=data.diabetes,
        notes=data.notes,
        phq9=dict(data.phq9) if data.phq9 else None, gad7=dict(data.gad7) if data.gad7 else None,
        scores=scores, measured_at=data.measured_at,
        follow_up=questionnaires.needs_follow_up(data.phq9, scores), submitted_by=actor,
    )  # fmt: skip
    # No follow-up flag in the details: it restates a questionnaire answer.
    audit.record(
        actor=actor, action=AuditAction.DECLARATION_SAVED, target=declaration, client=client,
        purpose=Purpose.HEALTH_CHECK, fields=_filled_fields(data), version=version,
    )  # fmt: skip
    items = [*data.observations, *_score_observations(scores, data.measured_at)]
    if items:
        observation_record(
            client=client, actor=actor, items=items, source=Observation.Source.DECLARATION,
            source_ref=str(declaration.public_id),
        )  # fmt: skip
    outbox.enqueue(RECHECK_TASK, client.pk)
    return declaration


def _filled_fields(data: DeclarationInput) -> list[str]:
    names = ("self_rated_health", "conditions", "medications", "family_history", "smoking")
    names += ("alcohol", "region", "residence", "bp_treatment", "diabetes", "notes", "phq9")
    names += ("gad7",)
    return [n for n in names if getattr(data, n)] + (["observations"] if data.observations else [])


def _score_observations(
    scores: Mapping[str, dict], measured_at: datetime.datetime | None
) -> list[ObservationInput]:
    when = measured_at or timezone.now()
    return [
        ObservationInput(name, Decimal(result["total"]), measurements.SCORE_UNIT, when)
        for name, result in scores.items()
        if result["complete"]
    ]


def _canonical(items: Sequence[ObservationInput]) -> list[measurements.Canonical]:
    """Convert and check every item; a diastolic must be below its reading's systolic."""
    converted, errors = [], {}
    for i, item in enumerate(items):
        try:
            converted.append(measurements.to_canonical(item.kind, item.value, item.unit))
        except measurements.MeasurementError as exc:
            errors[f"{item.kind}_{i}"] = str(exc)
    if errors:
        raise ValidationError(errors)
    readings: dict[uuid.UUID, dict[str, Decimal]] = {}
    for item, canonical in zip(items, converted, strict=True):
        if item.reading_id and item.kind in ("sbp", "dbp"):
            readings.setdefault(item.reading_id, {})[item.kind] = canonical.value
    for pair in readings.values():
        if len(pair) == 2 and pair["dbp"] >= pair["sbp"]:
            raise ValidationError({"dbp": _("The diastolic value must be below the systolic.")})
    return converted


@transaction.atomic
def observation_record(
    *,
    client: Client,
    actor: Any,
    items: Sequence[ObservationInput],
    source: str,
    source_ref: str = "",
    purpose: str = Purpose.HEALTH_CHECK,
) -> list[Observation]:
    """Record observations of a client in canonical units (public: results forms and FHIR
    imports of later steps write through here). One audit event per observation.

    Raises: ConsentRequired (audited), ValidationError (unknown kind or unit, implausible,
    diastolic not below systolic, bad source; nothing saved).
    """
    consent_require(actor=actor, client=client, operation="observation.record", purpose=purpose)
    if source not in Observation.Source.values:
        raise ValidationError({"source": _("Unknown source.")})
    created = []
    for item, canonical in zip(items, _canonical(items), strict=True):
        observation = Observation.objects.create(
            client=client, kind=item.kind,
            loinc_code=item.loinc_code or measurements.LOINC_BY_KIND.get(item.kind, ""),
            value=canonical.value, unit=canonical.unit,
            original_value=canonical.original_value, original_unit=canonical.original_unit,
            effective_at=item.effective_at, reading_id=item.reading_id,
            is_restricted=item.kind in measurements.RESTRICTED_KINDS,
            source=source, source_ref=source_ref[:100], recorded_by=actor,
        )  # fmt: skip
        audit.record(
            actor=actor, action=AuditAction.OBSERVATION_RECORDED, target=observation,
            client=client, purpose=purpose, fields=("value",), source=source,
            kind="restricted" if observation.is_restricted else item.kind,
        )  # fmt: skip
        created.append(observation)
    return created


@transaction.atomic
def health_recheck(*, client: Client, actor: Any) -> datetime.date | None:
    """Set the client's next review date from the latest declaration (12 months; 6 when
    follow-up is flagged). Run by the re-check task, which passes a system actor.

    Re-checks consent at run time: a task queued before a withdrawal does nothing.
    Raises: ConsentRequired (audited).
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    consent_require(actor=actor, client=client, operation="health.recheck")
    latest = client.declarations.order_by("-version").only("submitted_at", "follow_up").first()
    if latest is None:
        return None
    months = 6 if latest.follow_up else 12
    client.next_review_on = timezone.localdate(latest.submitted_at) + relativedelta(months=months)
    client.save(update_fields=["next_review_on", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.CLIENT_CHANGED, target=client, client=client,
        fields=("next_review_on",), reason="recheck",
    )  # fmt: skip
    return client.next_review_on


@transaction.atomic
def observations_mark_critical(*, client: Client, kinds: Sequence[str], actor: Any) -> int:
    """Mark the client's observations of ``kinds`` critical: they are behind
    an A-class flag, so selectors show them only to the medical advisor. Plaintext flag, no
    value read; one audit event naming the kinds. Returns how many rows were newly marked."""
    rows = Observation.objects.select_for_update().filter(
        client=client, kind__in=list(kinds), is_critical=False
    )
    marked = 0
    for observation in rows:
        observation.is_critical = True
        observation.save(update_fields=["is_critical"])
        marked += 1
    if marked:
        audit.record(
            actor=actor, action=AuditAction.CLIENT_CHANGED, target=client, client=client,
            fields=("observation.is_critical",), count=marked, reason="critical_finding",
        )  # fmt: skip
    return marked
