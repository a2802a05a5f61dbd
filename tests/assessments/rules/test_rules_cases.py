"""Cases B25, B26, B27, B28 and B30 of shared/cases/cases.md, each fixed as a class of fault."""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from assessments.fhir import BundleError, parse_bundle
from assessments.rules import CaseInputs, InputError, Observation, evaluate

DAY = date(2025, 6, 1)
FHIR = Path(__file__).resolve().parents[2] / "data" / "fhir"
D = Decimal


def weight_height(weight: str, weight_unit: str, height: str, height_unit: str = "cm"):
    return CaseInputs(
        sex="male",
        age=40,
        observations=[
            Observation("weight", D(weight), weight_unit, DAY),
            Observation("height", D(height), height_unit, DAY),
        ],
    )


# --- B25: BMI unit mix-up and float boundary error --------------------------------------------


@pytest.mark.parametrize(
    ("weight", "unit", "height", "bmi", "band"),
    [
        ("150", "[lb_av]", "170", "23.5", "normal"),  # not 51.9 (lb read as kg)
        ("64", "kg", "160", "25.0", "overweight"),  # float gives 24.999999999999996
        ("76.8", "kg", "160", "30.0", "obese"),
        ("47.36", "kg", "160", "18.5", "normal"),
        ("64000", "g", "1.60", "25.0", "overweight"),
    ],
)
def test_b25_bmi_is_exact_and_its_band_matches_the_shown_value(weight, unit, height, bmi, band):
    height_unit = "m" if height == "1.60" else "cm"
    result = evaluate(weight_height(weight, unit, height, height_unit), pack="cn")
    measure = result.measure("bmi")
    assert (str(measure.value), measure.band) == (bmi, band)
    assert result.to_dict()["measures"][0] == {
        "measure": "bmi", "value": bmi, "unit": "kg/m2", "band": band,
    }  # fmt: skip


def test_b25_64_kg_at_160_cm_is_overweight_under_the_us_pack_too():
    assert evaluate(weight_height("64", "kg", "160"), pack="us-acc-aha").measure("bmi").band == (
        "overweight"
    )


@pytest.mark.parametrize("unit", ["lbs", "lb", "LB"])
def test_b25_pound_spellings_that_are_not_ucum_are_refused_never_read_as_kg(unit):
    with pytest.raises(InputError, match=f"unknown unit '{unit}'"):
        evaluate(weight_height("150", unit, "170"))


def test_b25_height_175_in_metres_is_refused_as_implausible():
    with pytest.raises(InputError, match=r"height 175 m is implausible"):
        evaluate(weight_height("70", "kg", "175", "m"))


# --- B26: blood-pressure boundaries (ACC/AHA 2017, us-acc-aha pack) ---------------------------


def bp_case(sbp: int, dbp: int) -> CaseInputs:
    when = datetime(2025, 6, 1, 9, 30)
    return CaseInputs(
        sex="male",
        age=50,
        observations=[
            Observation("sbp", D(sbp), "mm[Hg]", when),
            Observation("dbp", D(dbp), "mm[Hg]", when),
        ],
    )


@pytest.mark.parametrize(
    ("sbp", "dbp", "expected"),
    [
        (119, 79, "normal"), (120, 79, "elevated"), (129, 79, "elevated"), (130, 79, "stage_1"),
        (120, 80, "stage_1"), (139, 89, "stage_1"), (140, 70, "stage_2"), (118, 90, "stage_2"),
        (140, 90, "stage_2"), (180, 120, "stage_2"), (181, 100, "crisis"), (175, 121, "crisis"),
    ],
)  # fmt: skip
def test_b26_acc_aha_categories_at_every_boundary(sbp, dbp, expected):
    assert evaluate(bp_case(sbp, dbp), pack="us-acc-aha").measure("blood_pressure").band == expected


@pytest.mark.parametrize("pack", ["cn", "who", "us-acc-aha"])
def test_b26_diastolic_above_systolic_is_refused_as_a_swapped_entry(pack):
    with pytest.raises(InputError, match="probable swapped entry"):
        evaluate(bp_case(80, 120), pack=pack)


def test_b26_hypertensive_crisis_is_an_a_class_flag_only_above_180_or_120():
    at_limit = evaluate(bp_case(180, 120), pack="us-acc-aha")
    above = evaluate(bp_case(181, 100), pack="us-acc-aha")
    assert at_limit.recommendation != "emergency"
    assert [(f.cls, f.measure) for f in above.flags] == [("A", "blood_pressure")]


