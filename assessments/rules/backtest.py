"""Backtesting a rule pack: re-evaluate stored cases and count what would change, by measure.

Pure, like the rest of ``rules``: the ``backtest`` management command feeds it (inputs, stored
result) pairs read from the database. Each case is re-evaluated as of its stored ``as_of`` date, so
only the pack differs, never the data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from assessments.rules.engine import evaluate
from assessments.rules.inputs import CaseInputs, InputError
from assessments.rules.packs import Pack
from assessments.rules.result import Result

RULES_ONLY = "(rules only)"  # a change with no band change: flags, risk or debit rules moved


@dataclass
class BacktestReport:
    """How many cases would change: totals, and per measure whose band changed with them."""

    cases: int = 0
    errors: int = 0
    recommendation_changes: int = 0
    outcome_floor_changes: int = 0
    by_measure: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def lines(self) -> list[str]:
        """Plain-text summary for the command's output."""
        out = [
            f"cases: {self.cases} (could not be evaluated: {self.errors})",
            f"recommendation changes: {self.recommendation_changes}",
            f"outcome floor changes: {self.outcome_floor_changes}",
        ]
        for measure in sorted(self.by_measure):
            c = self.by_measure[measure]
            out.append(
                f"  {measure}: band {c['band']}, recommendation {c['recommendation']}, "
                f"outcome floor {c['outcome_floor']}"
            )
        return out


def iter_stored_inputs(
    pairs: Iterable[tuple[CaseInputs, Result | Mapping]],
    pack: Pack | str,
    against: Pack | str | None = None,
) -> BacktestReport:
    """Re-evaluate each (inputs, old result) with ``pack`` and count the changes by measure.

    ``old`` is a Result or its stored ``to_dict()`` form. With ``against`` the old side is
    re-evaluated with that pack instead of taken from storage. A change of recommendation or
    floor is counted under every measure whose band changed in that case, or under
    ``RULES_ONLY`` when no band did.
    """
    report = BacktestReport()
    for inputs, old in pairs:
        report.cases += 1
        old = old.to_dict() if isinstance(old, Result) else old
        as_of = date.fromisoformat(old["as_of"])
        try:
            if against is not None:
                old = evaluate(inputs, pack=against, as_of=as_of).to_dict()
            new = evaluate(inputs, pack=pack, as_of=as_of).to_dict()
        except InputError:
            report.errors += 1
            continue
        _count(report, old, new)
    return report


def _count(report: BacktestReport, old: Mapping, new: Mapping) -> None:
    before = {m["measure"]: m["band"] for m in old["measures"]}
    after = {m["measure"]: m["band"] for m in new["measures"]}
    changed = sorted(m for m in before.keys() | after.keys() if before.get(m) != after.get(m))
    for measure in changed:
        report.by_measure[measure]["band"] += 1
    for key in ("recommendation", "outcome_floor"):
        if old[key] != new[key]:
            setattr(report, f"{key}_changes", getattr(report, f"{key}_changes") + 1)
            for measure in changed or [RULES_ONLY]:
                report.by_measure[measure][key] += 1
