"""Boundary tables per measure and per pack: each threshold, and values just below and above it,
land in the band the pack's guideline states (issue 6 acceptance 2)."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from assessments.rules import CaseInputs, Observation, evaluate

DAY = date(2025, 6, 1)


def band_of(pack: str, measure: str, kind: str, value: str, unit: str, sex: str = "male"):
    inputs = CaseInputs(
        sex=sex, age=50, observations=[Observation(kind, Decimal(value), unit, DAY)]
    )
    return evaluate(inputs, pack=pack).measure(measure).band


def bp_band(pack: str, sbp: int, dbp: int) -> str:
    when = datetime(2025, 6, 1, 9, 0)
    inputs = CaseInputs(
        sex="female",
        age=50,
        observations=[
            Observation("sbp", Decimal(sbp), "mm[Hg]", when),
            Observation("dbp", Decimal(dbp), "mm[Hg]", when),
        ],
    )
    return evaluate(inputs, pack=pack).measure("blood_pressure").band


@pytest.mark.parametrize(
    ("pack", "value", "expected"),
    [
        ("cn", "18.4", "underweight"), ("cn", "18.5", "normal"), ("cn", "23.9", "normal"),
        ("cn", "23.94", "normal"), ("cn", "23.95", "overweight"), ("cn", "23.96", "overweight"),
        ("cn", "24.0", "overweight"), ("cn", "27.9", "overweight"), ("cn", "27.96", "obese"),
        ("cn", "28.0", "obese"),
        ("who", "24.9", "normal"), ("who", "24.95", "pre_obese"), ("who", "25.0", "pre_obese"),
        ("who", "29.9", "pre_obese"), ("who", "30.0", "obese_1"), ("who", "34.9", "obese_1"),
        ("who", "35.0", "obese_2"), ("who", "39.9", "obese_2"), ("who", "40.0", "obese_3"),
        ("us-acc-aha", "18.49", "normal"), ("us-acc-aha", "24.9", "normal"),
        ("us-acc-aha", "25.0", "overweight"), ("us-acc-aha", "30.0", "obese_1"),
    ],
)  # fmt: skip
def test_bmi_is_rounded_to_one_decimal_then_banded(pack, value, expected):
    assert band_of(pack, "bmi", "bmi", value, "kg/m2") == expected


@pytest.mark.parametrize(
    ("pack", "sex", "waist", "unit", "expected"),
    [
        ("cn", "male", "84.9", "cm", "normal"), ("cn", "male", "85", "cm", "pre_central_obesity"),
        ("cn", "male", "89.9", "cm", "pre_central_obesity"),
        ("cn", "male", "90", "cm", "central_obesity"), ("cn", "female", "79.9", "cm", "normal"),
        ("cn", "female", "80", "cm", "pre_central_obesity"),
        ("cn", "female", "85", "cm", "central_obesity"),
        ("cn", "male", "33.5", "[in_i]", "pre_central_obesity"),  # 85.09 cm -> 85.1
        ("who", "male", "93.9", "cm", "normal"), ("who", "male", "94", "cm", "increased"),
        ("who", "female", "88", "cm", "substantially_increased"),
        ("us-acc-aha", "male", "101.9", "cm", "normal"),
        ("us-acc-aha", "male", "102", "cm", "high"),
        ("us-acc-aha", "female", "88", "cm", "high"),
    ],
)  # fmt: skip
def test_waist_bands_are_sex_specific(pack, sex, waist, unit, expected):
    assert band_of(pack, "waist", "waist", waist, unit, sex=sex) == expected


@pytest.mark.parametrize(
    ("sbp", "dbp", "expected"),
    [
        (119, 79, "normal"), (120, 79, "high_normal"), (119, 80, "high_normal"),
        (120, 80, "high_normal"), (139, 89, "high_normal"), (140, 89, "grade_1"),
        (139, 90, "grade_1"), (140, 90, "grade_1"), (159, 99, "grade_1"), (160, 99, "grade_2"),
        (159, 100, "grade_2"), (179, 109, "grade_2"), (180, 109, "grade_3"),
        (179, 110, "grade_3"), (180, 110, "grade_3"), (150, 70, "grade_1"),
    ],
)  # fmt: skip
def test_cn_blood_pressure_bands_take_the_worse_of_sbp_and_dbp(sbp, dbp, expected):
    assert bp_band("cn", sbp, dbp) == expected


@pytest.mark.parametrize(
    ("sbp", "dbp", "expected"),
    [
        (119, 79, "optimal"), (120, 79, "normal"), (119, 80, "normal"), (129, 84, "normal"),
        (130, 84, "high_normal"), (129, 85, "high_normal"), (139, 89, "high_normal"),
        (140, 89, "grade_1"), (140, 90, "grade_1"), (160, 100, "grade_2"),
        (180, 110, "grade_3"),
    ],
)  # fmt: skip
def test_who_blood_pressure_follows_esc_esh_2018(sbp, dbp, expected):
    assert bp_band("who", sbp, dbp) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("2.7", "mmol/L", "critically_low"), ("2.8", "mmol/L", "normal"),
        ("6.0", "mmol/L", "normal"), ("6.1", "mmol/L", "impaired"), ("6.9", "mmol/L", "impaired"),
        ("7.0", "mmol/L", "diabetes"), ("109", "mg/dL", "normal"), ("110", "mg/dL", "impaired"),
        ("125", "mg/dL", "impaired"), ("126", "mg/dL", "diabetes"),
    ],
)  # fmt: skip
def test_cn_fasting_glucose_bands(value, unit, expected):
    assert band_of("cn", "fasting_glucose", "fasting_glucose", value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("50", "mg/dL", "critically_low"), ("51", "mg/dL", "normal"), ("99", "mg/dL", "normal"),
        ("100", "mg/dL", "impaired"), ("125", "mg/dL", "impaired"), ("126", "mg/dL", "diabetes"),
        ("5.5", "mmol/L", "normal"), ("5.6", "mmol/L", "impaired"), ("6.9", "mmol/L", "impaired"),
        ("7.0", "mmol/L", "diabetes"),
    ],
)  # fmt: skip
def test_us_fasting_glucose_bands_follow_ada_in_both_units(value, unit, expected):
    assert band_of("us-acc-aha", "fasting_glucose", "fasting_glucose", value, unit) == expected


@pytest.mark.parametrize("pack", ["cn", "who", "us-acc-aha"])
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("5.6", "%", "normal"), ("5.7", "%", "prediabetes"), ("6.4", "%", "prediabetes"),
        ("6.5", "%", "diabetes"), ("38", "mmol/mol", "normal"), ("39", "mmol/mol", "prediabetes"),
        ("47", "mmol/mol", "prediabetes"), ("48", "mmol/mol", "diabetes"),
    ],
)  # fmt: skip
def test_hba1c_bands_follow_ada_in_percent_and_mmol_per_mol(pack, value, unit, expected):
    assert band_of(pack, "hba1c", "hba1c", value, unit) == expected


@pytest.mark.parametrize(
    ("kind", "value", "unit", "expected"),
    [
        ("total_cholesterol", "5.1", "mmol/L", "desirable"),
        ("total_cholesterol", "5.2", "mmol/L", "borderline_high"),
        ("total_cholesterol", "6.1", "mmol/L", "borderline_high"),
        ("total_cholesterol", "6.2", "mmol/L", "high"),
        ("total_cholesterol", "199", "mg/dL", "desirable"),
        ("total_cholesterol", "200", "mg/dL", "borderline_high"),
        ("total_cholesterol", "240", "mg/dL", "high"),
        ("ldl_c", "2.5", "mmol/L", "ideal"),
        ("ldl_c", "2.6", "mmol/L", "desirable"),
        ("ldl_c", "3.3", "mmol/L", "desirable"),
        ("ldl_c", "3.4", "mmol/L", "borderline_high"),
        ("ldl_c", "4.0", "mmol/L", "borderline_high"),
        ("ldl_c", "4.1", "mmol/L", "high"),
        ("ldl_c", "160", "mg/dL", "high"),
        ("hdl_c", "0.9", "mmol/L", "low"),
        ("hdl_c", "1.0", "mmol/L", "normal"),
        ("hdl_c", "39", "mg/dL", "low"),
        ("hdl_c", "40", "mg/dL", "normal"),
        ("triglycerides", "1.6", "mmol/L", "desirable"),
        ("triglycerides", "1.7", "mmol/L", "borderline_high"),
        ("triglycerides", "2.2", "mmol/L", "borderline_high"),
        ("triglycerides", "2.3", "mmol/L", "high"),
        ("triglycerides", "150", "mg/dL", "borderline_high"),
    ],
)
def test_cn_lipid_bands_follow_the_2016_guideline_in_both_units(kind, value, unit, expected):
    assert band_of("cn", kind, kind, value, unit) == expected


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("ldl_c", "99", "optimal"), ("ldl_c", "100", "near_optimal"), ("ldl_c", "189", "high"),
        ("ldl_c", "190", "very_high"), ("triglycerides", "499", "high"),
        ("triglycerides", "500", "very_high"), ("hdl_c", "60", "high"),
    ],
)  # fmt: skip
def test_us_lipid_bands_follow_ncep_atp_iii(kind, value, expected):
    assert band_of("us-acc-aha", kind, kind, value, "mg/dL") == expected


def test_lipids_in_mmol_are_converted_and_rounded_for_an_mg_dl_only_pack():
    # 5.17 mmol/L / 0.02586 = 199.9 -> 200 mg/dL -> borderline high, shown in mg/dL
    result = evaluate(
        CaseInputs(age=50, observations=[Observation("total_cholesterol", Decimal("5.17"),
                                                     "mmol/L", DAY)]),
        pack="us-acc-aha",
    )  # fmt: skip
    tc = result.measure("total_cholesterol")
    assert (tc.value, tc.unit, tc.band) == (Decimal("200"), "mg/dL", "borderline_high")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14", "G5"), ("15", "G4"), ("29", "G4"), ("30", "G3b"), ("44", "G3b"), ("45", "G3a"),
        ("59", "G3a"), ("60", "G2"), ("89", "G2"), ("89.5", "G1"), ("90", "G1"),
    ],
)  # fmt: skip
def test_egfr_kdigo_categories(value, expected):
    assert band_of("cn", "egfr", "egfr", value, "mL/min/{1.73_m2}") == expected


def test_egfr_is_computed_with_ckd_epi_2021_when_only_creatinine_is_given():
    # F 55, creatinine 0.9 mg/dL = 79.56 umol/L -> 75.497 (RULES.md §1.7 vector 75.5) -> 75, G2;
    # rounded once from the exact value, never 75.5 -> 76
    inputs = CaseInputs(
        sex="female",
        age=55,
        observations=[Observation("creatinine", Decimal("79.56"), "umol/L", DAY)],
    )
    egfr = evaluate(inputs).measure("egfr")
    assert (egfr.value, egfr.band) == (Decimal(75), "G2")


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("420", "umol/L", "normal"), ("420.5", "umol/L", "hyperuricaemia"),
        ("421", "umol/L", "hyperuricaemia"), ("7.0", "mg/dL", "normal"),
        ("7.1", "mg/dL", "hyperuricaemia"),
    ],
)  # fmt: skip
def test_cn_uric_acid_is_high_only_above_420(value, unit, expected):
    assert band_of("cn", "uric_acid", "uric_acid", value, unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("59", "bradycardia"), ("60", "normal"), ("100", "normal"), ("101", "tachycardia")],
)
def test_heart_rate_normal_is_60_to_100_inclusive(value, expected):
    assert band_of("cn", "heart_rate", "heart_rate", value, "/min") == expected
