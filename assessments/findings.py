"""Findings a decision may cite, and the restricted classes that may never be cited.

Pure: reads an assessment's stored result and inputs (dicts), no queries. A finding's key is
stable text (``flag:blood_pressure``, ``band:bmi``, ``condition:I10``); restricted ones
(mental health, F chapter, HIV, hepatitis, pregnancy, genetic, and sex) are recognised by
``restricted_class`` and refused by the decision service whatever the form offered (FAIR-02).
Texts for the client (plain language, Chinese and English) and lifestyle advice are data in
``assessments/data/interventions.json``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessments.models.products import ALWAYS_EXCLUDED, RestrictedClass
from assessments.rules import PackError, load_pack

TEXTS_PATH = Path(__file__).parent / "data" / "interventions.json"
MENTAL_MEASURES = frozenset({"phq9", "gad7"})
HIV_CODES = ("B20", "B21", "B22", "B23", "B24")
HEPATITIS_CODES = ("B15", "B16", "B17", "B18", "B19")
GENETIC_PREFIXES = ("genetic", "Z15", "Z82.7", "Z84.81")
SEX_KEYS = frozenset({"sex", "demographic:sex", "gender"})


@dataclass(frozen=True)
class Finding:
    """One citable finding: ``key`` is what the form posts; ``measure`` picks the texts."""

    key: str
    kind: str  # flag | band | condition
    measure: str
    detail: str  # flag class or band id or ICD-10 code: never a value


@functools.cache
def texts() -> dict[str, Any]:
    """The bilingual plain-language texts per measure (``_default`` for the rest)."""
    return json.loads(TEXTS_PATH.read_text(encoding="utf-8"))


def text_for(measure: str) -> Mapping[str, Mapping[str, str]]:
    data = texts()
    return data.get(measure) or data["_default"]


def restricted_class(key: str) -> str | None:
    """The restricted class a cited key belongs to, or None when it may be cited."""
    key = key.strip()
    kind, _sep, rest = key.partition(":")
    if key.lower() in SEX_KEYS or kind == "sex":
        return RestrictedClass.SEX
    if kind in ("flag", "band") and rest in MENTAL_MEASURES:
        return RestrictedClass.MENTAL_HEALTH
    if kind == "condition":
        return _condition_class(rest.upper())
    if kind == "genetic" or key.lower().startswith("genetic"):
        return RestrictedClass.GENETIC
    return None


def _condition_class(code: str) -> str | None:
    if code.startswith("F"):
        return RestrictedClass.MENTAL_HEALTH
    if code.startswith(HIV_CODES):
        return RestrictedClass.HIV
    if code.startswith(HEPATITIS_CODES):
        return RestrictedClass.HEPATITIS
    if code.startswith("O"):
        return RestrictedClass.PREGNANCY
    if code.startswith(GENETIC_PREFIXES):
        return RestrictedClass.GENETIC
    return None


def _healthy_bands(pack_id: str) -> dict[str, frozenset[str]]:
    try:
        pack = load_pack(pack_id)
    except PackError:
        return {}
    return {name: m.healthy for name, m in pack.measures.items()}


def findings_of(result: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Finding]:
    """Every finding of one assessment, restricted ones included (callers filter)."""
    found: dict[str, Finding] = {}
    for flag in result.get("flags", []):
        key = f"flag:{flag['measure']}"
        found.setdefault(key, Finding(key, "flag", flag["measure"], flag["class"]))
    healthy = _healthy_bands(result.get("pack", {}).get("id", "cn"))
    for measure in result.get("measures", []):
        band, name = measure.get("band"), measure["measure"]
        if band and name in healthy and band not in healthy[name]:
            key = f"band:{name}"
            found.setdefault(key, Finding(key, "band", name, band))
    for code in inputs.get("conditions", ()) or ():
        key = f"condition:{code}"
        found.setdefault(key, Finding(key, "condition", "_default", code))
    return list(found.values())


def citable(findings: Iterable[Finding], excluded: Iterable[str]) -> list[Finding]:
    """The findings a proposal may cite given the product's excluded classes."""
    barred = frozenset(excluded) | ALWAYS_EXCLUDED
    return [f for f in findings if restricted_class(f.key) not in barred]
