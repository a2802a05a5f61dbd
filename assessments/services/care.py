"""Care suggestions (PRODUCT step 6): lifestyle education per finding, in Chinese and English
(data: ``assessments/data/interventions.json``), and products from the catalogue that fit the
findings where the product's health-data policy allows using them. Reads only; no writes.

Product suggestions are a separate processing purpose: none without an active
``product_recommendation`` consent, none while an emergency is open on the client, and never a
product whose health-data policy forbids health inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessments import findings as fnd
from assessments.models import Case, Emergency, Product
from clients.gate import active_consent
from clients.models import Purpose


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


def products_allowed(case: Case | None) -> bool:
    """True when the client may be shown product suggestions now: an active
    product-recommendation consent and no open emergency (on any of the client's cases)."""
    if case is None:
        return False
    client = case.client
    if Emergency.objects.open().filter(client=client).exists():
        return False
    return active_consent(client, Purpose.PRODUCT_RECOMMENDATION) is not None


def products_for(case: Case | None, found: list[fnd.Finding]) -> list[Product]:
    """Active products whose health-data policy allows health data and that suit a finding.
    Nothing without a product-recommendation consent or while an emergency is open; a product
    whose policy forbids health inputs is never suggested from health findings."""
    if not products_allowed(case):
        return []
    measures = {f.measure for f in fnd.citable(found, ())}
    return [
        product
        for product in Product.objects.active()
        if product.allows_health_data and measures & set(product.suits_findings or ())
    ]


def care_for(case: Case | None, found: list[fnd.Finding]) -> dict[str, Any]:
    return {"interventions": interventions_for(found), "products": products_for(case, found)}
