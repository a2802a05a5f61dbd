"""Engine inputs (CaseInputs, Observation) and their validation, shared by the web form and FHIR.

Everything here is plain data: the web app builds a ``CaseInputs`` from its forms, ``fhir.py``
from a Bundle, and both get the same problems from ``validate_inputs`` before the engine runs.

Observation kinds are the keys of ``units.KINDS`` (``weight``, ``height``, ``waist``, ``bmi``,
``sbp``, ``dbp``, ``heart_rate``, ``fasting_glucose``, ``glucose``, ``hba1c``,
``total_cholesterol``, ``ldl_c``, ``hdl_c``, ``triglycerides``, ``creatinine``, ``uric_acid``,
``egfr``, ``potassium``, ``sodium``, ``haemoglobin``, ``platelets``). Questionnaires are
``{"phq9": {1: 0, ..., 9: 2}, "gad7": {...}}`` with item numbers in questionnaire order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from assessments.rules import units

QUESTIONNAIRE_ITEMS = {"phq9": 9, "gad7": 7}
ICD10_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
SEXES = ("male", "female")
REGIONS = ("north", "south")  # China-PAR: divided by the Yangtze River (RULES.md §3.1)
RESIDENCES = ("urban", "rural")


class InputError(ValueError):
    """The inputs cannot be evaluated; ``problems`` names each problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid inputs:\n- " + "\n- ".join(problems))


@dataclass(frozen=True)
class Observation:
    """One measured value as reported: ``kind`` (see module docstring), exact ``Decimal`` value,
    UCUM ``unit`` (display "mmHg" accepted), when it was taken, and optionally its source code."""

    kind: str
    value: Decimal
    unit: str
    effective: date | datetime
    code: str | None = None

    @property
    def day(self) -> date:
        """The examination date (local to the timestamp as written)."""
        return self.effective.date() if isinstance(self.effective, datetime) else self.effective

    @property
    def sort_key(self) -> tuple[date, time]:
        """Orders observations by date, then time of day as written (date-only first)."""
        if isinstance(self.effective, datetime):
            return self.effective.date(), self.effective.time()
        return self.effective, time.min


@dataclass(frozen=True)
class CaseInputs:
    """Everything the engine reads about one client. Unknown facts are ``None``, never guessed.

    ``birth_date`` wins over ``age`` when both are given. ``conditions`` are ICD-10 codes.
    ``region`` is "north"/"south", ``residence`` "urban"/"rural" (China-PAR inputs).
    """

    sex: str | None = None
    birth_date: date | None = None
    age: int | None = None
    observations: Sequence[Observation] = ()
    questionnaires: Mapping[str, Mapping[int, object]] = field(default_factory=dict)
    conditions: Sequence[str] = ()
    smoker: bool | None = None
    diabetes: bool | None = None
    on_bp_treatment: bool | None = None
    family_history_ascvd: bool | None = None
    region: str | None = None
    residence: str | None = None


def validate_inputs(inputs: CaseInputs) -> list[str]:
    """Every problem that stops ``inputs`` from being evaluated; empty when they are valid."""
    problems = []
    for i, obs in enumerate(inputs.observations):
        problems.extend(observation_problems(obs, f"observation {i + 1} ({obs.kind})"))
    if problems:  # case-level checks assume valid observations
        return problems
    return case_problems(inputs)


def observation_problems(obs: Observation, where: str) -> list[str]:
    """Problems of one observation: kind, exact value, UCUM unit, plausibility, date."""
    if obs.kind not in units.KINDS:
        return [f"{where}: unknown observation kind '{obs.kind}'"]
    if not isinstance(obs.value, Decimal) or not obs.value.is_finite():
        return [f"{where}: value {obs.value!r} must be a finite Decimal (floats lose precision)"]
    if not isinstance(obs.effective, date):
        return [f"{where}: effective must be a date or datetime"]
    try:
        unit = units.normalise_unit(obs.unit)
    except units.UnitError as exc:
        return [f"{where}: {exc}"]
    problem = units.plausibility_problem(obs.kind, obs.value, unit)
    return [f"{where}: {problem}"] if problem else []


def case_problems(inputs: CaseInputs) -> list[str]:
    """Problems across the case: demographics, facts, questionnaires, codes, swapped BP."""
    problems = _demographic_problems(inputs)
    for name in ("smoker", "diabetes", "on_bp_treatment", "family_history_ascvd"):
        if getattr(inputs, name) not in (None, True, False):
            problems.append(f"{name} must be true, false or unknown")
    for instrument, items in inputs.questionnaires.items():
        problems.extend(questionnaire_problems(instrument, items))
    for code in inputs.conditions:
        if not isinstance(code, str) or not ICD10_CODE.match(code):
            problems.append(f"condition {code!r} is not an ICD-10 code")
    problems.extend(blood_pressure_problems(inputs.observations))
    return problems


def _demographic_problems(inputs: CaseInputs) -> list[str]:
    problems = []
    if inputs.sex not in (None, *SEXES):
        problems.append(f"sex {inputs.sex!r} must be male, female or unknown")
    if inputs.region not in (None, *REGIONS):
        problems.append(f"region {inputs.region!r} must be north or south")
    if inputs.residence not in (None, *RESIDENCES):
        problems.append(f"residence {inputs.residence!r} must be urban or rural")
    if inputs.birth_date is not None and not isinstance(inputs.birth_date, date):
        problems.append("birth_date must be a date")
    age = inputs.age
    if age is not None and (
        isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130
    ):
        problems.append(f"age {age!r} must be a whole number of years 0-130")
    return problems


def questionnaire_problems(instrument: str, items: Mapping[int, object]) -> list[str]:
    """Each answer must be a whole number 0-3 for an item of the instrument (case B27)."""
    if instrument not in QUESTIONNAIRE_ITEMS:
        return [f"unknown questionnaire '{instrument}' (known: phq9, gad7)"]
    count, problems = QUESTIONNAIRE_ITEMS[instrument], []
    for item, answer in items.items():
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= count:
            problems.append(f"{instrument}: item {item!r} is not an item number 1-{count}")
        elif isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= 3:
            problems.append(
                f"{instrument} item {item}: answer {answer!r} is not a whole number 0-3"
            )
    return problems


def blood_pressure_problems(observations: Sequence[Observation]) -> list[str]:
    """Diastolic >= systolic is a probable swapped entry (case B26), per reading and per day."""
    problems = []
    readings: dict[object, dict[str, Decimal]] = {}
    days: dict[date, dict[str, list[Decimal]]] = {}
    for obs in observations:
        if obs.kind in ("sbp", "dbp"):
            mmhg = units.to_canonical(obs.kind, obs.value, obs.unit)
            readings.setdefault(obs.effective, {})[obs.kind] = mmhg
            days.setdefault(obs.day, {"sbp": [], "dbp": []})[obs.kind].append(mmhg)
    for when, pair in readings.items():
        if len(pair) == 2 and pair["dbp"] >= pair["sbp"]:
            problems.append(
                f"blood pressure {pair['sbp']}/{pair['dbp']} mmHg at {when}: "
                "diastolic >= systolic, probable swapped entry"
            )
    for day, lists in days.items():
        if lists["sbp"] and lists["dbp"] and not problems:
            sbp, dbp = (sum(v) / len(v) for v in (lists["sbp"], lists["dbp"]))
            if dbp >= sbp:
                problems.append(
                    f"blood pressure on {day}: mean diastolic >= mean systolic, "
                    "probable swapped entry"
                )
    return problems
