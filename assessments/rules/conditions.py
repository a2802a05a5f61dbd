"""The small condition language of rule-pack rules: parse, describe, list inputs, evaluate.

A condition is one JSON object of these forms::

    {"band": "blood_pressure", "in": ["grade_1", "grade_2"]}     the measure's band is one of
    {"value": "sbp", "op": ">=", "threshold": {"mm[Hg]": "180"}}  compare a value, per unit
    {"value": "phq9.item9", "op": ">", "threshold": "0"}          unitless comparison
    {"fact": "diabetes", "is": true, "unknown_as": false}          a declared fact
    {"risk": "china_par", "op": ">=", "percent": "10"}             a 10-year CVD risk estimate
    {"icd10": ["I10", "I11"]}                                      any recorded code starts so
    {"any": [...]}  {"all": [...]}  {"not": {...}}

Evaluation is three-valued: a condition whose input is missing is ``None`` (unknown),
``any``/``all`` propagate unknowns as Kleene logic does, and a rule fires only on ``True``. So a
missing value never fires a rule and never counts as "normal" either.

Thresholds given in several units are compared in the unit the value was reported in when the
threshold has that unit (case B28: 126 mg/dL is compared with 126 mg/dL, not with 6.99 mmol/L);
otherwise the value is converted to the first listed unit and rounded half-up to the threshold's
decimals.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from assessments.rules import units

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}  # fmt: skip
FACTS = (
    "sex",
    "smoker",
    "diabetes",
    "on_bp_treatment",
    "family_history_ascvd",
    "region",
    "residence",
)


class ConditionError(ValueError):
    """A condition in a pack is malformed."""


class Context(Protocol):
    """What a condition may read from an evaluated case."""

    def band(self, measure: str) -> str | None: ...
    def quantity(self, name: str) -> tuple[Decimal, str] | None: ...
    def fact(self, name: str) -> object | None: ...
    def risk(self, model: str) -> Decimal | None: ...
    def icd10_codes(self) -> tuple[str, ...]: ...


class Condition:
    """Base class: every condition can describe itself, list its inputs and evaluate."""

    def inputs(self) -> set[str]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def evaluate(self, ctx: Context) -> bool | None:
        raise NotImplementedError


@dataclass(frozen=True)
class BandIn(Condition):
    measure: str
    ids: tuple[str, ...]

    def inputs(self) -> set[str]:
        return {f"{self.measure}.band"}

    def describe(self) -> str:
        return f"{self.measure} band in {{{', '.join(self.ids)}}}"

    def evaluate(self, ctx: Context) -> bool | None:
        band = ctx.band(self.measure)
        return None if band is None else band in self.ids


@dataclass(frozen=True)
class Compare(Condition):
    name: str
    op: str
    thresholds: tuple[tuple[str, Decimal], ...]  # (unit, value); unit "" when unitless

    def inputs(self) -> set[str]:
        return {self.name}

    def describe(self) -> str:
        shown = " or ".join(f"{v} {u}".strip() for u, v in self.thresholds)
        return f"{self.name} {self.op} {shown}"

    def evaluate(self, ctx: Context) -> bool | None:
        found = ctx.quantity(self.name)
        if found is None:
            return None
        value, unit = found
        by_unit = dict(self.thresholds)
        if unit in by_unit or "" in by_unit:
            return OPS[self.op](value, by_unit.get(unit, by_unit.get("")))
        target, threshold = self.thresholds[0]
        converted = units.convert(self.name.split(".")[0], value, unit, target)
        # round a converted value to the threshold's decimals, as bands round to the pack
        # precision: 126 mg/dL -> 6.993 -> 7.0 mmol/L, not 6.99 < 7.0 (case B28)
        return OPS[self.op](units.round_half_up(converted, threshold), threshold)


@dataclass(frozen=True)
class Fact(Condition):
    name: str
    value: object
    unknown_as: bool | None = None  # what an unknown fact counts as; None keeps it unknown

    def inputs(self) -> set[str]:
        return {self.name}

    def describe(self) -> str:
        unknown = "" if self.unknown_as is None else f" (unknown counts as {self.unknown_as})"
        return f"{self.name} is {self.value}{unknown}"

    def evaluate(self, ctx: Context) -> bool | None:
        actual = ctx.fact(self.name)
        return self.unknown_as if actual is None else actual == self.value


@dataclass(frozen=True)
class Risk(Condition):
    model: str
    op: str
    percent: Decimal

    def inputs(self) -> set[str]:
        return {f"risk:{self.model}"}

    def describe(self) -> str:
        return f"{self.model} 10-year risk {self.op} {self.percent} %"

    def evaluate(self, ctx: Context) -> bool | None:
        percent = ctx.risk(self.model)
        return None if percent is None else OPS[self.op](percent, self.percent)


@dataclass(frozen=True)
class Icd10(Condition):
    prefixes: tuple[str, ...]

    def inputs(self) -> set[str]:
        return {f"icd10:{p}" for p in self.prefixes}

    def describe(self) -> str:
        return f"ICD-10 code starting with {' or '.join(self.prefixes)}"

    def evaluate(self, ctx: Context) -> bool | None:
        codes = ctx.icd10_codes()
        return any(code.startswith(p) for code in codes for p in self.prefixes)


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def inputs(self) -> set[str]:
        return set().union(*(p.inputs() for p in self.parts))

    def describe(self) -> str:
        return " or ".join(f"({p.describe()})" for p in self.parts)

    def evaluate(self, ctx: Context) -> bool | None:
        results = [p.evaluate(ctx) for p in self.parts]
        if True in results:
            return True
        return None if None in results else False


@dataclass(frozen=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def inputs(self) -> set[str]:
        return set().union(*(p.inputs() for p in self.parts))

    def describe(self) -> str:
        return " and ".join(f"({p.describe()})" for p in self.parts)

    def evaluate(self, ctx: Context) -> bool | None:
        results = [p.evaluate(ctx) for p in self.parts]
        if False in results:
            return False
        return None if None in results else True


@dataclass(frozen=True)
class Not(Condition):
    part: Condition

    def inputs(self) -> set[str]:
        return self.part.inputs()

    def describe(self) -> str:
        return f"not ({self.part.describe()})"

    def evaluate(self, ctx: Context) -> bool | None:
        result = self.part.evaluate(ctx)
        return None if result is None else not result


def parse(raw: object, where: str) -> Condition:
    """Parse one JSON condition. Raises ConditionError naming ``where`` and the problem."""
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionError(f"{where}: a condition must be a non-empty object")
    for key, parser in _PARSERS.items():
        if key in raw:
            return parser(raw, where)
    raise ConditionError(f"{where}: unknown condition {sorted(raw)}")


def _parse_list(raw: Mapping, key: str, where: str) -> tuple[Condition, ...]:
    parts = raw[key]
    if not isinstance(parts, list) or not parts:
        raise ConditionError(f"{where}: '{key}' needs a non-empty list")
    return tuple(parse(p, f"{where}.{key}[{i}]") for i, p in enumerate(parts))


def _decimal(text: object, where: str) -> Decimal:
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise ConditionError(f"{where}: threshold {text!r} must be a number written as a string")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ConditionError(f"{where}: threshold {text!r} is not a number") from None


def _op(raw: Mapping, where: str) -> str:
    op = raw.get("op")
    if op not in OPS:
        raise ConditionError(f"{where}: op {op!r} is not one of {', '.join(OPS)}")
    return op


def _parse_compare(raw: Mapping, where: str) -> Condition:
    threshold = raw.get("threshold")
    if isinstance(threshold, Mapping):
        pairs = []
        for unit, value in threshold.items():
            try:
                unit = units.normalise_unit(unit)
            except units.UnitError as exc:
                raise ConditionError(f"{where}: {exc}") from None
            pairs.append((unit, _decimal(value, where)))
        if not pairs:
            raise ConditionError(f"{where}: empty threshold")
    else:
        pairs = [("", _decimal(threshold, where))]
    return Compare(str(raw["value"]), _op(raw, where), tuple(pairs))


def _parse_fact(raw: Mapping, where: str) -> Condition:
    if raw["fact"] not in FACTS:
        raise ConditionError(f"{where}: unknown fact {raw['fact']!r} (known: {', '.join(FACTS)})")
    if "is" not in raw:
        raise ConditionError(f"{where}: fact condition needs 'is'")
    if raw.get("unknown_as") not in (None, True, False):
        raise ConditionError(f"{where}: 'unknown_as' must be true or false")
    return Fact(raw["fact"], raw["is"], raw.get("unknown_as"))


def _parse_band(raw: Mapping, where: str) -> Condition:
    ids = raw.get("in")
    if not isinstance(ids, list) or not ids:
        raise ConditionError(f"{where}: band condition needs a non-empty 'in' list")
    return BandIn(str(raw["band"]), tuple(ids))


def _parse_icd10(raw: Mapping, where: str) -> Condition:
    prefixes = raw["icd10"]
    if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
        raise ConditionError(f"{where}: 'icd10' needs a list of code prefixes")
    return Icd10(tuple(p.upper() for p in prefixes))


_PARSERS: dict[str, Callable[[Mapping, str], Condition]] = {
    "any": lambda raw, where: AnyOf(_parse_list(raw, "any", where)),
    "all": lambda raw, where: AllOf(_parse_list(raw, "all", where)),
    "not": lambda raw, where: Not(parse(raw["not"], f"{where}.not")),
    "band": _parse_band,
    "value": _parse_compare,
    "fact": _parse_fact,
    "risk": lambda raw, where: Risk(
        str(raw["risk"]), _op(raw, where), _decimal(raw.get("percent"), where)
    ),
    "icd10": _parse_icd10,
}
