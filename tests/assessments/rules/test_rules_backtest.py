"""Backtesting counts recommendation and outcome-floor changes per measure whose band changed."""

from datetime import date, datetime
from decimal import Decimal

from assessments.rules import CaseInputs, Observation, evaluate
from assessments.rules.backtest import RULES_ONLY, iter_stored_inputs

DAY = date(2025, 6, 1)


def case(bmi: str, sbp: int, dbp: int) -> CaseInputs:
    when = datetime(2025, 6, 1, 9)
    return CaseInputs(
        sex="male",
        age=50,
        observations=[
            Observation("bmi", Decimal(bmi), "kg/m2", DAY),
            Observation("sbp", Decimal(sbp), "mm[Hg]", when),
            Observation("dbp", Decimal(dbp), "mm[Hg]", when),
        ],
    )


def test_switching_cn_to_who_changes_bmi_bands_between_24_and_25():
    stored = [(i, evaluate(i, pack="cn")) for i in (case("24.5", 118, 76), case("22.0", 118, 76))]
    report = iter_stored_inputs(stored, pack="who")
    # 24.5: cn overweight (refer) -> who normal (proceed); 22.0 stays normal everywhere
    assert (report.cases, report.recommendation_changes, report.outcome_floor_changes) == (2, 1, 0)
    assert report.by_measure["bmi"]["band"] == 1
    assert report.by_measure["bmi"]["recommendation"] == 1


def test_against_re_evaluates_the_old_side_and_attributes_rule_only_changes():
    # 135/85: cn high-normal (no debits), us stage 1 (+25 -> controls): a band change on BP
    stored = [(case("22.0", 135, 85), evaluate(case("22.0", 135, 85), pack="who").to_dict())]
    report = iter_stored_inputs(stored, pack="us-acc-aha", against="cn")
    assert report.outcome_floor_changes == 1
    assert report.by_measure["blood_pressure"]["outcome_floor"] == 1
    assert RULES_ONLY not in report.by_measure
    assert report.lines()[2] == "outcome floor changes: 1"


def test_cases_that_can_no_longer_be_evaluated_are_counted_not_fatal():
    bad = CaseInputs(observations=[Observation("weight", Decimal("999"), "kg", DAY)])
    report = iter_stored_inputs([(bad, {"as_of": "2025-06-01"})], pack="cn")
    assert (report.cases, report.errors) == (1, 1)
