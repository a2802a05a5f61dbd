"""The FHIR R4 reader: what it takes from a bundle, what it ignores, and how it refuses."""

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.fhir import EXTENSION_BASE, BundleError, parse_bundle

FHIR = Path(__file__).resolve().parents[2] / "data" / "fhir"


def load(name: str) -> dict:
    # plain floats are fine here: these tests edit structure, test_rules_cases checks precision
    return json.loads((FHIR / name).read_text())


def problems_of(bundle: dict | str) -> list[str]:
    with pytest.raises(BundleError) as error:
        parse_bundle(bundle if isinstance(bundle, str) else json.dumps(bundle))
    return error.value.problems


def test_patient_facts_and_documented_extensions_are_read():
    parsed = parse_bundle((FHIR / "controls.json").read_bytes())
    inputs = parsed.inputs
    assert (parsed.patient.sex, parsed.patient.birth_date) == ("female", date(1973, 4, 2))
    assert (inputs.region, inputs.residence, inputs.family_history_ascvd) == (
        "north",
        "urban",
        False,
    )
    assert (inputs.on_bp_treatment, inputs.diabetes, inputs.smoker) == (False, False, False)
    assert inputs.questionnaires["phq9"] == dict.fromkeys(range(1, 10), 0)


def test_no_identifier_from_the_bundle_is_kept():
    parsed = parse_bundle((FHIR / "normal.json").read_bytes())
    assert "C-000123" not in repr(parsed)


def test_separate_systolic_and_diastolic_observations_are_paired_by_time():
    kinds = sorted(
        o.kind for o in parse_bundle((FHIR / "b30_kpa.json").read_bytes()).inputs.observations
    )
    assert kinds == ["dbp", "sbp"]


def test_item_observations_and_integer_answers_make_a_questionnaire():
    bundle = load("emergency_phq9.json")
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "QuestionnaireResponse"
    ]
    codes = [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    for i, code in enumerate(codes):
        bundle["entry"].append(
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "effectiveDateTime": "2025-06-01",
                    "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                    "valueInteger": 2 if i == 8 else 0,
                }
            }
        )
    inputs = parse_bundle(json.dumps(bundle)).inputs
    assert inputs.questionnaires == {"phq9": dict.fromkeys(range(1, 9), 0) | {9: 2}}


def test_icd10_conditions_are_read_and_e11_means_diabetes():
    bundle = load("normal.json")
    bundle["entry"][0]["resource"]["extension"] = [
        e for e in bundle["entry"][0]["resource"]["extension"] if not e["url"].endswith("diabetes")
    ]
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Condition",
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}]},
            }
        }
    )
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Condition",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "resolved",
                        }
                    ]
                },
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I21"}]},
            }
        }
    )
    inputs = parse_bundle(json.dumps(bundle)).inputs
    assert (inputs.conditions, inputs.diabetes) == (("E11.9",), True)


def test_a_diabetes_condition_contradicting_the_extension_is_refused():
    bundle = load("normal.json")
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "Condition",
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11"}]},
            }
        }
    )
    assert "Patient diabetes extension says false but a Condition" in problems_of(bundle)[0]


def test_unread_resources_and_codes_are_listed_as_ignored():
    bundle = load("normal.json")
    bundle["entry"] += [
        {"resource": {"resourceType": "Organization", "name": "Clinic"}},
        {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "effectiveDateTime": "2025-06-01",
                "code": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}]},
                "valueQuantity": {"value": 0, "code": "{score}"},
            }
        },
        {
            "resource": {
                "resourceType": "Observation",
                "status": "preliminary",
                "effectiveDateTime": "2025-06-01",
                "code": {"coding": [{"system": "http://loinc.org", "code": "2823-3"}]},
                "valueQuantity": {"value": 9, "code": "mmol/L"},
            }
        },
    ]
    ignored = parse_bundle(json.dumps(bundle)).ignored
    assert "Organization resources (not read)" in ignored
    assert "Observation 44261-6 (reported PHQ-9 total not used; the items are scored)" in ignored
    assert any("2823-3 (status preliminary)" in line for line in ignored)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b["entry"].append(dict(b["entry"][0])), "exactly one Patient, found 2"),
        (
            lambda b: b["entry"][0]["resource"].update(birthDate="1980"),
            "birthDate '1980' must be a full date",
        ),
        (
            lambda b: b["entry"][0]["resource"]["extension"].append(
                {"url": EXTENSION_BASE + "income", "valueCode": "x"}
            ),
            "unknown extension",
        ),
        (
            lambda b: b["entry"][0]["resource"]["extension"][0].update(valueCode="east"),
            "extension region needs valueCode north or south",
        ),
        (lambda b: b["entry"][1]["resource"].pop("effectiveDateTime"), "no effectiveDateTime"),
        (lambda b: b["entry"][1]["resource"].pop("status"), "no status"),
        (
            lambda b: b["entry"][1]["resource"]["component"][0]["valueQuantity"].update(
                system="urn:other"
            ),
            "unit system 'urn:other' is not UCUM",
        ),
        (lambda b: b.update(entry=[]), "Bundle has no entries"),
    ],
)
def test_structural_problems_are_refused_naming_the_entry(mutate, message):
    bundle = load("normal.json")
    mutate(bundle)
    assert any(message in p for p in problems_of(bundle))


def test_text_that_is_not_json_is_refused():
    assert problems_of("{not json")[0].startswith("file is not valid JSON")


def test_swapped_blood_pressure_in_a_panel_is_refused():
    bundle = load("normal.json")
    component = bundle["entry"][1]["resource"]["component"]
    component[0]["valueQuantity"]["value"], component[1]["valueQuantity"]["value"] = 76, 116
    assert any("probable swapped entry" in p for p in problems_of(bundle))


# --- any element of the wrong JSON type is a problem of the file, never an exception ---------

_JSON_SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5)
_ANY_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=4,
)


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*path, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*path, i))
    return found


def _replaced(doc: object, path: tuple, value: object) -> object:
    if not path:
        return value
    copy = json.loads(json.dumps(doc))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copy


@pytest.mark.parametrize("name", ["controls.json", "emergency_bp.json", "emergency_phq9.json"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_element_of_any_wrong_type_is_reported_not_raised(name, data):
    doc = load(name)
    path = data.draw(st.sampled_from(_paths(doc)), label="path")
    value = data.draw(_ANY_JSON, label="value")
    try:
        parse_bundle(json.dumps(_replaced(doc, path, value)))
    except BundleError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)


def test_a_null_blood_pressure_component_list_is_a_problem_of_the_file():
    bundle = load("emergency_bp.json")
    panel = next(e["resource"] for e in bundle["entry"] if "component" in e["resource"])
    panel["component"] = None
    assert any("blood-pressure panel without" in p for p in problems_of(bundle))
