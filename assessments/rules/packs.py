"""Rule packs: versioned JSON data with every threshold and its source; loader and validation.

A pack (``packs/<id>.json``, format ``"schema": "healthcheck.rulepack/1"``) holds:

* ``id``, ``version``, ``title``, ``jurisdiction``, ``effective_date`` (ISO date) and
  ``sex_may_feed_decisions`` (bool; false forbids rules that set debits or an outcome floor from
  reading sex, as an EU pack must).
* ``sources``: key -> full citation (guideline, edition, RULES.md section and evidence marker).
  Every band, rule, marker, risk model and debit tier names one or more of these keys (FAIR-03).
* ``measures``: name -> ``{"healthy": [band ids], "scales": [...]}``; a scale is ``{"unit",
  "precision", "rounding": "always"|"converted", "sex"?: "male"|"female", "bands": [...]}``
  with bands ``{"id", "range": "[a, b)", "source"}`` ordered low to high and tiling the line
  (see bands.py). A value reported in a scale's unit is banded as reported; any other unit is
  converted (units.py) and rounded half-up to ``precision``. ``"rounding": "always"`` also rounds
  reported values (BMI per RULES.md §1.1; blood-pressure means). ``blood_pressure`` has
  ``"order"`` (band ids from best to worst) and per scale ``"components": {"sbp": [...],
  "dbp": [...]}``; the worse component band wins. Optional ``"markers"`` (e.g. isolated systolic)
  are conditions reported in the trace.
* ``rules``: ``{"id", "when": condition, "reason", "source", "flag"?: "A"|"B", "measure"?,
  "debits"?: int, "outcome_floor"?: proceed|proceed_with_controls|postpone|decline}``. A rule with
  debits or an outcome floor is a *decision rule*: it may not read restricted inputs (FAIR-02).
* ``risk_models``: ``{"model", "calibration"?, "source"}`` (risk.py names the models).
* ``debit_tiers``: ``{"at_least": int, "outcome_floor", "source"}`` ascending.

The loader refuses a broken pack with a PackError listing every problem it found.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from assessments.rules import conditions, risk, units
from assessments.rules.bands import Band, parse_interval, tiling_problems

SCHEMA = "healthcheck.rulepack/1"
DEFAULT_PACK = "cn"
PACK_DIR = Path(__file__).with_name("packs")
OUTCOMES = ("proceed", "proceed_with_controls", "postpone", "decline")  # mildest first
SCORES = {"phq9": 9, "gad7": 7}  # questionnaire measure -> number of items
CRITICAL_ONLY = ("glucose", "potassium", "sodium", "haemoglobin", "platelets", "creatinine")
MEASURES = (
    "bmi",
    "waist",
    "blood_pressure",
    "heart_rate",
    "fasting_glucose",
    "hba1c",
    "total_cholesterol",
    "ldl_c",
    "hdl_c",
    "triglycerides",
    "egfr",
    "uric_acid",
    *SCORES,
    *CRITICAL_ONLY,
)
# Inputs a rule may compare besides the measures themselves.
VALUE_INPUTS = frozenset({*MEASURES, "sbp", "dbp", "age"} - {"blood_pressure"}) | frozenset(
    f"{q}.item{i}" for q, n in SCORES.items() for i in range(1, n + 1)
)

# FAIR-02: inputs no decision rule may read. Mental-health answers and scores, F-chapter,
# pregnancy (O), viral hepatitis B15-B19 and HIV B20-B24, genetic carrier/susceptibility (Z14/Z15).
RESTRICTED_INPUTS = frozenset(SCORES)
RESTRICTED_ICD10 = (
    "F",
    "O",
    "B15",
    "B16",
    "B17",
    "B18",
    "B19",
    "B20",
    "B21",
    "B22",
    "B23",
    "B24",
    "Z14",
    "Z15",
)


class PackError(ValueError):
    """A rule pack is missing or broken; ``problems`` names every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("rule pack refused:\n- " + "\n- ".join(problems))


@dataclass(frozen=True)
class Scale:
    """Bands of one measure in one unit (and, for waist, one sex)."""

    unit: str
    precision: Decimal
    rounding: str
    sex: str | None
    bands: tuple[Band, ...] = ()
    components: tuple[tuple[str, tuple[Band, ...]], ...] = ()