def test_b26_blood_pressure_is_the_rounded_mean_of_the_latest_days_readings():
    readings = [
        (datetime(2025, 5, 1, 9), 170, 100),  # earlier visit: ignored
        (datetime(2025, 6, 1, 9), 139, 89),
        (datetime(2025, 6, 1, 9, 3), 140, 90),  # mean 139.5/89.5 -> 140/90 half-up
    ]
    obs = [
        Observation(kind, D(value), "mm[Hg]", when)
        for when, sbp, dbp in readings
        for kind, value in (("sbp", sbp), ("dbp", dbp))
    ]
    result = evaluate(CaseInputs(sex="male", age=50, observations=obs), pack="cn")
    bp = result.measure("blood_pressure")
    assert (bp.display, bp.band) == ("140/90", "grade_1")


# --- B27: PHQ-9 / GAD-7 from incomplete or invalid answers ------------------------------------


def phq(answers: dict) -> CaseInputs:
    return CaseInputs(sex="female", age=40, questionnaires={"phq9": answers})


def items_totalling(total: int, count: int, last_item_zero: bool = True) -> dict[int, int]:
    """Answers summing to ``total``; the last item (PHQ-9 item 9) stays 0 when it can."""
    answers, left = {}, total
    for item in range(1, count + 1):
        keep_zero = last_item_zero and item == count and left == 0
        answers[item] = 0 if keep_zero else min(3, left)
        left -= answers[item]
    return answers


def test_b27_five_of_nine_items_gives_no_total_and_no_severity():
    result = evaluate(phq({1: 3, 2: 3, 3: 3, 4: 3, 5: 3}))
    measure = result.measure("phq9")
    assert (measure.value, measure.band, measure.status) == (None, None, "incomplete")
    assert {"measure": "phq9", "value": None, "unit": "{score}", "band": None} in (
        result.to_dict()["measures"]
    )
    assert result.recommendation == "refer"


@pytest.mark.parametrize("answer", [4, -1, "0", 1.5, True])
def test_b27_an_answer_that_is_not_a_whole_number_0_to_3_is_refused(answer):
    answers = {i: 0 for i in range(1, 10)} | {4: answer}
    with pytest.raises(InputError, match=r"phq9 item 4: answer .* is not a whole number 0-3"):
        evaluate(phq(answers))


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
        (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe"),
    ],
)  # fmt: skip
def test_b27_complete_phq9_totals_band_by_kroenke_2001(total, expected):
    answers = items_totalling(total, 9)
    assert sum(answers.values()) == total and len(answers) == 9
    measure = evaluate(phq(answers)).measure("phq9")
    assert (measure.value, measure.band) == (D(total), expected)


def test_b27_all_items_one_is_nine_mild_and_raises_the_item_9_flag():
    result = evaluate(phq(dict.fromkeys(range(1, 10), 1)))
    assert (result.measure("phq9").value, result.measure("phq9").band) == (D(9), "mild")
    assert result.recommendation == "emergency"


def test_b27_item_9_answered_1_with_total_3_flags_regardless_of_the_low_total():
    answers = dict.fromkeys(range(1, 10), 0) | {1: 1, 2: 1, 9: 1}
    result = evaluate(phq(answers))
    assert result.measure("phq9").band == "minimal"
    assert [(f.cls, f.measure) for f in result.flags] == [("A", "phq9")]
    assert result.recommendation == "emergency"


def test_b27_item_9_flag_never_feeds_debits_or_the_outcome_floor():
    result = evaluate(phq(dict.fromkeys(range(1, 9), 0) | {9: 3}))
    assert (result.debits, result.outcome_floor, result.recommendation) == (
        0, "proceed", "emergency",
    )  # fmt: skip


def test_b27_item_9_flag_fires_even_on_an_incomplete_questionnaire():
    result = evaluate(phq({1: 0, 9: 2}))
    assert result.measure("phq9").status == "incomplete"
    assert result.recommendation == "emergency"


