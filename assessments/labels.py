"""Display labels for the engine's and the workflow's codes: the one place of truth.

Pages never show a raw code (``grade_3``, ``mm[Hg]``, ``proceed_with_controls``,
``results.refused``): templates go through the filters of ``assessments/templatetags/labels.py``,
which call the functions here. Every label is translatable; an unknown code falls back to the
code itself, so a new pack band shows up (untranslated) rather than disappearing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from assessments.models import Case, Control, Decision, Outcome, Referral
from assessments.models.emergencies import Emergency
from assessments.models.results import ResultImport
from clients import measurements
from healthcheck.core.audit.actions import AuditAction

# Measures of the rule packs (and observation kinds): the clients app's labels plus the
# engine's compound measures.
MEASURE_LABELS: dict[str, Any] = {
    **measurements.KIND_LABELS,
    "blood_pressure": _("Blood pressure"),
}

# Band ids shared by several measures (a measure-specific entry below wins).
BAND_LABELS: dict[str, Any] = {
    "normal": _("Normal"),
    "high_normal": _("High-normal"),
    "optimal": _("Optimal"),
    "elevated": _("Elevated"),
    "high": _("High"),
    "very_high": _("Very high"),
    "low": _("Low"),
    "borderline_high": _("Borderline high"),
    "desirable": _("Desirable"),
    "ideal": _("Ideal"),
    "near_optimal": _("Near optimal"),
    "underweight": _("Underweight"),
    "overweight": _("Overweight"),
    "pre_obese": _("Pre-obese"),
    "obese": _("Obese"),
    "obese_1": _("Obese class I"),
    "obese_2": _("Obese class II"),
    "obese_3": _("Obese class III"),
    "central_obesity": _("Central obesity"),
    "pre_central_obesity": _("Pre-central obesity"),
    "increased": _("Increased risk"),
    "substantially_increased": _("Substantially increased risk"),
    "grade_1": _("Grade 1 hypertension"),
    "grade_2": _("Grade 2 hypertension"),
    "grade_3": _("Grade 3 hypertension"),
    "stage_1": _("Stage 1 hypertension"),
    "stage_2": _("Stage 2 hypertension"),
    "crisis": _("Hypertensive crisis"),
    "bradycardia": _("Bradycardia"),
    "tachycardia": _("Tachycardia"),
    "critically_low": _("Critically low"),
    "impaired": _("Impaired fasting glucose"),
    "prediabetes": _("Prediabetes"),
    "diabetes": _("Diabetes range"),
    "hyperuricaemia": _("Hyperuricaemia"),
    "G1": _("G1 (normal or high)"),
    "G2": _("G2 (mildly decreased)"),
    "G3a": _("G3a (mildly to moderately decreased)"),
    "G3b": _("G3b (moderately to severely decreased)"),
    "G4": _("G4 (severely decreased)"),
    "G5": _("G5 (kidney failure)"),
    "minimal": _("Minimal"),
    "mild": _("Mild"),
    "moderate": _("Moderate"),
    "moderately_severe": _("Moderately severe"),
    "severe": _("Severe"),
    "isolated_systolic": _("Isolated systolic hypertension"),
}
MEASURE_BAND_LABELS: dict[tuple[str, str], Any] = {
    ("hdl_c", "high"): _("High (protective)"),
    ("waist", "high"): _("High"),
}

# The engine's recommendation and the four outcomes (an assessment's floor, a decision).
RECOMMENDATION_LABELS: dict[str, Any] = {
    "emergency": _("Emergency"),
    "refer": _("Refer"),
    "proceed": _("Proceed"),
}
OUTCOME_LABELS: dict[str, Any] = dict(Outcome.choices)
CONTROL_LABELS: dict[str, Any] = dict(Control.choices)
FLAG_CLASS_LABELS: dict[str, Any] = {
    "A": _("A-class (critical)"),
    "B": _("B-class (follow-up)"),
}

# Kinds of the health-file timeline (assessments.services.healthfile.Entry.kind).
TIMELINE_KIND_LABELS: dict[str, Any] = {
    "consent": _("Consent"),
    "declaration": _("Health declaration"),
    "assessment": _("Assessment"),
    "referral": _("Referral"),
    "decision": _("Decision"),
    "emergency": _("Emergency"),
    "follow_up": _("Follow-up"),
}

CASE_STATUS_LABELS: dict[str, Any] = dict(Case.Status.choices)
AUDIT_ACTION_LABELS: dict[str, Any] = dict(AuditAction.choices)

# The nouns and codes of audit target labels ("case 1c61fc79 results_received"): recorded in
# English at the time of the event (the sealed chain keeps them); shown translated.
AUDIT_TARGET_NOUNS: dict[str, Any] = {
    "case": _("Case"),
    "assessment": _("Assessment"),
    "decision": _("Decision"),
    "referral": _("Referral"),
    "emergency": _("Emergency"),
    "opinion": _("Medical opinion"),
    "declaration": _("Health declaration"),
    "observation": _("Observation"),
}
_AUDIT_TARGET_CODES: dict[str, Any] = {
    **dict(Decision.Status.choices),
    **dict(Referral.Status.choices),
    **dict(Emergency.Trigger.choices),
    **dict(ResultImport.Source.choices),
    **MEASURE_LABELS,
    **OUTCOME_LABELS,
    **RECOMMENDATION_LABELS,
    **CASE_STATUS_LABELS,
}


def measure_label(code: str) -> Any:
    return MEASURE_LABELS.get(code, code)


def band_label(band: str | None, measure: str = "") -> Any:
    """A band id of a measure (``grade_3`` of blood_pressure: "Grade 3 hypertension")."""
    if not band:
        return ""
    short = band.rsplit(".", 1)[-1]  # pack markers: "cn.blood_pressure.isolated_systolic"
    return MEASURE_BAND_LABELS.get((measure, short)) or BAND_LABELS.get(short, band)


def recommendation_label(code: str | None) -> Any:
    return RECOMMENDATION_LABELS.get(code or "", code or "")


def outcome_label(code: str | None) -> Any:
    return OUTCOME_LABELS.get(code or "", code or "")


def control_label(code: str | None) -> Any:
    return CONTROL_LABELS.get(code or "", code or "")


def flag_label(cls: str, measure: str) -> str:
    """``A-class (critical): Blood pressure`` (the pack's English reason stays in the trace)."""
    return str(
        _("%(class)s: %(measure)s")
        % {"class": FLAG_CLASS_LABELS.get(cls, cls), "measure": measure_label(measure)}
    )


def timeline_kind_label(code: str) -> Any:
    return TIMELINE_KIND_LABELS.get(code, code)


def case_status_label(code: str) -> Any:
    return CASE_STATUS_LABELS.get(code, code)


def code_label(code: Any) -> Any:
    """Any workflow code (recommendation, outcome, case state) or the value unchanged."""
    if not isinstance(code, str):
        return code
    for table in (RECOMMENDATION_LABELS, OUTCOME_LABELS, CASE_STATUS_LABELS):
        if code in table:
            return table[code]
    return code


def audit_action_label(code: str) -> Any:
    return AUDIT_ACTION_LABELS.get(code, code)


def audit_target_label(label: str) -> str:
    """``case 1c61fc79 results_received`` → ``Case 1c61fc79 · Results received``."""
    words = (label or "").split()
    if not words or words[0] not in AUDIT_TARGET_NOUNS:
        return label
    rest = [str(_AUDIT_TARGET_CODES.get(w, w)) for w in words[1:]]
    return " · ".join([" ".join([str(AUDIT_TARGET_NOUNS[words[0]]), *rest[:1]]), *rest[1:]])


def unit_label(code: str | None) -> Any:
    """A UCUM code as people write it (``mm[Hg]`` → mmHg, ``10*9/L`` → ×10⁹/L)."""
    return measurements.UNIT_LABELS.get(code or "", code or "")


def plain_decimal(value: Any) -> Any:
    """``101.8000`` → ``101.8``; ``52.0000`` → ``52``; anything not a number unchanged."""
    if isinstance(value, bool) or value is None or value == "":
        return value
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
