"""Valid POST data for the client and declaration forms, to vary one field at a time."""

from __future__ import annotations

from django.utils import timezone

from clients import questionnaires


def client_post(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Li Na", "id_type": "resident_id", "national_id": "11010519491231002X",
        "date_of_birth": "1980-05-17", "sex": "female", "occupation": "Teacher",
        "occupation_risk": "1", "phone": "138 0013 8000", "address": "1 Renmin Road",
        "branch": "Pudong",
    }  # fmt: skip
    data.update(overrides)
    return data


def _formset(prefix: str, rows: int, fields: dict[str, str]) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(rows), f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "20",
    }  # fmt: skip
    for i in range(rows):
        data.update({f"{prefix}-{i}-{name}": value for name, value in fields.items()})
    return data


def declaration_post(**overrides: str) -> dict[str, str]:
    """A valid declaration: 160 cm, 61.44 kg (BMI 24.0), one reading 140/90 mmHg."""
    when = timezone.localtime() - timezone.timedelta(hours=1)
    data = {
        "main-measured_at": when.strftime("%Y-%m-%dT%H:%M"),
        "main-self_rated_health": "good", "main-medications": "", "main-family_history_notes": "",
        "main-smoking": "never", "main-alcohol": "none", "main-notes": "",
        "measures-height": "160", "measures-height_unit": "cm",
        "measures-weight": "61.44", "measures-weight_unit": "kg",
        "measures-waist": "", "measures-waist_unit": "cm",
        "measures-heart_rate": "", "measures-heart_rate_unit": "/min",
    }  # fmt: skip
    data |= _formset("conditions", 3, {"chapter": "", "code": "", "status": "active", "notes": ""})
    data |= _formset("bp", 3, {"systolic": "", "diastolic": "", "unit": "mm[Hg]"})
    data |= {"bp-0-systolic": "140", "bp-0-diastolic": "90"}
    for name, instrument in questionnaires.INSTRUMENTS.items():
        data |= {f"{name}-item_{i}": "" for i in range(1, instrument.size + 1)}
    data.update(overrides)
    return data
