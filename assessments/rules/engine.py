"""The rule engine: evaluate one case's inputs against a rule pack and explain the result.

Call ``evaluate(inputs, pack=None, as_of=None, critical_overrides=None) -> Result``. It is pure: the
same inputs, pack version and ``as_of`` always give the same result, which is why the pack id and
version are part of the result.

How a case is read (issue 6; RULES.md sections in brackets):

* ``as_of`` defaults to the latest observation date; observations after it are ignored, so a
  backtest "as of" a stored date sees what the assessment saw. Age is completed years at ``as_of``.
* Each measure takes its latest observation. BMI is computed from the latest weight and height
  when both exist (else a reported BMI) and rounded half-up to 0.1 before banding [§1.1]. Blood
  pressure is the mean of the readings of the latest examination date, rounded half-up to whole
  mmHg; each of SBP and DBP is banded and the worse band wins [§1.3]. eGFR is computed with CKD-EPI
  2021 from the latest creatinine when not reported [§1.7]. PHQ-9/GAD-7 are scored only when every
  item is answered [§1.10]; otherwise the measure is "incomplete" with no score and no band.
* A value is banded in its reported unit when the pack has thresholds in that unit (case B28),
  otherwise converted [§1.11] and rounded half-up to the pack's precision.
* Flags: A-class rules (critical values [§2]) make the recommendation ``emergency``; B-class rules
  call for clinical follow-up. Debits add up; the outcome floor is the strictest of the fired
  rules' floors and the pack's debit tier [§4.4]. Recommendation: ``emergency`` on any A flag,
  ``proceed`` when BP and BMI are present, every measure is in a healthy band and nothing is
  flagged, ``refer`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from assessments.rules import packs, risk, units
from assessments.rules.bands import classify
from assessments.rules.inputs import CaseInputs, InputError, Observation, validate_inputs
from assessments.rules.packs import MeasureDef, Pack, Rule, Scale
from assessments.rules.result import Flag, MeasureResult, Result, TraceEntry

MMHG = "mm[Hg]"
SCORE = "{score}"
EGFR_UNIT = "mL/min/{1.73_m2}"
DIRECT = (
    "waist",
    "heart_rate",
    "fasting_glucose",
    "hba1c",
    "total_cholesterol",
    "ldl_c",
    "hdl_c",
    "triglycerides",
    "uric_acid",
    *packs.CRITICAL_ONLY,
)


def evaluate(
    inputs: CaseInputs,
    pack: Pack | str | None = None,
    as_of: date | None = None,
    critical_overrides: Sequence[Mapping] | None = None,
) -> Result:
    """Evaluate ``inputs`` with ``pack`` (a Pack, a pack id, or None for the default ``cn``).

    ``critical_overrides`` is an institution's critical-value list: A-class rules in pack format
    that replace the pack's rule of the same id or add to them (RULES.md §2.1: each institution
    sets its own values). Raises InputError (invalid inputs) or PackError (bad pack/overrides).
    """
    pack = packs.load_pack(pack or packs.DEFAULT_PACK) if not isinstance(pack, Pack) else pack
    rules = _with_overrides(pack, critical_overrides)
    problems = validate_inputs(inputs)
    if problems:
        raise InputError(problems)
    case = _Case(inputs, pack, as_of or _default_as_of(inputs))
    measures = case.band_measures()
    estimates = case.estimate_risks()
    flags, debits, floors = case.apply_rules(rules)
    floors.append(_tier_floor(pack, debits, case))
    floor = max(floors, key=packs.OUTCOMES.index)
    return Result(
        pack.id,
        pack.version,
        case.as_of,
        tuple(measures),
        tuple(estimates),
        tuple(flags),
        debits,
        floor,
        _recommend(measures, flags),
        tuple(case.trace),
    )


def _with_overrides(pack: Pack, overrides: Sequence[Mapping] | None) -> tuple[Rule, ...]:
    if not overrides:
        return pack.rules
    extra = packs.parse_rules(list(overrides), pack, "critical_overrides")
    not_critical = [r.id for r in extra if r.flag != "A"]
    if not_critical:
        raise packs.PackError(
            [f"critical_overrides: '{i}' is not an A-class rule" for i in not_critical]
        )
    replaced = {r.id: r for r in extra}
    kept = tuple(replaced.pop(r.id, r) for r in pack.rules)
    return kept + tuple(replaced.values())


def _default_as_of(inputs: CaseInputs) -> date:
    days = [o.day for o in inputs.observations]
    return max(days) if days else date.today()


def _tier_floor(pack: Pack, debits: int, case: _Case) -> str:
    """The outcome floor of the highest debit tier reached (RULES.md §4.1-4.2), traced."""
    reached = [tier for tier in pack.debit_tiers if debits >= tier.at_least]
    if not reached:
        return "proceed"
    tier = reached[-1]
    case.trace.append(
        TraceEntry(f"{pack.id}.debit_tier", {"debits": str(debits)},
                   f"debits >= {tier.at_least}", pack.cite(tier.sources), tier.outcome_floor)
    )  # fmt: skip
    return tier.outcome_floor


def _recommend(measures: Sequence[MeasureResult], flags: Sequence[Flag]) -> str:
    if any(f.cls == "A" for f in flags):
        return "emergency"
    present = {m.measure for m in measures if m.band is not None}
    if flags or not {"blood_pressure", "bmi"} <= present:
        return "refer"
    return "refer" if any(m.healthy is False for m in measures) else "proceed"


class _Case:
    """One case being evaluated; implements the conditions.Context protocol for rules."""

    def __init__(self, inputs: CaseInputs, pack: Pack, as_of: date):
        self.inputs, self.pack, self.as_of = inputs, pack, as_of
        self.trace: list[TraceEntry] = []
        self.latest: dict[str, Observation] = {}
        for obs in sorted(inputs.observations, key=lambda o: o.sort_key):
            if obs.day <= as_of:
                self.latest[obs.kind] = obs
        self.age = _age(inputs, as_of)
        self.values: dict[str, tuple[Decimal, str]] = {}
        self.bands: dict[str, str] = {}
        self.risks: dict[str, Decimal | None] = {}
        self.incomplete: dict[str, int] = {}
        self.extra_inputs: dict[str, dict[str, str]] = {}
        self.bp_day: date | None = None
        self._derive()

    # --- deriving values -------------------------------------------------------------------------

    def _derive(self) -> None:
        if self.age is not None:
            self.values["age"] = (Decimal(self.age), "")
        for kind in DIRECT:
            if kind in self.latest:
                obs = self.latest[kind]
                self.values[kind] = (obs.value, units.normalise_unit(obs.unit))
        self._derive_bmi()
        self._derive_blood_pressure()
        self._derive_egfr()
        for instrument in packs.SCORES:
            self._derive_score(instrument)

    def _derive_bmi(self) -> None:
        weight, height = self.latest.get("weight"), self.latest.get("height")
        if weight and height:
            kg = units.to_canonical("weight", weight.value, weight.unit)
            cm = units.to_canonical("height", height.value, height.unit)
            # kg / m² with height in cm: exact in Decimal, unlike floats (case B25: 64 kg/160 cm)
            self.values["bmi"] = (kg * 10000 / (cm * cm), "kg/m2")
            self.extra_inputs["bmi"] = {
                "weight": f"{weight.value} {weight.unit}",
                "height": f"{height.value} {height.unit}",
            }
        elif "bmi" in self.latest:
            self.values["bmi"] = (self.latest["bmi"].value, "kg/m2")

    def _derive_blood_pressure(self) -> None:
        readings = [
            o for o in self.inputs.observations if o.kind in ("sbp", "dbp") and o.day <= self.as_of
        ]
        if not readings:
            return
        self.bp_day = day = max(o.day for o in readings)
        for kind in ("sbp", "dbp"):
            same_day = [
                units.to_canonical(kind, o.value, o.unit)
                for o in readings
                if o.kind == kind and o.day == day
            ]
            if same_day:
                mean = sum(same_day) / len(same_day)
                self.values[kind] = (units.round_half_up(mean, Decimal(1)), MMHG)
                self.values[f"{kind}.readings"] = (Decimal(len(same_day)), "")

    def _derive_egfr(self) -> None:
        if "egfr" in self.latest:
            self.values["egfr"] = (self.latest["egfr"].value, EGFR_UNIT)
            return
        creatinine = self.latest.get("creatinine")
        if creatinine is None or self.age is None or self.inputs.sex is None:
            return
        mgdl = units.convert("creatinine", creatinine.value, creatinine.unit, "mg/dL")
        try:
            egfr = risk.ckd_epi_2021(sex=self.inputs.sex, age=self.age, creatinine_mgdl=mgdl)
        except risk.NotApplicable:
            return
        self.values["egfr"] = (egfr, EGFR_UNIT)
        self.trace.append(
            TraceEntry(
                "ckd_epi_2021",
                {
                    "creatinine": f"{creatinine.value} {creatinine.unit}",
                    "age": str(self.age),
                    "sex": self.inputs.sex,
                },
                "eGFR = 142 x min(Scr/k,1)^a x max(Scr/k,1)^-1.200 x 0.9938^age [x 1.012 female]",
                "CKD-EPI 2021, Inker et al. NEJM 2021;385:1737 (RULES.md §1.7)",
                f"{units.round_half_up(egfr, Decimal('0.1'))} {EGFR_UNIT}",
            )
        )

    def _derive_score(self, instrument: str) -> None:
        items = self.inputs.questionnaires.get(instrument)
        if not items:
            return
        count = packs.SCORES[instrument]
        for item, answer in items.items():
            self.values[f"{instrument}.item{item}"] = (Decimal(answer), "")
        if len(items) == count:
            self.values[instrument] = (Decimal(sum(items.values())), SCORE)
        else:  # case B27: never score an incomplete questionnaire
            self.incomplete[instrument] = len(items)

    # --- banding ---------------------------------------------------------------------------------

    def band_measures(self) -> list[MeasureResult]:
        results = []
        for name, mdef in self.pack.measures.items():
            result = self._band(name, mdef)
            if result:
                results.append(result)
        for name in packs.CRITICAL_ONLY:
            if name in self.values and name not in self.pack.measures:
                value, unit = self.values[name]
                results.append(MeasureResult(name, value, unit, None, None, status="unbanded"))
        return results

    def _band(self, name: str, mdef: MeasureDef) -> MeasureResult | None:
        if name in self.incomplete:
            self.trace.append(
                TraceEntry(
                    f"{self.pack.id}.{name}.band",
                    {name: f"{self.incomplete[name]} of {packs.SCORES[name]} items answered"},
                    "all items answered",
                    "RULES.md §1.10",
                    "incomplete",
                )
            )
            return MeasureResult(name, None, SCORE, None, False, status="incomplete")
        key = "sbp" if name == "blood_pressure" else name
        if key not in self.values or (name == "blood_pressure" and "dbp" not in self.values):
            return None
        scale = self._scale(mdef, self.values[key][1])
        if scale is None:
            value, unit = self.values[key]
            self.trace.append(
                TraceEntry(
                    f"{self.pack.id}.{name}.band",
                    {name: f"{value} {unit}"},
                    "sex-specific bands",
                    "",
                    "not banded: sex unknown",
                )
            )
            return MeasureResult(name, value, unit, None, False, status="unbanded")
        if name == "blood_pressure":
            return self._band_bp(mdef, scale)
        value = self._scaled(name, scale)
        band = classify(scale.bands, value)
        self.bands[name] = band.id
        inputs = {name: f"{value} {scale.unit}", **self.extra_inputs.get(name, {})}
        self.trace.append(
            TraceEntry(
                f"{self.pack.id}.{name}.band",
                inputs,
                band.interval.describe(name, scale.unit),
                self.pack.cite(band.sources),
                band.id,
            )
        )
        return MeasureResult(name, value, scale.unit, band.id, band.id in mdef.healthy)

    def _scale(self, mdef: MeasureDef, unit: str) -> Scale | None:
        fitting = [s for s in mdef.scales if s.sex in (None, self.inputs.sex)]
        if not fitting:
            return None
        return next((s for s in fitting if s.unit == unit), fitting[0])

    def _scaled(self, kind: str, scale: Scale) -> Decimal:
        value, unit = self.values[kind]
        if unit != scale.unit:
            converted = units.convert(kind, value, unit, scale.unit)
            return units.round_half_up(converted, scale.precision)
        if scale.rounding == "always":
            return units.round_half_up(value, scale.precision)
        return value

    def _band_bp(self, mdef: MeasureDef, scale: Scale) -> MeasureResult:
        found = {c: classify(bands, self._scaled(c, scale)) for c, bands in scale.components}
        worst = max(found.values(), key=lambda b: mdef.order.index(b.id))
        self.bands["blood_pressure"] = worst.id
        sbp, dbp = self._scaled("sbp", scale), self._scaled("dbp", scale)
        inputs = {
            "sbp": f"{sbp} {MMHG}",
            "dbp": f"{dbp} {MMHG}",
            "readings": f"{self.values['sbp.readings'][0]} on {self.bp_day}",
        }
        threshold = "; ".join(b.interval.describe(c, scale.unit) for c, b in found.items())
        self.trace.append(
            TraceEntry(
                f"{self.pack.id}.blood_pressure.band",
                inputs,
                threshold,
                self.pack.cite(worst.sources),
                worst.id,
            )
        )
        for marker in mdef.markers:
            self._trace_rule(marker, marker.when.evaluate(self))
        return MeasureResult(
            "blood_pressure",
            sbp,
            scale.unit,
            worst.id,
            worst.id in mdef.healthy,
            display=f"{sbp}/{dbp}",
        )

    # --- risk and rules --------------------------------------------------------------------------

    def estimate_risks(self) -> list[risk.RiskEstimate]:
        available = self._risk_inputs()
        estimates = []
        for ref in self.pack.risk_models:
            estimate = risk.estimate(ref.model, ref.calibration, available)
            self.risks[ref.model] = estimate.percent
            estimates.append(estimate)
            calibration = f" ({ref.calibration})" if ref.calibration else ""
            result = (
                f"{estimate.percent} %"
                if estimate.percent is not None
                else f"not applicable: {estimate.not_applicable}"
            )
            self.trace.append(
                TraceEntry(
                    f"risk.{ref.model}",
                    estimate.inputs,
                    f"10-year CVD risk model{calibration}",
                    self.pack.cite(ref.sources),
                    result,
                )
            )
        return estimates

    def _risk_inputs(self) -> dict[str, object]:
        i = self.inputs
        available: dict[str, object] = {
            "sex": i.sex,
            "age": self.age,
            "smoker": i.smoker,
            "diabetes": i.diabetes,
            "on_bp_treatment": i.on_bp_treatment,
            "region": i.region,
            "residence": i.residence,
            "family_history_ascvd": i.family_history_ascvd,
            "total_cholesterol": self.values.get("total_cholesterol"),
            "hdl_c": self.values.get("hdl_c"),
        }
        if "sbp" in self.values:
            available["sbp"] = self.values["sbp"][0]
        if "waist" in self.values:
            value, unit = self.values["waist"]
            available["waist"] = units.to_canonical("waist", value, unit)
        bmi = self.pack.measures.get("bmi")
        if "bmi" in self.values and bmi:
            available["bmi"] = self._scaled("bmi", bmi.scales[0])
        return available

    def apply_rules(self, rules: Sequence[Rule]) -> tuple[list[Flag], int, list[str]]:
        flags, debits, floors = [], 0, ["proceed"]
        for rule in rules:
            fired = rule.when.evaluate(self)
            self._trace_rule(rule, fired)
            if fired is not True:
                continue
            if rule.flag:
                flags.append(Flag(rule.flag, rule.measure, rule.reason, rule.id))
            debits += rule.debits
            if rule.outcome_floor:
                floors.append(rule.outcome_floor)
        return flags, debits, floors

    def _trace_rule(self, rule: Rule, fired: bool | None) -> None:
        shown = {}
        for name in sorted(rule.when.inputs()):
            text = self._describe_input(name)
            if text is not None:
                shown[name] = text
        result = {True: "fired", False: "not fired", None: "not evaluated: input missing"}[fired]
        self.trace.append(
            TraceEntry(rule.id, shown, rule.when.describe(), self.pack.cite(rule.sources), result)
        )

    def _describe_input(self, name: str) -> str | None:
        if name.startswith("risk:"):
            percent = self.risks.get(name[5:])
            return None if percent is None else f"{percent} %"
        if name.startswith("icd10:"):
            prefix = name[6:]
            return ", ".join(c for c in self.inputs.conditions if c.startswith(prefix)) or "none"
        if name.endswith(".band"):
            return self.bands.get(name.removesuffix(".band"))
        if name in self.values:
            value, unit = self.quantity(name) or self.values[name]
            return f"{value} {unit}".strip()
        fact = self.fact(name)
        return None if fact is None else str(fact).lower()

    # --- conditions.Context ----------------------------------------------------------------------

    def band(self, measure: str) -> str | None:
        return self.bands.get(measure)

    def quantity(self, name: str) -> tuple[Decimal, str] | None:
        # as reported, except where the pack rounds before comparing (BMI, RULES.md §1.1)
        found, mdef = self.values.get(name), self.pack.measures.get(name)
        if found and mdef and name != "blood_pressure":
            scale = self._scale(mdef, found[1])
            if scale and scale.rounding == "always" and scale.unit == found[1]:
                return self._scaled(name, scale), scale.unit
        return found

    def fact(self, name: str) -> object | None:
        return getattr(self.inputs, name, None)

    def risk(self, model: str) -> Decimal | None:
        return self.risks.get(model)

    def icd10_codes(self) -> tuple[str, ...]:
        return tuple(c.replace(".", "") for c in self.inputs.conditions) + tuple(
            self.inputs.conditions
        )


def _age(inputs: CaseInputs, as_of: date) -> int | None:
    if inputs.birth_date is not None:
        born = inputs.birth_date
        return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    return inputs.age
