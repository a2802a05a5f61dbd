"""Band intervals of a rule pack and the classification of a value into exactly one band.

Intervals are written in mathematical notation in the packs, e.g. ``"[18.5, 24.0)"`` or
``"(420, inf)"``, so a reviewer sees at each threshold which side it belongs to (``≥`` vs ``>``,
case B26). The loader checks that a measure's bands tile the whole line: each band starts exactly
where the previous one ends, and the shared point belongs to exactly one of them. Under that
invariant ``classify`` always finds exactly one band.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_INTERVAL = re.compile(
    rf"^\s*(?P<lo_br>[\[(])\s*(?P<lo>-inf|{_NUMBER})\s*,\s*(?P<hi>inf|{_NUMBER})\s*(?P<hi_br>[\])])\s*$"
)


@dataclass(frozen=True)
class Interval:
    """A real interval; ``None`` bounds are infinite (and therefore open)."""

    low: Decimal | None
    high: Decimal | None
    low_closed: bool
    high_closed: bool

    def contains(self, value: Decimal) -> bool:
        """True if ``value`` lies in the interval."""
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_closed)
        ):
            return False
        return self.high is None or value < self.high or (value == self.high and self.high_closed)

    def describe(self, name: str, unit: str) -> str:
        """Render as a comparison for the trace, e.g. ``18.5 <= bmi < 24.0 kg/m2``."""
        parts = []
        if self.low is not None:
            parts.append(f"{self.low} {'<=' if self.low_closed else '<'} ")
        parts.append(name)
        if self.high is not None:
            parts.append(f" {'<=' if self.high_closed else '<'} {self.high}")
        return "".join(parts) + f" {unit}"

    def __str__(self) -> str:
        low = "-inf" if self.low is None else str(self.low)
        high = "inf" if self.high is None else str(self.high)
        return f"{'[' if self.low_closed else '('}{low}, {high}{']' if self.high_closed else ')'}"


def parse_interval(text: str) -> Interval:
    """Parse ``"[a, b)"``-style text. Raises ValueError naming the problem."""
    match = _INTERVAL.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"interval {text!r} is not of the form '[a, b)' / '(a, inf)'")
    lo, hi = match["lo"], match["hi"]
    low = None if lo == "-inf" else Decimal(lo)
    high = None if hi == "inf" else Decimal(hi)
    low_closed, high_closed = match["lo_br"] == "[", match["hi_br"] == "]"
    if (low is None and low_closed) or (high is None and high_closed):
        raise ValueError(f"interval {text!r}: an infinite bound must be open")
    if low is not None and high is not None and low >= high:
        raise ValueError(f"interval {text!r}: lower bound is not below upper bound")
    return Interval(low, high, low_closed, high_closed)


@dataclass(frozen=True)
class Band:
    """One named band of a measure, with the keys of the sources that state its thresholds."""

    id: str
    interval: Interval
    sources: tuple[str, ...]


def tiling_problems(bands: tuple[Band, ...], label: str) -> list[str]:
    """List gaps, overlaps and open ends in ``bands`` (ordered low to high); empty if they tile."""
    if not bands:
        return [f"{label}: no bands"]
    problems = []
    if bands[0].interval.low is not None:
        problems.append(f"{label}: first band '{bands[0].id}' must start at -inf")
    if bands[-1].interval.high is not None:
        problems.append(f"{label}: last band '{bands[-1].id}' must end at inf")
    for below, above in itertools.pairwise(bands):
        problem = _junction_problem(below, above)
        if problem:
            problems.append(f"{label}: {problem}")
    return problems


def _junction_problem(below: Band, above: Band) -> str | None:
    end, start = below.interval.high, above.interval.low
    pair = f"'{below.id}' {below.interval} and '{above.id}' {above.interval}"
    if end is None or start is None or end < start:
        return f"gap between {pair}"
    if end > start:
        return f"overlap between {pair}"
    if below.interval.high_closed and above.interval.low_closed:
        return f"overlap at {end} between {pair}"
    if not below.interval.high_closed and not above.interval.low_closed:
        return f"gap at {end} between {pair}"
    return None


def classify(bands: tuple[Band, ...], value: Decimal) -> Band:
    """Return the band containing ``value``. Raises LookupError if none does (untiled bands)."""
    for band in bands:
        if band.interval.contains(value):
            return band
    raise LookupError(f"no band contains {value}")
