"""B28 through the web path: the engine bands a stored observation in the unit it was reported in,
so 126 mg/dL (stored canonical 6.9930 mmol/L) and 7.0 mmol/L both band "diabetes"."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from assessments import selectors, services
from clients import services as client_services
from clients.models import Observation, Purpose
from healthcheck.core.fields import reveal
from tests.clients.conftest import bp_declaration, grant, make_client

pytestmark = pytest.mark.django_db


def _glucose_band(manager: Any, notices: dict, value: str, unit: str) -> dict:
    client = make_client(manager)
    grant(client, manager, notices[Purpose.HEALTH_CHECK])
    client_services.declaration_save(actor=manager, client=client, data=bp_declaration())
    when = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    item = client_services.ObservationInput("fasting_glucose", Decimal(value), unit, when)
    client_services.observation_record(
        client=client, actor=manager, items=[item], source=Observation.Source.RESULTS_FORM
    )
    case = services.case_create(actor=manager, client=client, purpose="insurance")
    services.case_collect(case=case, actor=manager)
    assessment = services.assessment_run(case=case, actor=manager)
    return next(m for m in assessment.result["measures"] if m["measure"] == "fasting_glucose")


@pytest.mark.parametrize(("value", "unit"), [("126", "mg/dL"), ("7.0", "mmol/L")])
def test_126_mg_dl_and_7_0_mmol_l_land_in_the_same_band(
    clara: Any, notices: dict, value: str, unit: str
) -> None:
    measure = _glucose_band(clara, notices, value, unit)
    assert measure["band"] == "diabetes"
    assert (Decimal(str(measure["value"])), measure["unit"]) == (Decimal("7.0"), "mmol/L")


def test_the_canonical_value_is_stored_and_the_engine_gets_the_reported_one(
    clara: Any, notices: dict
) -> None:
    _glucose_band(clara, notices, "126", "mg/dL")
    row = Observation.objects.get(kind="fasting_glucose")
    assert (reveal(row, "value"), row.unit) == (Decimal("6.9930"), "mmol/L")
    case = row.client.cases.get()
    observations = selectors.assessment_inputs(viewer=clara, case=case).observations
    [obs] = [o for o in observations if o.kind == "fasting_glucose"]
    assert (obs.value, obs.unit) == (Decimal("126"), "mg/dL")


def test_an_entry_unit_the_engine_does_not_know_falls_back_to_the_canonical_value(
    clara: Any, notices: dict
) -> None:
    client = make_client(clara)
    grant(client, clara, notices[Purpose.HEALTH_CHECK])
    item = client_services.ObservationInput(
        "weight", Decimal("130"), "jin", datetime.datetime.now(datetime.UTC)
    )
    client_services.observation_record(
        client=client, actor=clara, items=[item], source=Observation.Source.RESULTS_FORM
    )
    case = services.case_create(actor=clara, client=client, purpose="insurance")
    [obs] = selectors.assessment_inputs(viewer=clara, case=case).observations
    assert (obs.value, obs.unit) == (Decimal("65.0000"), "kg")
