"""B30: kPa blood pressure converted with the exact factor 1 mmHg = 0.1333224 kPa, so 16.0/10.0 kPa
is 120/75 mmHg (the rounded 0.133 gave 120.3/75.2), through the FHIR import and the forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Referral
from assessments.rules import units
from clients.models import Observation, Purpose
from healthcheck.core.fields import reveal
from tests.assessments import bundles
from tests.clients.conftest import grant, make_client
from tests.clients.forms_data import declaration_post

pytestmark = pytest.mark.django_db
WHOLE = Decimal(1)


def _kpa_rows(source: str) -> dict[str, Decimal]:
    rows = Observation.objects.filter(source=source, kind__in=("sbp", "dbp"))
    return {o.kind: reveal(o, "value") for o in rows if reveal(o, "original_unit") == "kPa"}


def test_b30_the_kpa_factor_is_the_exact_definition() -> None:
    sbp = units.to_canonical("sbp", Decimal("16.0"), "kPa")
    dbp = units.to_canonical("dbp", Decimal("10.0"), "kPa")
    assert units.round_half_up(sbp, WHOLE) == 120 and units.round_half_up(dbp, WHOLE) == 75
    assert abs(sbp - 120) < Decimal("0.01") and abs(dbp - 75) < Decimal("0.01")
    assert units.to_canonical("sbp", Decimal("0.1333224"), "kPa") == 1


def test_b30_16_0_over_10_0_kpa_is_120_over_75_mmhg_through_fhir_import(
    referral: Referral, clara: Any
) -> None:
    when = "2025-06-02T09:00:00+08:00"
    raw = bundles.bundle(
        extra=[
            bundles._quantity_obs("8480-6", "16.0", "kPa", when),
            bundles._quantity_obs("8462-4", "10.0", "kPa", when),
        ]
    )
    services.fhir_import(case=referral.case, actor=clara, raw=raw)
    stored = _kpa_rows("fhir")
    assert stored == {"sbp": Decimal("120.0098"), "dbp": Decimal("75.0062")}
    assert {k: units.round_half_up(v, WHOLE) for k, v in stored.items()} == {
        "sbp": 120,
        "dbp": 75,
    }


def test_b30_16_0_over_10_0_kpa_is_120_over_75_mmhg_through_the_declaration_form(
    clara: Any, notices: dict, client: Any
) -> None:
    owner = make_client(clara)
    grant(owner, clara, notices[Purpose.HEALTH_CHECK])
    client.force_login(clara)
    url = reverse("clients:declaration-create", args=[owner.public_id])
    post = declaration_post(
        **{"bp-0-systolic": "16.0", "bp-0-diastolic": "10.0", "bp-0-unit": "kPa"}
    )
    response = client.post(url, post)
    assert response.status_code == 302, getattr(response, "context", None)
    assert _kpa_rows("declaration") == {"sbp": Decimal("120.0098"), "dbp": Decimal("75.0062")}
    case = services.case_create(actor=clara, client=owner, purpose="insurance")
    services.case_collect(case=case, actor=clara)
    assessment = services.assessment_run(case=case, actor=clara)
    bp = next(m for m in assessment.result["measures"] if m["measure"] == "blood_pressure")
    assert (bp["band"], bp["value"]) == ("high_normal", "120/75")  # cn: 120-139 is high normal
    trace = next(t for t in assessment.result["trace"] if t["rule"].endswith("blood_pressure.band"))
    assert (trace["inputs"]["sbp"], trace["inputs"]["dbp"]) == ("120 mm[Hg]", "75 mm[Hg]")