@dataclass(frozen=True)
class Rule:
    """A flag, marker or decision rule; see the module docstring for the fields."""

    id: str
    when: conditions.Condition
    reason: str
    sources: tuple[str, ...]
    flag: str | None = None
    measure: str | None = None
    debits: int = 0
    outcome_floor: str | None = None

    @property
    def is_decision(self) -> bool:
        """True if the rule changes debits or the outcome floor (FAIR-02 applies)."""
        return bool(self.debits) or self.outcome_floor is not None


@dataclass(frozen=True)
class MeasureDef:
    name: str
    scales: tuple[Scale, ...]
    healthy: frozenset[str]
    order: tuple[str, ...]
    markers: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class RiskModelRef:
    model: str
    calibration: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DebitTier:
    at_least: int
    outcome_floor: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Pack:
    """A validated, immutable rule pack."""

    id: str
    version: str
    title: str
    jurisdiction: str
    effective_date: date
    sex_may_feed_decisions: bool
    sources: Mapping[str, str]
    measures: Mapping[str, MeasureDef]
    rules: tuple[Rule, ...]
    risk_models: tuple[RiskModelRef, ...]
    debit_tiers: tuple[DebitTier, ...]

    def cite(self, keys: tuple[str, ...] | str) -> str:
        """The full citation text for one or more source keys."""
        keys = (keys,) if isinstance(keys, str) else keys
        return "; ".join(self.sources[k] for k in keys)


def available_packs() -> list[str]:
    """Ids of the packs shipped in ``packs/``."""
    return sorted(p.stem for p in PACK_DIR.glob("*.json"))


@cache
def load_pack(pack: str = DEFAULT_PACK) -> Pack:
    """Load and validate a shipped pack by id, or a pack file by path. Raises PackError."""
    path = Path(pack) if pack.endswith(".json") else PACK_DIR / f"{pack}.json"
    if not path.is_file():
        raise PackError([f"no rule pack '{pack}' (available: {', '.join(available_packs())})"])
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackError([f"{path.name}: cannot read JSON: {exc}"]) from None
    return parse_pack(raw)


def parse_pack(raw: object) -> Pack:
    """Validate a decoded pack and build it. Raises PackError listing every problem."""
    v = _Validator()
    pack = v.pack(raw)
    if v.problems or pack is None:
        raise PackError(v.problems or ["pack is empty"])
    return pack


def parse_rules(raw_rules: object, pack: Pack, label: str = "rules") -> tuple[Rule, ...]:
    """Validate extra rules (e.g. an institution's critical values) against ``pack``."""
    v = _Validator()
    v.sources, v.measures = dict(pack.sources), dict(pack.measures)
    v.sex_allowed, v.models = pack.sex_may_feed_decisions, {m.model for m in pack.risk_models}
    rules = v.rules(raw_rules, label)
    if v.problems:
        raise PackError(v.problems)
    return rules


def restricted_reads(cond: conditions.Condition, sex_allowed: bool) -> list[str]:
    """Inputs of ``cond`` that a decision rule may not read (FAIR-02, and sex per pack)."""
    bad = []
    for name in sorted(cond.inputs()):
        base = name.split(".")[0]
        if base in RESTRICTED_INPUTS or name.startswith("genetic"):
            bad.append(name)
        elif name.startswith("icd10:"):
            prefix = name.removeprefix("icd10:")
            if any(prefix.startswith(r) or r.startswith(prefix) for r in RESTRICTED_ICD10):
                bad.append(name)
        elif name == "sex" and not sex_allowed:
            bad.append(name)
    return bad


