"""Care suggestions (PRODUCT step 6): lifestyle education per finding, in Chinese and English
(data: ``assessments/data/interventions.json``), and products from the catalogue that fit the
findings where the product's health-data policy allows using them. Reads only; no writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessments import findings as fnd
from assessments.models import Case, Product


@dataclass(frozen=True)
class Suggestion:
    measure: str
    label: dict[str, str]
    advice: dict[str, str]


def interventions_for(found: list[fnd.Finding]) -> list[Suggestion]:
    """One bilingual lifestyle text per finding's measure (restricted classes never shown)."""
    seen: dict[str, Suggestion] = {}
    for finding in fnd.citable(found, ()):
        measure = finding.measure
        if measure in seen:
            continue
        text = fnd.text_for(measure)
        seen[measure] = Suggestion(measure, dict(text["label"]), dict(text["advice"]))
    return list(seen.values())


def products_for(case: Case, found: list[fnd.Finding]) -> list[Product]:
    """Active products whose health-data policy allows health data and that suit a finding,
    then products that need no health data (offered to everyone)."""
    measures = {f.measure for f in fnd.citable(found, ())}
    fitting, general = [], []
    for product in Product.objects.active():
        if product.allows_health_data and measures & set(product.suits_findings or ()):
            fitting.append(product)
        elif not product.suits_findings:
            general.append(product)
    return fitting + general


def care_for(case: Case, found: list[fnd.Finding]) -> dict[str, Any]:
    return {"interventions": interventions_for(found), "products": products_for(case, found)}
