"""The pack loader refuses broken packs and names the problem (gaps, overlaps, missing sources,
restricted or forbidden inputs in decision rules); the shipped packs load."""

import copy
import json

import pytest

from assessments.rules import packs
from assessments.rules.packs import PackError, parse_pack


@pytest.fixture
def raw_cn() -> dict:
    return json.loads((packs.PACK_DIR / "cn.json").read_text(encoding="utf-8"))


def refusal(raw: dict) -> str:
    with pytest.raises(PackError) as error:
        parse_pack(raw)
    return "\n".join(error.value.problems)


def bmi_bands(raw: dict) -> list[dict]:
    return raw["measures"]["bmi"]["scales"][0]["bands"]


@pytest.mark.parametrize("pack_id", ["cn", "who", "us-acc-aha"])
def test_every_shipped_pack_loads_and_cites_a_source_for_every_band_and_rule(pack_id):
    pack = packs.load_pack(pack_id)
    assert pack.id == pack_id and pack.sex_may_feed_decisions is False
    for measure in pack.measures.values():
        for scale in measure.scales:
            bands = scale.bands or tuple(b for _, bs in scale.components for b in bs)
            assert all(pack.cite(b.sources) for b in bands)
    assert all(pack.cite(rule.sources) for rule in pack.rules)


def test_cn_is_the_default_pack():
    assert packs.DEFAULT_PACK == "cn"
    assert set(packs.available_packs()) == {"cn", "who", "us-acc-aha"}


def test_an_unknown_pack_id_is_refused_listing_the_available_ones():
    with pytest.raises(PackError, match=r"no rule pack 'eu' \(available: cn, us-acc-aha, who\)"):
        packs.load_pack("eu")


def test_a_gap_between_bands_is_refused(raw_cn):
    bmi_bands(raw_cn)[1]["range"] = "[18.5, 23.9)"
    assert "bmi.scales[0]: gap between 'normal' [18.5, 23.9) and 'overweight' [24.0, 28.0)" in (
        refusal(raw_cn)
    )


def test_an_overlap_between_bands_is_refused(raw_cn):
    bmi_bands(raw_cn)[2]["range"] = "[23.5, 28.0)"
    assert "overlap between 'normal' [18.5, 24.0) and 'overweight' [23.5, 28.0)" in refusal(raw_cn)


def test_a_shared_point_claimed_by_both_bands_is_refused(raw_cn):
    bmi_bands(raw_cn)[1]["range"] = "[18.5, 24.0]"
    assert "overlap at 24.0 between 'normal'" in refusal(raw_cn)


def test_a_shared_point_claimed_by_neither_band_is_refused(raw_cn):
    bmi_bands(raw_cn)[2]["range"] = "(24.0, 28.0)"
    assert "gap at 24.0 between 'normal'" in refusal(raw_cn)


def test_bands_that_do_not_reach_infinity_are_refused(raw_cn):
    bmi_bands(raw_cn)[3]["range"] = "[28.0, 60.0)"
    assert "last band 'obese' must end at inf" in refusal(raw_cn)


def test_a_band_without_a_source_is_refused_fair_03(raw_cn):
    del bmi_bands(raw_cn)[2]["source"]
    assert "bmi.scales[0].bands[2] 'overweight': no source (FAIR-03" in refusal(raw_cn)


def test_a_rule_citing_an_unknown_source_is_refused(raw_cn):
    raw_cn["rules"][0]["source"] = ["nowhere"]
    assert "source 'nowhere' is not in the pack's sources" in refusal(raw_cn)


def test_a_threshold_finer_than_the_precision_is_refused(raw_cn):
    bmi_bands(raw_cn)[1]["range"] = "[18.5, 23.95)"
    bmi_bands(raw_cn)[2]["range"] = "[23.95, 28.0)"
    assert "threshold 23.95 is finer than the precision 0.1" in refusal(raw_cn)