@pytest.mark.parametrize(
    ("total", "expected"),
    [(4, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe"), (21, "severe")],
)
def test_b27_complete_gad7_totals_band_by_spitzer_2006(total, expected):
    answers = items_totalling(total, 7, last_item_zero=False)
    result = evaluate(CaseInputs(age=40, questionnaires={"gad7": answers}))
    assert (result.measure("gad7").value, result.measure("gad7").band) == (D(total), expected)


def test_b27_six_of_seven_gad7_items_is_incomplete():
    result = evaluate(CaseInputs(age=40, questionnaires={"gad7": dict.fromkeys(range(1, 7), 2)}))
    assert (result.measure("gad7").band, result.measure("gad7").status) == (None, "incomplete")


# --- B28: glucose stored or compared in the wrong unit ----------------------------------------


def glucose(value: str, unit: str) -> CaseInputs:
    return CaseInputs(age=50, observations=[Observation("fasting_glucose", D(value), unit, DAY)])


def test_b28_108_mg_dl_is_6_0_mmol_l_and_the_original_is_kept():
    inputs = glucose("108", "mg/dL")
    measure = evaluate(inputs, pack="cn").measure("fasting_glucose")
    assert (measure.value, measure.unit, measure.band) == (D("6.0"), "mmol/L", "normal")
    assert (inputs.observations[0].value, inputs.observations[0].unit) == (D("108"), "mg/dL")


@pytest.mark.parametrize("pack", ["cn", "who", "us-acc-aha"])
def test_b28_126_mg_dl_and_7_0_mmol_l_land_in_the_same_diabetes_band(pack):
    in_mg = evaluate(glucose("126", "mg/dL"), pack=pack).measure("fasting_glucose").band
    in_mmol = evaluate(glucose("7.0", "mmol/L"), pack=pack).measure("fasting_glucose").band
    assert in_mg == in_mmol == "diabetes"


def test_b28_126_mg_dl_is_a_b_class_suspected_diabetes_not_a_diagnosis():
    result = evaluate(glucose("126", "mg/dL"), pack="cn")
    assert [(f.cls, f.measure) for f in result.flags] == [("B", "fasting_glucose")]
    assert "suspected diabetes" in result.flags[0].reason
    assert result.outcome_floor == "postpone"


def test_b28_a_value_without_unit_is_refused():
    with pytest.raises(InputError, match="missing unit"):
        evaluate(glucose("5.6", ""))


def test_b28_108_labelled_mmol_l_is_refused_as_implausible():
    with pytest.raises(InputError, match=r"fasting_glucose 108 mmol/L is implausible"):
        evaluate(glucose("108", "mmol/L"))


# --- B30: FHIR Quantity precision and UCUM codes ----------------------------------------------


def observations_of(name: str) -> dict[str, Observation]:
    parsed = parse_bundle((FHIR / name).read_bytes())
    return {o.kind: o for o in parsed.inputs.observations}


def test_b30_decimals_are_kept_exactly_as_written():
    obs = observations_of("b30_precision.json")
    assert str(obs["fasting_glucose"].value) == "5.50"
    assert str(obs["weight"].value) == "71769.859285" and obs["weight"].unit == "g"
    assert str(obs["sbp"].value) == "140.0" and obs["sbp"].value == 140


def test_b30_display_mmhg_without_system_is_read_as_mm_hg():
    obs = observations_of("b30_precision.json")
    assert (obs["sbp"].unit, obs["dbp"].unit, obs["dbp"].value) == ("mm[Hg]", "mm[Hg]", D(90))


def test_b30_140_0_over_90_is_grade_1_in_cn_and_stage_2_in_us():
    inputs = parse_bundle((FHIR / "b30_precision.json").read_bytes()).inputs
    assert evaluate(inputs, pack="cn").measure("blood_pressure").band == "grade_1"
    assert evaluate(inputs, pack="us-acc-aha").measure("blood_pressure").band == "stage_2"


def test_b30_kpa_is_converted_to_mmhg_never_stored_as_16_mmhg():
    inputs = parse_bundle((FHIR / "b30_kpa.json").read_bytes()).inputs
    assert evaluate(inputs).measure("blood_pressure").display == "120/75"


def test_b30_mm_slash_hg_is_flagged_naming_the_unit():
    bundle = json.loads((FHIR / "b30_kpa.json").read_text())
    bundle["entry"][1]["resource"]["valueQuantity"] = {"value": 120, "code": "mm/hg"}
    with pytest.raises(BundleError) as error:
        parse_bundle(json.dumps(bundle))
    assert error.value.problems == [
        "entry[1] Observation 8480-6: unknown unit 'mm/hg' "
        "(expected a UCUM code such as mm[Hg], mmol/L, kg)"
    ]


def test_b30_a_newborn_weight_in_grams_is_refused_quoting_the_exact_value():
    bundle = json.loads((FHIR / "b30_precision.json").read_text())
    bundle["entry"][2]["resource"]["valueQuantity"]["value"] = "PLACEHOLDER"
    text = json.dumps(bundle).replace('"PLACEHOLDER"', "1769.859285")
    with pytest.raises(BundleError, match=r"weight 1769\.859285 g is implausible"):
        parse_bundle(text)


def test_b30_a_decimal_answer_in_an_integer_item_is_refused_not_truncated():
    with pytest.raises(InputError, match=r"answer Decimal\('1.5'\) is not a whole number"):
        evaluate(phq(dict.fromkeys(range(1, 10), 0) | {3: D("1.5")}))
