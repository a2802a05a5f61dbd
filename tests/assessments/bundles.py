"""FHIR R4 bundles for the results-intake tests, written as JSON text (decimals kept exact)."""

from __future__ import annotations

import json

SSN = "078-05-1120"  # a foreign social security number: must never be stored


def _quantity_obs(code: str, value: str, unit: str | None, when: str) -> str:
    q = {"value": "@V@"}
    if unit is not None:
        q |= {"unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    resource = {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "effectiveDateTime": when, "valueQuantity": q,
    }  # fmt: skip
    return json.dumps(resource).replace('"@V@"', value)


def _bp(sbp: str, dbp: str, when: str) -> str:
    def comp(code: str, value: str) -> dict:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": f"@{code}@", "unit": "mmHg",
                              "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
        }  # fmt: skip

    resource = {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "effectiveDateTime": when,
        "component": [comp("8480-6", sbp), comp("8462-4", dbp)],
    }  # fmt: skip
    return json.dumps(resource).replace('"@8480-6@"', sbp).replace('"@8462-4@"', dbp)


def bundle(
    *,
    birth: str = "1975-03-02",
    gender: str = "male",
    when: str = "2025-06-01T09:00:00+08:00",
    glucose: str = "5.50",
    glucose_unit: str | None = "mmol/L",
    creatinine: str = "88",
    haemoglobin: str = "145",
    sbp: str = "128",
    dbp: str = "82",
    extra: list[str] | None = None,
    resource_type: str = "Bundle",
) -> bytes:
    """A realistic check-up report in Chinese units: mmol/L, µmol/L (umol/L), g/L."""
    patient = {
        "resourceType": "Patient", "gender": gender, "birthDate": birth,
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-ssn", "value": SSN}],
        "name": [{"text": "Wang Fang"}],
    }  # fmt: skip
    entries = [
        json.dumps(patient),
        _quantity_obs("14771-0", glucose, glucose_unit, when),
        _quantity_obs("14682-9", creatinine, "umol/L", when),
        _quantity_obs("718-7", haemoglobin, "g/L", when),
        _quantity_obs("2093-3", "5.2", "mmol/L", when),
        _quantity_obs("99999-9", "1", "mmol/L", when),  # unknown code: listed as ignored
        _bp(sbp, dbp, when),
        json.dumps({"resourceType": "DiagnosticReport", "status": "final",
                    "conclusion": "No acute findings."}),
        *(extra or []),
    ]  # fmt: skip
    body = ",".join(f'{{"resource": {e}}}' for e in entries)
    return (
        f'{{"resourceType": "{resource_type}", "type": "collection", "entry": [{body}]}}'.encode()
    )
