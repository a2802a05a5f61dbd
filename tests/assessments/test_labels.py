"""Pages show labels, never the engine's codes (band ids, UCUM units, outcome codes)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from assessments import labels, services
from clients import services as client_services
from clients.models import Purpose
from tests.clients.conftest import grant, make_client

RAW_CODES = ("grade_2", "mm[Hg]", "kg/m2", ">obese<", ">refer<", "proceed_with_controls", "0000<")


def _assessed(clara: Any, notices: dict) -> Any:
    """An obese client (BMI 31.2) at 165/102 mmHg: grade 2 hypertension, recommendation refer.

    Not a critical (A-class) value: those are masked for the manager (urgent follow-up only)."""
    client = make_client(clara)
    grant(client, clara, notices[Purpose.HEALTH_CHECK])
    when = timezone.now() - datetime.timedelta(minutes=5)
    observations = [
        client_services.ObservationInput("height", Decimal("160"), "cm", when),
        client_services.ObservationInput("weight", Decimal("80"), "kg", when),
        client_services.ObservationInput("waist", Decimal("101.8"), "cm", when),
        client_services.ObservationInput("sbp", Decimal("165"), "mm[Hg]", when),
        client_services.ObservationInput("dbp", Decimal("102"), "mm[Hg]", when),
    ]
    client_services.declaration_save(
        actor=clara, client=client,
        data=client_services.DeclarationInput(measured_at=when, observations=observations),
    )  # fmt: skip
    case = services.case_create(actor=clara, client=client, purpose="insurance")
    services.case_collect(case=case, actor=clara)
    return services.assessment_run(case=case, actor=clara)


def _page(client: Any, clara: Any, assessment: Any, language: str) -> str:
    clara.language = language
    clara.save(update_fields=["language"])
    client.force_login(clara)
    response = client.get(f"/health-check/assessments/{assessment.public_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    return page.split('data-testid="trace"')[0]  # the engine's trace keeps its codes


def test_assessment_page_in_chinese_shows_labels_not_codes(
    clara: Any, notices: dict, client: Any
) -> None:
    assessment = _assessed(clara, notices)
    page = _page(client, clara, assessment, "zh-hans")

    with translation.override("zh-hans"):
        expected = [
            str(labels.band_label("obese", "bmi")),  # 肥胖
            str(labels.band_label("grade_2", "blood_pressure")),  # 2级高血压
            str(labels.band_label("central_obesity", "waist")),  # 中心性肥胖
            str(labels.recommendation_label("refer")),  # 转诊
            "mmHg",
            "101.8<",
        ]
    for text in expected:
        assert text in page, text
    for code in RAW_CODES:
        assert code not in page, code
    for flag in assessment.result["flags"]:  # the pack's English text: the advisor's trace only
        assert flag["reason"] not in page


def test_assessment_page_in_english_reads_as_words(clara: Any, notices: dict, client: Any) -> None:
    page = _page(client, clara, _assessed(clara, notices), "en")

    for text in ("Obese", "Grade 2 hypertension", "Central obesity", "kg/m²", "mmHg",
                 ">Refer<"):  # fmt: skip
        assert text in page, text
    for code in RAW_CODES:
        assert code not in page, code


def test_units_and_decimals_display() -> None:
    with translation.override("en"):
        assert labels.flag_label("A", "blood_pressure") == "A-class (critical): Blood pressure"
        assert str(labels.band_label("grade_3", "blood_pressure")) == "Grade 3 hypertension"
        assert labels.unit_label("10*9/L") == "×10⁹/L"
        assert labels.unit_label("mL/min/{1.73_m2}") == "mL/min/1.73m²"
        assert labels.unit_label("umol/L") == "µmol/L"
        assert str(labels.unit_label("{score}")) == "points"
        assert str(labels.unit_label("kg/m2")) == "kg/m²"
    assert labels.plain_decimal(Decimal("101.8000")) == "101.8"
    assert labels.plain_decimal(Decimal("52.0000")) == "52"
    assert labels.plain_decimal("202/62") == "202/62"


def test_audit_labels() -> None:
    with translation.override("en"):
        assert str(labels.audit_action_label("results.refused")) == "Results refused"
        assert labels.audit_target_label("case 1c61fc79 results_received") == (
            "Case 1c61fc79 · Results received"
        )
        assert labels.audit_target_label("core.user 5") == "core.user 5"
