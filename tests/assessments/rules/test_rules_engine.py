"""The engine's API: result shape, as-of dating, recommendation, outcome floor, institution
critical-value overrides, trace, and purity (no Django in the engine or the FHIR reader)."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from assessments.rules import CaseInputs, InputError, Observation, PackError, evaluate

DAY = date(2025, 6, 1)
D = Decimal
ROOT = Path(__file__).resolve().parents[3]


def obs(kind: str, value: str, unit: str, when: date | datetime = DAY) -> Observation:
    return Observation(kind, D(value), unit, when)


def healthy_case(**changes) -> CaseInputs:
    when = datetime(2025, 6, 1, 9)
    base = dict(
        sex="female", birth_date=date(1975, 6, 2), smoker=False, diabetes=False,
        on_bp_treatment=False, family_history_ascvd=False, region="south", residence="urban",
        observations=[obs("weight", "60", "kg"), obs("height", "165", "cm"),
                      obs("sbp", "118", "mm[Hg]", when), obs("dbp", "76", "mm[Hg]", when),
                      obs("total_cholesterol", "4.6", "mmol/L"), obs("hdl_c", "1.5", "mmol/L"),
                      obs("waist", "74", "cm")],
    )  # fmt: skip
    return CaseInputs(**(base | changes))


def test_a_healthy_case_proceeds_with_no_flags_or_debits():
    result = evaluate(healthy_case())
    assert (result.recommendation, result.outcome_floor, result.debits, result.flags) == (
        "proceed", "proceed", 0, (),
    )  # fmt: skip


def test_to_dict_has_exactly_the_documented_keys_and_decimals_as_strings():
    data = evaluate(healthy_case()).to_dict()
    assert list(data) == ["pack", "as_of", "measures", "cvd_risk", "flags", "debits",
                          "outcome_floor", "recommendation", "trace"]  # fmt: skip
    assert data["pack"] == {"id": "cn", "version": "2025.1"} and data["as_of"] == "2025-06-01"
    assert data["measures"][0] == {"measure": "bmi", "value": "22.0", "unit": "kg/m2",
                                   "band": "normal"}  # fmt: skip
    assert isinstance(data["debits"], int)
    risks = {r["model"]: r for r in data["cvd_risk"]}
    # 1.0956 % by an independent float check of the §3.1 women's equation
    assert risks["china_par"] == {"model": "china_par", "ten_year_percent": "1.1"}
    assert set(risks["who_2019_lab"]) == {"model", "ten_year_percent"}
    assert risks["who_2019_nonlab"] == {
        "model": "who_2019_nonlab",
        "not_applicable": "no non-laboratory-model recalibration parameters on file for china_2017",
    }
    assert all(set(t) == {"rule", "inputs", "threshold", "source", "result"} for t in data["trace"])


@pytest.mark.parametrize("missing", ["sbp", "weight"])
def test_missing_blood_pressure_or_bmi_means_refer(missing):
    inputs = healthy_case()
    kept = [o for o in inputs.observations if o.kind not in (missing, "dbp")]
    result = evaluate(healthy_case(observations=kept))
    assert result.recommendation == "refer" and not result.flags


def test_china_par_reports_which_inputs_are_missing_never_a_number():
    result = evaluate(healthy_case(region=None, smoker=None))
    china_par = next(r for r in result.cvd_risk if r.model == "china_par")
    assert (china_par.percent, china_par.not_applicable) == (
        None, "missing input: smoker, region",
    )  # fmt: skip


def test_observations_after_as_of_are_ignored_and_age_is_taken_at_as_of():
    later = obs("fasting_glucose", "7.5", "mmol/L", date(2025, 7, 1))
    inputs = healthy_case(observations=[*healthy_case().observations, later])
    assert evaluate(inputs).as_of == date(2025, 7, 1)
    result = evaluate(inputs, as_of=DAY)
    assert result.measure("fasting_glucose") is None
    china = next(t for t in result.trace if t.rule == "risk.china_par")
    assert china.inputs["age"] == "49"  # born 1975-06-02, one day short of 50


def test_debits_beyond_the_maximum_table_give_decline():
    when = datetime(2025, 6, 1, 9)
    inputs = CaseInputs(
        age=50, diabetes=True,
        observations=[obs("bmi", "41", "kg/m2"), obs("sbp", "182", "mm[Hg]", when),
                      obs("dbp", "100", "mm[Hg]", when)],
    )  # fmt: skip
    result = evaluate(inputs, pack="who")  # grade 3 100 + obese III 100 + diabetes 50 = 250
    assert (result.debits, result.outcome_floor) == (250, "decline")


def test_an_institution_critical_value_list_overrides_the_pack_default():
    inputs = healthy_case(observations=[*healthy_case().observations,
                                        obs("potassium", "6.1", "mmol/L")])  # fmt: skip
    assert evaluate(inputs).recommendation == "proceed"
    override = {
        "id": "cn.critical.potassium", "flag": "A", "measure": "potassium",
        "when": {"value": "potassium", "op": ">=", "threshold": {"mmol/L": "6.0"}},
        "reason": "Potassium >= 6.0 mmol/L (institution list)", "source": "critical_labs",
    }  # fmt: skip
    result = evaluate(inputs, critical_overrides=[override])
    assert result.recommendation == "emergency"
    assert [f.reason for f in result.flags] == ["Potassium >= 6.0 mmol/L (institution list)"]


def test_an_override_without_a_source_or_that_is_not_a_class_is_refused():
    rule = {"id": "x", "flag": "A", "measure": "sodium", "reason": "r",
            "when": {"value": "sodium", "op": "<", "threshold": {"mmol/L": "125"}}}  # fmt: skip
    with pytest.raises(PackError, match="no source"):
        evaluate(healthy_case(), critical_overrides=[rule])
    with pytest.raises(PackError, match="not an A-class rule"):
        evaluate(healthy_case(), critical_overrides=[rule | {"flag": "B", "source": "bp"}])


@pytest.mark.parametrize(
    ("kind", "value", "unit"),
    [("potassium", "6.8", "mmol/L"), ("potassium", "2.7", "mmol/L"), ("sodium", "161", "mmol/L"),
     ("haemoglobin", "6.0", "g/dL"), ("platelets", "30", "10*3/uL"), ("glucose", "410", "mg/dL"),
     ("heart_rate", "45", "/min"), ("fasting_glucose", "1.9", "mmol/L")],
)  # fmt: skip
def test_critical_values_raise_an_a_class_flag_and_postpone(kind, value, unit):
    inputs = healthy_case(observations=[*healthy_case().observations, obs(kind, value, unit)])
    result = evaluate(inputs)
    assert [(f.cls, f.measure) for f in result.flags] == [("A", kind)]
    assert (result.recommendation, result.outcome_floor) == ("emergency", "postpone")


def test_the_trace_names_the_rule_its_inputs_threshold_and_source():
    when = datetime(2025, 6, 1, 9)
    inputs = healthy_case(observations=[obs("sbp", "186", "mm[Hg]", when),
                                        obs("dbp", "124", "mm[Hg]", when)])  # fmt: skip
    entry = next(t for t in evaluate(inputs).trace if t.rule == "cn.critical.blood_pressure")
    assert entry.inputs == {"dbp": "124 mm[Hg]", "sbp": "186 mm[Hg]"}
    assert entry.threshold == "(sbp >= 180 mm[Hg]) or (dbp >= 110 mm[Hg])"
    assert "RULES.md §2.1" in entry.source and entry.result == "fired"


def test_isolated_systolic_marker_needs_both_conditions():
    when = datetime(2025, 6, 1, 9)

    def marker(sbp: str, dbp: str) -> str:
        inputs = healthy_case(observations=[obs("sbp", sbp, "mm[Hg]", when),
                                            obs("dbp", dbp, "mm[Hg]", when)])  # fmt: skip
        trace = evaluate(inputs).trace
        return next(t.result for t in trace if t.rule == "cn.blood_pressure.isolated_systolic")

    assert (marker("150", "85"), marker("150", "90"), marker("139", "70")) == (
        "fired", "not fired", "not fired",
    )  # fmt: skip


def test_a_float_value_is_refused_because_it_has_already_lost_precision():
    with pytest.raises(InputError, match="must be a finite Decimal"):
        evaluate(CaseInputs(observations=[Observation("weight", 64.0, "kg", DAY)]))


def test_the_engine_and_the_fhir_reader_import_no_django():
    sources = [*(ROOT / "assessments" / "rules").glob("*.py"), ROOT / "assessments" / "fhir.py"]
    assert sources and all("django" not in path.read_text() for path in sources)