@pytest.mark.parametrize(
    ("condition", "restricted"),
    [
        ({"band": "phq9", "in": ["severe"]}, "phq9.band"),
        ({"value": "gad7", "op": ">=", "threshold": "10"}, "gad7"),
        ({"value": "phq9.item9", "op": ">", "threshold": "0"}, "phq9.item9"),
        ({"icd10": ["F32"]}, "icd10:F32"),
        ({"icd10": ["B2"]}, "icd10:B2"),  # a prefix covering HIV B20-B24
        ({"icd10": ["B18"]}, "icd10:B18"),
        ({"icd10": ["O"]}, "icd10:O"),
        ({"icd10": ["Z15"]}, "icd10:Z15"),
        ({"any": [{"band": "bmi", "in": ["obese"]}, {"icd10": ["F20"]}]}, "icd10:F20"),
    ],
)
def test_a_decision_rule_reading_a_restricted_input_is_refused_fair_02(
    raw_cn, condition, restricted
):
    raw_cn["rules"].append(
        {"id": "cn.decision.bad", "when": condition, "reason": "x", "source": "bmi",
         "debits": 25, "outcome_floor": "proceed_with_controls"}
    )  # fmt: skip
    assert f"'cn.decision.bad': decision rule reads restricted input '{restricted}'" in (
        refusal(raw_cn)
    )


def test_the_same_restricted_input_is_allowed_in_a_flag_that_decides_nothing(raw_cn):
    raw_cn["rules"].append(
        {"id": "cn.followup.phq", "flag": "B", "measure": "phq9", "reason": "refer",
         "when": {"band": "phq9", "in": ["severe"]}, "source": "phq9_2001"}
    )  # fmt: skip
    assert parse_pack(raw_cn).rules[-1].id == "cn.followup.phq"


def test_sex_in_a_decision_rule_is_refused_when_the_pack_forbids_it(raw_cn):
    raw_cn["rules"].append(
        {"id": "cn.decision.sex", "when": {"fact": "sex", "is": "female"}, "reason": "x",
         "source": "bmi", "debits": 25}
    )  # fmt: skip
    assert "reads restricted input 'sex' (sex may not feed decisions in this pack)" in (
        refusal(raw_cn)
    )


def test_sex_in_a_decision_rule_is_allowed_when_the_pack_permits_it(raw_cn):
    permissive = copy.deepcopy(raw_cn) | {"sex_may_feed_decisions": True}
    permissive["rules"].append(
        {"id": "cn.decision.sex", "when": {"fact": "sex", "is": "female"}, "reason": "x",
         "source": "bmi", "debits": 25}
    )  # fmt: skip
    assert parse_pack(permissive).rules[-1].debits == 25


def test_a_broken_pack_lists_every_problem_not_just_the_first(raw_cn):
    del bmi_bands(raw_cn)[0]["source"]
    raw_cn["rules"][0]["outcome_floor"] = "maybe"
    raw_cn["effective_date"] = "soon"
    problems = refusal(raw_cn)
    assert "effective_date" in problems and "no source" in problems
    assert "outcome_floor must be one of" in problems


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["measures"].update(bogus={}), "measure 'bogus' is unknown"),
        (lambda r: r["measures"]["bmi"]["scales"][0].update(unit="stone"), "unknown unit 'stone'"),
        (lambda r: r["measures"]["bmi"]["scales"][0].update(unit="mmol/L"),
         "unit 'mmol/L' is not accepted for bmi"),
        (lambda r: r["measures"]["bmi"].update(healthy=["slim"]), "healthy band 'slim'"),
        (lambda r: r["risk_models"].append({"model": "qrisk3", "source": "bmi"}),
         "unknown risk model 'qrisk3'"),
        (lambda r: r["rules"][0].update(when={"band": "bmi", "in": ["huge"]}),
         "bmi has no band 'huge'"),
        (lambda r: r["rules"].append(dict(r["rules"][0])), "duplicate rule id"),
        (lambda r: r.update(schema="v0"), "schema must be 'healthcheck.rulepack/1'"),
    ],
)  # fmt: skip
def test_other_broken_packs_are_refused_naming_the_problem(raw_cn, mutate, message):
    mutate(raw_cn)
    assert message in refusal(raw_cn)
