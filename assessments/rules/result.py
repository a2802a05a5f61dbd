"""The engine's result: per-measure bands, risk estimates, flags, outcome and the trace.

``Result.to_dict()`` is the form printed by ``manage.py evaluate`` and stored with an assessment:
keys ``pack``, ``as_of``, ``measures``, ``cvd_risk``, ``flags``, ``debits``, ``outcome_floor``,
``recommendation``, ``trace``. Every Decimal is serialised as a string, exactly as compared
(``"5.50"``, ``"25.0"``); ``debits`` is a JSON integer; dates are ISO strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from assessments.rules import risk


@dataclass(frozen=True)
class MeasureResult:
    """One measure as banded: ``value`` in ``unit`` is exactly what was compared."""

    measure: str
    value: Decimal | None
    unit: str
    band: str | None
    healthy: bool | None  # None: the pack has no bands for it (critical-value-only analytes)
    display: str | None = None  # e.g. "152/94" for blood pressure
    status: str = "banded"  # banded | incomplete | unbanded


@dataclass(frozen=True)
class Flag:
    cls: str  # "A" (critical, emergency protocol) or "B" (clinical follow-up)
    measure: str
    reason: str
    rule: str


@dataclass(frozen=True)
class TraceEntry:
    """Why one rule gave its result: the inputs it read, what it compared them with, the source."""

    rule: str
    inputs: Mapping[str, str]
    threshold: str
    source: str
    result: str


@dataclass(frozen=True)
class Result:
    """The engine's answer for one case; ``to_dict`` is the stored and printed form."""

    pack_id: str
    pack_version: str
    as_of: date
    measures: tuple[MeasureResult, ...]
    cvd_risk: tuple[risk.RiskEstimate, ...]
    flags: tuple[Flag, ...]
    debits: int
    outcome_floor: str
    recommendation: str
    trace: tuple[TraceEntry, ...] = field(default=(), repr=False)

    def measure(self, name: str) -> MeasureResult | None:
        """The result for measure ``name``, or None if the case has no value for it."""
        return next((m for m in self.measures if m.measure == name), None)

    def to_dict(self) -> dict:
        """JSON-ready dict. Decimals are strings (exact, e.g. "5.50"); debits is an integer."""
        return {
            "pack": {"id": self.pack_id, "version": self.pack_version},
            "as_of": self.as_of.isoformat(),
            "measures": [
                {
                    "measure": m.measure,
                    "value": m.display or _str(m.value),
                    "unit": m.unit,
                    "band": m.band,
                }
                for m in self.measures
            ],
            "cvd_risk": [_risk_dict(r) for r in self.cvd_risk],
            "flags": [
                {"class": f.cls, "measure": f.measure, "reason": f.reason} for f in self.flags
            ],
            "debits": self.debits,
            "outcome_floor": self.outcome_floor,
            "recommendation": self.recommendation,
            "trace": [
                {
                    "rule": t.rule,
                    "inputs": dict(t.inputs),
                    "threshold": t.threshold,
                    "source": t.source,
                    "result": t.result,
                }
                for t in self.trace
            ],
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _risk_dict(estimate: risk.RiskEstimate) -> dict:
    if estimate.percent is None:
        return {"model": estimate.model, "not_applicable": estimate.not_applicable}
    return {"model": estimate.model, "ten_year_percent": str(estimate.percent)}
