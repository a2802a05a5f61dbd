"""Measurement kinds, entry units and conversion to the rule engine's canonical units.

Kinds are the engine's observation kinds (``assessments.rules.units.KINDS``), so assessment
reads stored observations without mapping; conversions and plausible ranges come from the
engine's unit table too (one source of truth for units; ``assessments.rules`` is pure Python
with no Django imports, so this import does not make clients depend on the assessments app's
models). Entry units the engine does not know (the Chinese 斤 jin) are converted here first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from assessments.rules import units

# Questionnaire totals stored as observations (restricted class; the engine's measure names).
QUESTIONNAIRE_KINDS = ("phq9", "gad7")
RESTRICTED_KINDS = frozenset(QUESTIONNAIRE_KINDS)
SCORE_UNIT = "{score}"

# LOINC code per kind for the canonical unit (RULES.md §5.1; the molar codes for lab kinds).
LOINC_BY_KIND = {
    "height": "8302-2", "weight": "29463-7", "waist": "8280-0", "bmi": "39156-5",
    "sbp": "8480-6", "dbp": "8462-4", "heart_rate": "8867-4",
    "fasting_glucose": "14771-0", "glucose": "14749-6", "hba1c": "4548-4",
    "total_cholesterol": "14647-2", "hdl_c": "14646-4", "ldl_c": "39469-2",
    "triglycerides": "14927-8", "creatinine": "14682-9", "uric_acid": "14933-6",
    "egfr": "98979-8", "potassium": "2823-3", "sodium": "2951-2", "haemoglobin": "718-7",
    "platelets": "777-3", "phq9": "44261-6", "gad7": "70274-6",
}  # fmt: skip

KIND_LABELS = {
    "height": _("Height"), "weight": _("Weight"), "waist": _("Waist circumference"),
    "bmi": _("BMI"), "sbp": _("Systolic blood pressure"), "dbp": _("Diastolic blood pressure"),
    "heart_rate": _("Heart rate"), "fasting_glucose": _("Fasting glucose"),
    "glucose": _("Glucose"), "hba1c": _("HbA1c"), "total_cholesterol": _("Total cholesterol"),
    "hdl_c": _("HDL cholesterol"), "ldl_c": _("LDL cholesterol"),
    "triglycerides": _("Triglycerides"), "creatinine": _("Creatinine"),
    "uric_acid": _("Uric acid"), "egfr": _("eGFR"), "potassium": _("Potassium"),
    "sodium": _("Sodium"), "haemoglobin": _("Haemoglobin"), "platelets": _("Platelets"),
    "phq9": _("PHQ-9 total"), "gad7": _("GAD-7 total"),
}  # fmt: skip

# Entry units offered on the declaration form: code -> (label, engine UCUM unit, pre-factor).
JIN = "jin"
ENTRY_UNITS: dict[str, tuple[str, ...]] = {
    "height": ("cm", "m"),
    "weight": ("kg", JIN, "[lb_av]"),
    "waist": ("cm", "m"),
    "sbp": ("mm[Hg]", "kPa"),
    "dbp": ("mm[Hg]", "kPa"),
    "heart_rate": ("/min",),
}
UNIT_LABELS = {
    "cm": _("cm"), "m": _("m"), "kg": _("kg"), JIN: _("jin (斤, 0.5 kg)"), "[lb_av]": _("lb"),
    "mm[Hg]": _("mmHg"), "kPa": _("kPa"), "/min": _("beats/min"), "kg/m2": _("kg/m²"),
    "{score}": _("points"), "mmol/L": "mmol/L", "umol/L": "µmol/L", "%": "%", "g/L": "g/L",
    "g": "g", "[in_i]": "in", "mg/dL": "mg/dL", "g/dL": "g/dL", "meq/L": "mEq/L",
    "mmol/mol": "mmol/mol", "10*9/L": "×10⁹/L", "10*3/uL": "×10³/µL",
    "mL/min/{1.73_m2}": "mL/min/1.73m²",
}  # fmt: skip
_JIN_KG = Decimal("0.5")  # 1 市斤 = 500 g exactly (the legal unit since 1959)
STORED_PLACES = Decimal("0.0001")  # the model's decimal_places


class MeasurementError(ValueError):
    """A value that cannot be stored: unknown kind or unit, or implausible (message is shown)."""


@dataclass(frozen=True)
class Canonical:
    kind: str
    value: Decimal
    unit: str
    original_value: Decimal
    original_unit: str


def known_kinds() -> frozenset[str]:
    return frozenset(units.KINDS) | RESTRICTED_KINDS


def canonical_unit(kind: str) -> str:
    return SCORE_UNIT if kind in RESTRICTED_KINDS else units.KINDS[kind].canonical


def to_canonical(kind: str, value: Decimal, unit: str) -> Canonical:
    """Convert ``value unit`` of ``kind`` to its canonical unit and check it is plausible.

    Raises: MeasurementError (unknown kind/unit, not finite, implausible).
    """
    if kind not in known_kinds():
        raise MeasurementError(_("Unknown measurement kind."))
    try:
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise MeasurementError(_("Enter a number.")) from None
    if kind in RESTRICTED_KINDS:
        return _score(kind, value, unit)
    engine_value, engine_unit = (value * _JIN_KG, "kg") if unit == JIN else (value, unit)
    try:
        canonical = units.to_canonical(kind, engine_value, engine_unit)
    except units.UnitError:
        raise MeasurementError(_("This unit cannot be used for this measurement.")) from None
    spec = units.KINDS[kind]
    if not spec.low <= canonical <= spec.high:
        raise MeasurementError(
            _("Implausible value: %(label)s must be between %(low)s and %(high)s %(unit)s.")
            % {
                "label": KIND_LABELS.get(kind, kind),
                "low": spec.low,
                "high": spec.high,
                "unit": UNIT_LABELS.get(spec.canonical, spec.canonical),
            }
        )
    stored = canonical.quantize(STORED_PLACES, rounding=ROUND_HALF_UP)
    return Canonical(kind, stored, spec.canonical, value, unit)


def _score(kind: str, value: Decimal, unit: str) -> Canonical:
    limit = 27 if kind == "phq9" else 21
    if unit != SCORE_UNIT or value != value.to_integral_value() or not 0 <= value <= limit:
        raise MeasurementError(_("A questionnaire total must be a whole number in range."))
    return Canonical(kind, value, SCORE_UNIT, value, unit)


def bmi(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """BMI in kg/m² rounded half-up to 0.1 (display only; the engine derives its own)."""
    metres = height_cm / Decimal(100)
    return (weight_kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
