"""Property tests (hypothesis): every plausible value gets exactly one band, raising a value never
lowers its band, and unit conversions round-trip within the stated precision."""

from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.rules import CaseInputs, Observation, evaluate, load_pack, units

DAY = date(2025, 6, 1)
PACKS = ["cn", "who", "us-acc-aha"]
KIND = {"blood_pressure": "sbp"}


def all_scales():
    for pack_id in PACKS:
        for name, measure in load_pack(pack_id).measures.items():
            for scale in measure.scales:
                groups = scale.components or (("", scale.bands),)
                for component, bands in groups:
                    label = f"{pack_id}-{name}-{component}-{scale.unit}-{scale.sex}"
                    yield pytest.param(name, component or name, scale, bands, id=label)


def plausible_in(kind: str, unit: str, precision: Decimal):
    if kind in ("phq9", "gad7"):
        return st.integers(0, 27 if kind == "phq9" else 21).map(Decimal)
    spec = units.KINDS[kind]
    ends = sorted(units.from_canonical(kind, v, unit) for v in (spec.low, spec.high))
    # inside the plausible range after rounding: round the low end up and the high end down
    low, high = ends[0].quantize(precision, ROUND_CEILING), ends[1].quantize(precision, ROUND_FLOOR)
    steps = int((high - low) / precision)
    return st.integers(0, steps).map(lambda i: low + i * precision)


@pytest.mark.parametrize(("measure", "kind", "scale", "bands"), list(all_scales()))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_plausible_value_falls_in_exactly_one_band(measure, kind, scale, bands, data):
    value = data.draw(plausible_in(KIND.get(kind, kind), scale.unit, scale.precision))
    assert sum(band.interval.contains(value) for band in bands) == 1


def band_index(pack_id: str, measure: str, kind: str, value: Decimal, unit: str) -> int:
    inputs = CaseInputs(sex="male", age=50, observations=[Observation(kind, value, unit, DAY)])
    result = evaluate(inputs, pack=pack_id).measure(measure)
    return load_pack(pack_id).measures[measure].order.index(result.band)


MONOTONE = [
    ("cn", "bmi", "bmi", "kg/m2"),
    ("cn", "fasting_glucose", "fasting_glucose", "mg/dL"),
    ("us-acc-aha", "fasting_glucose", "fasting_glucose", "mmol/L"),
    ("cn", "total_cholesterol", "total_cholesterol", "mg/dL"),
    ("who", "triglycerides", "triglycerides", "mmol/L"),
    ("cn", "hba1c", "hba1c", "mmol/mol"),
    ("cn", "uric_acid", "uric_acid", "mg/dL"),
    ("cn", "egfr", "egfr", "mL/min/{1.73_m2}"),
    ("cn", "waist", "waist", "[in_i]"),
]


@pytest.mark.parametrize(("pack_id", "measure", "kind", "unit"), MONOTONE)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_raising_a_value_never_lowers_its_band(pack_id, measure, kind, unit, data):
    values = plausible_in(kind, unit, Decimal("0.01"))
    low, high = sorted([data.draw(values), data.draw(values)])
    assert band_index(pack_id, measure, kind, low, unit) <= band_index(
        pack_id, measure, kind, high, unit
    )


@pytest.mark.parametrize("pack_id", PACKS)
@settings(max_examples=80, deadline=None)
@given(sbp=st.integers(95, 280), dbp=st.integers(40, 90), rise=st.integers(0, 60))
def test_raising_systolic_or_diastolic_never_lowers_the_blood_pressure_band(
    pack_id, sbp, dbp, rise
):
    order = load_pack(pack_id).measures["blood_pressure"].order

    def band(s: int, d: int) -> int:
        when = datetime(2025, 6, 1, 9)
        obs = [Observation("sbp", Decimal(s), "mm[Hg]", when),
               Observation("dbp", Decimal(d), "mm[Hg]", when)]  # fmt: skip
        result = evaluate(CaseInputs(age=50, observations=obs), pack=pack_id)
        return order.index(result.measure("blood_pressure").band)

    assert band(sbp, dbp) <= band(min(sbp + rise, 300), dbp)
    assert band(sbp, dbp) <= band(sbp, min(dbp + rise, sbp - 1))


CONVERSIONS = [(kind, unit) for kind, spec in units.KINDS.items() for unit in spec.factors]


@pytest.mark.parametrize(("kind", "unit"), CONVERSIONS)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_unit_conversion_round_trips_within_precision(kind, unit, data):
    value = data.draw(plausible_in(kind, units.KINDS[kind].canonical, Decimal("0.01")))
    there = units.from_canonical(kind, value, unit)
    back = units.to_canonical(kind, there, unit)
    assert units.round_half_up(back, Decimal("0.01")) == value
    # and a reported value rounded to 0.1 in its own unit comes back within that 0.1
    shown = units.round_half_up(there, Decimal("0.1"))
    assert abs(units.to_canonical(kind, shown, unit) - value) <= abs(
        units.to_canonical(kind, Decimal("0.05"), unit) - units.to_canonical(kind, 0, unit)
    ) + Decimal("1e-20")
