"""Check-up packages chosen by rules: age, the preliminary findings and the business purpose.

Pure (no queries): ``recommend_items`` returns catalogue item codes (seeded by migration 0002);
the referral form pre-selects them and the manager may add others. Also the pack's limit on
the age of a report brought by the client (PRODUCT step 3: default 12 months).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessments.rules import load_pack

BASE_ITEMS = ("vitals", "blood_routine", "urinalysis")
# Findings on a measure -> items that examine it further.
ITEMS_BY_MEASURE: dict[str, tuple[str, ...]] = {
    "blood_pressure": ("ecg", "kidney_function", "electrolytes"),
    "heart_rate": ("ecg",),
    "bmi": ("lipid_panel", "fasting_glucose", "liver_function"),
    "waist": ("lipid_panel", "fasting_glucose"),
    "fasting_glucose": ("diabetes_screening", "hba1c"),
    "hba1c": ("diabetes_screening", "fasting_glucose"),
    "total_cholesterol": ("lipid_panel", "cardio_screening"),
    "ldl_c": ("lipid_panel", "cardio_screening"),
    "hdl_c": ("lipid_panel",),
    "triglycerides": ("lipid_panel", "liver_function"),
    "egfr": ("kidney_function", "electrolytes"),
    "uric_acid": ("kidney_function",),
    "phq9": ("phq9",),
    "gad7": ("gad7",),
}
ITEMS_BY_AGE: tuple[tuple[int, tuple[str, ...]], ...] = (
    (40, ("lipid_panel", "fasting_glucose", "ecg")),
    (50, ("cancer_screening", "cardio_screening", "abdominal_ultrasound")),
)
ITEMS_BY_PURPOSE: dict[str, tuple[str, ...]] = {
    # Insurers' medical-evidence grids ask for liver function and a chest X-ray (RULES.md §4).
    "insurance": ("liver_function", "chest_xray"),
    "loan": (),
    "wealth_plan": (),
}
DEFAULT_REPORT_MAX_AGE_MONTHS = 12
# A pack may set its own limit; none of the shipped packs differs from the default yet.
REPORT_MAX_AGE_MONTHS: dict[str, int] = {}


def _unhealthy_measures(result: Mapping[str, Any]) -> set[str]:
    pack = load_pack(result["pack"]["id"])
    found = {f["measure"] for f in result.get("flags", ())}
    for m in result.get("measures", ()):
        definition = pack.measures.get(m["measure"])
        if m.get("band") and definition is not None and m["band"] not in definition.healthy:
            found.add(m["measure"])
    return found


def recommend_items(
    *, age: int | None, result: Mapping[str, Any] | None, purpose: str
) -> list[str]:
    """Item codes recommended for a case, in a stable order without duplicates."""
    codes: list[str] = list(BASE_ITEMS)
    for measure in sorted(_unhealthy_measures(result) if result else ()):
        codes.extend(ITEMS_BY_MEASURE.get(measure, ()))
    for min_age, items in ITEMS_BY_AGE:
        if age is not None and age >= min_age:
            codes.extend(items)
    codes.extend(ITEMS_BY_PURPOSE.get(purpose, ()))
    return list(dict.fromkeys(codes))


def report_max_age_months(pack_id: str) -> int:
    return REPORT_MAX_AGE_MONTHS.get(pack_id, DEFAULT_REPORT_MAX_AGE_MONTHS)