class _Validator:
    """Collects every problem of a pack instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.sources: dict[str, str] = {}
        self.measures: dict[str, MeasureDef] = {}
        self.sex_allowed = False
        self.models: set[str] = set()

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def pack(self, raw: object) -> Pack | None:
        if not isinstance(raw, Mapping):
            self.fail("pack must be a JSON object")
            return None
        head = self.header(raw)
        self.sources = self.source_table(raw.get("sources"))
        self.sex_allowed = head["sex_may_feed_decisions"] is True
        self.measures = self.measure_table(raw.get("measures"))
        models = self.risk_models(raw.get("risk_models", []))
        self.models = {m.model for m in models}
        rules = self.rules(raw.get("rules", []), "rules")
        tiers = self.debit_tiers(raw.get("debit_tiers", []))
        if self.problems:
            return None
        return Pack(
            **head,
            sources=self.sources,
            measures=self.measures,
            rules=rules,
            risk_models=models,
            debit_tiers=tiers,
        )

    def header(self, raw: Mapping) -> dict:
        if raw.get("schema") != SCHEMA:
            self.fail(f"schema must be '{SCHEMA}', got {raw.get('schema')!r}")
        head = {}
        for key in ("id", "version", "title", "jurisdiction"):
            head[key] = raw.get(key)
            if not isinstance(head[key], str) or not head[key]:
                self.fail(f"'{key}' must be a non-empty string")
        try:
            head["effective_date"] = date.fromisoformat(raw.get("effective_date", ""))
        except (TypeError, ValueError):
            self.fail("'effective_date' must be an ISO date (YYYY-MM-DD)")
            head["effective_date"] = None
        head["sex_may_feed_decisions"] = raw.get("sex_may_feed_decisions")
        if not isinstance(head["sex_may_feed_decisions"], bool):
            self.fail("'sex_may_feed_decisions' must be true or false")
        return head

    def source_table(self, raw: object) -> dict[str, str]:
        if not isinstance(raw, Mapping) or not raw:
            self.fail("'sources' must be a non-empty object of key -> citation")
            return {}
        for key, text in raw.items():
            if not isinstance(text, str) or not text.strip():
                self.fail(f"source '{key}' has no citation text")
        return dict(raw)

    def source_keys(self, raw: object, where: str) -> tuple[str, ...]:
        keys = [raw] if isinstance(raw, str) else raw
        if not isinstance(keys, list) or not keys:
            self.fail(f"{where}: no source (FAIR-03: every threshold and rule needs one)")
            return ()
        for key in keys:
            if key not in self.sources:
                self.fail(f"{where}: source '{key}' is not in the pack's sources")
        return tuple(keys)

    def measure_table(self, raw: object) -> dict[str, MeasureDef]:
        if not isinstance(raw, Mapping) or not raw:
            self.fail("'measures' must be a non-empty object")
            return {}
        table = {}
        for name, spec in raw.items():
            if name not in MEASURES:
                self.fail(f"measure '{name}' is unknown (known: {', '.join(MEASURES)})")
            elif not isinstance(spec, Mapping):
                self.fail(f"measure '{name}' must be an object")
            else:
                table[name] = self.measure(name, spec)
        return table

    def measure(self, name: str, spec: Mapping) -> MeasureDef:
        raw_scales = spec.get("scales")
        if not isinstance(raw_scales, list) or not raw_scales:
            self.fail(f"{name}: 'scales' must be a non-empty list")
            raw_scales = []
        scales = tuple(self.scale(name, s, i) for i, s in enumerate(raw_scales))
        self.check_sexes(name, scales)
        ids = self.band_ids(scales)
        order = tuple(spec.get("order") or self.first_order(scales))
        if name == "blood_pressure":
            self.check_component_order(name, scales, order)
        healthy = spec.get("healthy", [])
        for band_id in healthy:
            if band_id not in ids:
                self.fail(f"{name}: healthy band '{band_id}' is not one of its bands")
        markers = tuple(
            self.rule(m, f"{name}.markers[{i}]") for i, m in enumerate(spec.get("markers", []))
        )
        for marker in markers:
            if marker.is_decision:
                self.fail(f"{name}: marker '{marker.id}' may not set debits or an outcome floor")
        return MeasureDef(name, scales, frozenset(healthy), order, markers)

    @staticmethod
    def band_ids(scales: tuple[Scale, ...]) -> set[str]:
        ids = {b.id for s in scales for b in s.bands}
        return ids | {b.id for s in scales for _, bands in s.components for b in bands}

    @staticmethod
    def first_order(scales: tuple[Scale, ...]) -> tuple[str, ...]:
        return tuple(b.id for b in scales[0].bands) if scales else ()

    def scale(self, name: str, raw: object, index: int) -> Scale:
        where = f"{name}.scales[{index}]"
        if not isinstance(raw, Mapping):
            self.fail(f"{where}: must be an object")
            return Scale("", Decimal(1), "converted", None)
        unit, precision = self.scale_unit(name, raw, where), self.precision(raw, where)
        rounding, sex = raw.get("rounding", "converted"), raw.get("sex")
        if rounding not in ("always", "converted"):
            self.fail(f"{where}: rounding must be 'always' or 'converted'")
        if sex not in (None, "male", "female"):
            self.fail(f"{where}: sex must be 'male' or 'female'")
        if name == "blood_pressure":
            comps = raw.get("components")
            if not isinstance(comps, Mapping) or set(comps) != {"sbp", "dbp"}:
                self.fail(f"{where}: blood_pressure needs components 'sbp' and 'dbp'")
                comps = {}
            parts = tuple((c, self.bands(comps[c], f"{where}.{c}", precision)) for c in comps)
            return Scale(unit, precision, rounding, sex, components=parts)
        bands = self.bands(raw.get("bands"), where, precision)
        return Scale(unit, precision, rounding, sex, bands=bands)

    def scale_unit(self, name: str, raw: Mapping, where: str) -> str:
        kind = {"blood_pressure": "sbp"}.get(name, name)
        try:
            unit = units.normalise_unit(raw.get("unit"))
            if name in SCORES:
                if unit != "{score}":
                    self.fail(f"{where}: questionnaire scores use unit '{{score}}'")
            else:
                units.to_canonical(kind, Decimal(1), unit)
        except units.UnitError as exc:
            self.fail(f"{where}: {exc}")
            return ""
        return unit

    def precision(self, raw: Mapping, where: str) -> Decimal:
        try:
            precision = Decimal(str(raw.get("precision")))
            if not precision.is_finite() or precision <= 0:
                raise InvalidOperation
        except InvalidOperation:
            self.fail(f"{where}: precision must be a positive number such as '0.1' or '1'")
            return Decimal(1)
        return precision

    def bands(self, raw: object, where: str, precision: Decimal) -> tuple[Band, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail(f"{where}: 'bands' must be a non-empty list")
            return ()
        bands = []
        for i, item in enumerate(raw):
            band = self.band(item, f"{where}.bands[{i}]", precision)
            if band:
                bands.append(band)
        if len(bands) == len(raw):
            self.problems.extend(tiling_problems(tuple(bands), where))
        if len({b.id for b in bands}) != len(bands):
            self.fail(f"{where}: duplicate band ids")
        return tuple(bands)

    def band(self, raw: object, where: str, precision: Decimal) -> Band | None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            self.fail(f"{where}: a band needs an 'id'")
            return None
        where = f"{where} '{raw['id']}'"
        try:
            interval = parse_interval(raw.get("range"))
        except ValueError as exc:
            self.fail(f"{where}: {exc}")
            return None
        sources = self.source_keys(raw.get("source"), where)
        for bound in (interval.low, interval.high):
            if bound is not None and bound.quantize(precision) != bound:
                self.fail(f"{where}: threshold {bound} is finer than the precision {precision}")
        return Band(raw["id"], interval, sources)

    def check_sexes(self, name: str, scales: tuple[Scale, ...]) -> None:
        by_unit: dict[str, set] = {}
        for scale in scales:
            by_unit.setdefault(scale.unit, set()).add(scale.sex)
        for unit, sexes in by_unit.items():
            if sexes not in ({None}, {"male", "female"}):
                self.fail(f"{name} ({unit}): scales must be for both sexes or for neither")

    def check_component_order(self, name: str, scales: tuple[Scale, ...], order: tuple) -> None:
        for scale in scales:
            for component, bands in scale.components:
                ranks = [order.index(b.id) if b.id in order else -1 for b in bands]
                if -1 in ranks or ranks != sorted(ranks):
                    self.fail(f"{name}.{component}: band ids must follow 'order' {list(order)}")

    def rules(self, raw: object, label: str) -> tuple[Rule, ...]:
        if not isinstance(raw, list):
            self.fail(f"'{label}' must be a list")
            return ()
        rules = [self.rule(item, f"{label}[{i}]") for i, item in enumerate(raw)]
        ids = [r.id for r in rules if r]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            self.fail(f"{label}: duplicate rule id '{dup}'")
        return tuple(r for r in rules if r)

    def rule(self, raw: object, where: str) -> Rule | None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            self.fail(f"{where}: a rule needs an 'id'")
            return None
        where = f"{where} '{raw['id']}'"
        try:
            when = conditions.parse(raw.get("when"), where)
        except conditions.ConditionError as exc:
            self.fail(str(exc))
            return None
        rule = Rule(
            raw["id"],
            when,
            str(raw.get("reason", "")).strip(),
            self.source_keys(raw.get("source"), where),
            raw.get("flag"),
            raw.get("measure"),
            raw.get("debits", 0),
            raw.get("outcome_floor"),
        )
        self.check_rule(rule, where)
        return rule

    def check_rule(self, rule: Rule, where: str) -> None:
        if not rule.reason:
            self.fail(f"{where}: a rule needs a 'reason'")
        if rule.flag not in (None, "A", "B"):
            self.fail(f"{where}: flag must be 'A' or 'B'")
        if rule.flag and rule.measure not in MEASURES:
            self.fail(f"{where}: a flag rule needs a known 'measure'")
        if isinstance(rule.debits, bool) or not isinstance(rule.debits, int) or rule.debits < 0:
            self.fail(f"{where}: debits must be a whole number >= 0")
        if rule.outcome_floor not in (None, *OUTCOMES):
            self.fail(f"{where}: outcome_floor must be one of {', '.join(OUTCOMES)}")
        self.check_inputs(rule.when, where)
        if rule.is_decision:
            for name in restricted_reads(rule.when, self.sex_allowed):
                why = "sex may not feed decisions in this pack" if name == "sex" else "FAIR-02"
                self.fail(f"{where}: decision rule reads restricted input '{name}' ({why})")

    def check_inputs(self, cond: conditions.Condition, where: str) -> None:
        if isinstance(cond, conditions.AnyOf | conditions.AllOf):
            for part in cond.parts:
                self.check_inputs(part, where)
        elif isinstance(cond, conditions.Not):
            self.check_inputs(cond.part, where)
        elif isinstance(cond, conditions.BandIn):
            measure = self.measures.get(cond.measure)
            known = self.band_ids(measure.scales) if measure else set()
            for band_id in cond.ids:
                if band_id not in known:
                    self.fail(f"{where}: {cond.measure} has no band '{band_id}' in this pack")
        elif isinstance(cond, conditions.Compare) and cond.name not in VALUE_INPUTS:
            self.fail(f"{where}: unknown value '{cond.name}'")
        elif isinstance(cond, conditions.Risk) and cond.model not in self.models:
            self.fail(f"{where}: risk model '{cond.model}' is not in the pack's risk_models")

    def risk_models(self, raw: object) -> tuple[RiskModelRef, ...]:
        refs = []
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            where = f"risk_models[{i}]"
            model, calibration = item.get("model"), item.get("calibration")
            problem = risk.reference_problem(model, calibration)
            if problem:
                self.fail(f"{where}: {problem}")
            refs.append(
                RiskModelRef(model, calibration, self.source_keys(item.get("source"), where))
            )
        return tuple(refs)

    def debit_tiers(self, raw: object) -> tuple[DebitTier, ...]:
        tiers = []
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            where = f"debit_tiers[{i}]"
            if item.get("outcome_floor") not in OUTCOMES or not isinstance(
                item.get("at_least"), int
            ):
                self.fail(f"{where}: needs an integer 'at_least' and a valid 'outcome_floor'")
                continue
            sources = self.source_keys(item.get("source"), where)
            tiers.append(DebitTier(item["at_least"], item["outcome_floor"], sources))
        if [t.at_least for t in tiers] != sorted({t.at_least for t in tiers}):
            self.fail("debit_tiers must be in strictly ascending order of 'at_least'")
        return tuple(tiers)
