"""CaseInputs <-> JSON: the inputs snapshot stored (encrypted) with each assessment.

Pure, no Django: decimals are kept as strings (exact, "5.50" stays "5.50"), dates as ISO strings,
questionnaire item numbers as string keys.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from assessments.rules import CaseInputs, Observation

_FACTS = ("sex", "age", "smoker", "diabetes", "on_bp_treatment", "family_history_ascvd")
_FACTS += ("region", "residence")


def _when(text: str) -> date | datetime:
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def inputs_to_dict(inputs: CaseInputs) -> dict[str, Any]:
    """A JSON-ready dict of ``inputs`` that ``inputs_from_dict`` turns back into equal inputs."""
    data: dict[str, Any] = {name: getattr(inputs, name) for name in _FACTS}
    data["birth_date"] = inputs.birth_date.isoformat() if inputs.birth_date else None
    data["observations"] = [
        {
            "kind": o.kind,
            "value": str(o.value),
            "unit": o.unit,
            "effective": o.effective.isoformat(),
            "code": o.code,
        }
        for o in inputs.observations
    ]
    data["questionnaires"] = {
        name: {str(item): answer for item, answer in items.items()}
        for name, items in inputs.questionnaires.items()
    }
    data["conditions"] = list(inputs.conditions)
    return data


def inputs_from_dict(data: dict[str, Any]) -> CaseInputs:
    """Rebuild the CaseInputs stored by ``inputs_to_dict``."""
    birth = data.get("birth_date")
    return CaseInputs(
        **{name: data.get(name) for name in _FACTS},
        birth_date=date.fromisoformat(birth) if birth else None,
        observations=tuple(
            Observation(o["kind"], Decimal(o["value"]), o["unit"], _when(o["effective"]), o["code"])
            for o in data.get("observations", ())
        ),
        questionnaires={
            name: {int(item): answer for item, answer in items.items()}
            for name, items in data.get("questionnaires", {}).items()
        },
        conditions=tuple(data.get("conditions", ())),
    )
