"""Results intake: FHIR bundles (realistic, twice, malformed table, B30), the structured form,
the client's own report, and the original report files (B18, B19, B20)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from assessments import services
from assessments.fhir import parse_bundle
from assessments.models import Case, CaseDocument, Referral, ResultImport
from clients.models import Document, Observation
from clients.services import ObservationInput
from healthcheck.core.fields import reveal
from tests.assessments import bundles
from tests.assessments.conftest import PDF, events, make_institution

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 40
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def _values(source: str) -> dict[str, Decimal]:
    rows = Observation.objects.filter(source=source)
    return {o.kind: reveal(o, "value") for o in rows}


def test_realistic_bundle_in_chinese_units_yields_the_expected_observations(
    referral: Referral, clara: Any
) -> None:
    outcome = services.fhir_import(case=referral.case, actor=clara, raw=bundles.bundle())
    assert outcome.created
    values = _values("fhir")
    assert values["fasting_glucose"] == Decimal("5.5000")  # mmol/L is canonical
    assert values["creatinine"] == Decimal("88.0000")  # µmol/L
    assert values["haemoglobin"] == Decimal("145.0000")  # g/L
    assert (values["sbp"], values["dbp"]) == (Decimal("128"), Decimal("82"))
    assert any("99999-9" in entry for entry in outcome.ignored)
    referral.refresh_from_db()
    referral.case.refresh_from_db()
    assert referral.status == Referral.Status.REPORT_RECEIVED
    assert referral.case.status == Case.Status.RESULTS_RECEIVED
    assert events("results.imported") and events("case.results_received")


def test_the_same_bundle_twice_changes_nothing(referral: Referral, clara: Any) -> None:
    raw = bundles.bundle()
    services.fhir_import(case=referral.case, actor=clara, raw=raw)
    counts = (
        Observation.objects.count(),
        ResultImport.objects.count(),
        len(events("results.imported")),
    )
    second = services.fhir_import(case=referral.case, actor=clara, raw=raw)
    assert not second.created
    assert counts == (
        Observation.objects.count(),
        ResultImport.objects.count(),
        len(events("results.imported")),
    )


def test_bundle_identifiers_are_not_stored(referral: Referral, clara: Any) -> None:
    services.fhir_import(case=referral.case, actor=clara, raw=bundles.bundle())
    with connection.cursor() as cursor:
        for table in ("assessments_resultimport", "clients_observation", "core_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")
            assert bundles.SSN not in repr(cursor.fetchall())
    extras = reveal(ResultImport.objects.get(), "extras")
    assert bundles.SSN not in json.dumps(extras) and "Wang Fang" not in json.dumps(extras)


TEXT_VALUE = '{"resource": {"resourceType": "Observation"}}'
MALFORMED = [
    ("wrong_resource_type", {"resource_type": "Patient"}, "resourceType"),
    ("missing_unit", {"glucose_unit": None}, "unit"),
    ("unknown_ucum_code", {"glucose_unit": "mmol/dl"}, "unknown unit"),
    ("text_in_a_number", {"glucose": '"five point five"'}, "five point five"),
    ("wrong_patient", {"birth": "1990-01-01"}, "birth date"),
    ("wrong_sex", {"gender": "female"}, "sex"),
]


@pytest.mark.parametrize(("case_id", "kwargs", "named"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_bundle_is_refused_naming_the_problem_and_stores_nothing(
    referral: Referral, clara: Any, case_id: str, kwargs: dict, named: str
) -> None:
    with pytest.raises(services.ResultsRefused) as refused:
        services.fhir_import(case=referral.case, actor=clara, raw=bundles.bundle(**kwargs))
    assert any(named in p for p in refused.value.problems), refused.value.problems
    _nothing_stored(referral)


def test_a_50_mb_bundle_is_refused_and_stores_nothing(referral: Referral, clara: Any) -> None:
    raw = bundles.bundle()[:-2] + b" " * (50 * 1024 * 1024) + b"]}"
    with pytest.raises(services.ResultsRefused, match="larger than 5 MB"):
        services.fhir_import(case=referral.case, actor=clara, raw=raw)
    _nothing_stored(referral)


def _nothing_stored(referral: Referral) -> None:
    assert not Observation.objects.filter(source="fhir").exists()
    assert not ResultImport.objects.exists()
    referral.refresh_from_db()
    referral.case.refresh_from_db()
    assert referral.status == Referral.Status.ISSUED
    assert referral.case.status == Case.Status.REFERRED
    assert events("results.refused", outcome="denied")


def test_b30_fhir_quantities_keep_exact_decimals_and_ucum_codes(
    referral: Referral, clara: Any
) -> None:
    kpa = bundles._quantity_obs("8480-6", "16.0", "kPa", "2025-06-02T09:00:00+08:00")
    dbp = bundles._quantity_obs("8462-4", "90", "mmHg", "2025-06-02T09:00:00+08:00")
    raw = bundles.bundle(glucose="5.50", extra=[kpa, dbp])
    parsed = parse_bundle(raw)
    glucose = next(o for o in parsed.inputs.observations if o.kind == "fasting_glucose")
    assert str(glucose.value) == "5.50"  # exact, not 5.5
    services.fhir_import(case=referral.case, actor=clara, raw=raw)
    sbp = {reveal(o, "value") for o in Observation.objects.filter(source="fhir", kind="sbp")}
    assert any(abs(v - 120) < 1 for v in sbp)  # 16.0 kPa -> ~120 mmHg, never 16 mmHg
    assert Decimal("16") not in sbp


def test_results_form_converts_to_canonical_units_and_keeps_the_lab_range(
    referral: Referral, clara: Any
) -> None:
    when = timezone.now()
    services.results_record(
        case=referral.case, actor=clara,
        items=[ObservationInput("fasting_glucose", Decimal("108"), "mg/dL", when)],
        reference_ranges={"fasting_glucose": "70-100 mg/dL"},
    )  # fmt: skip
    (obs,) = Observation.objects.filter(source="results_form")
    assert reveal(obs, "value") == Decimal("5.9940") and obs.unit == "mmol/L"  # 108 / 18.016
    assert reveal(ResultImport.objects.get(), "extras")["reference_ranges"] == {
        "fasting_glucose": "70-100 mg/dL"
    }


def test_results_form_refuses_an_implausible_value_and_stores_nothing(
    referral: Referral, clara: Any
) -> None:
    item = ObservationInput("fasting_glucose", Decimal("108"), "mmol/L", timezone.now())
    with pytest.raises(services.ResultsRefused, match="Implausible"):
        services.results_record(case=referral.case, actor=clara, items=[item])
    assert not ResultImport.objects.exists()
    assert not Observation.objects.filter(source="results_form").exists()


@pytest.mark.parametrize(
    ("months_old", "qualified", "accepted"),
    [(11, True, True), (13, False, False), (13, True, False), (1, False, False)],
)
def test_client_report_accepted_only_when_recent_and_from_a_qualified_institution(
    assessed_case: Case, clara: Any, months_old: int, qualified: bool, accepted: bool
) -> None:
    institution = make_institution("Report Clinic")
    if not qualified:
        institution.status = "suspended"
        institution.save()
    date = timezone.localdate() - datetime.timedelta(days=30 * months_old + 5)
    if accepted:
        services.client_report_accept(
            case=assessed_case, actor=clara, institution=institution, report_date=date
        )
        assessed_case.refresh_from_db()
        assert assessed_case.status == Case.Status.RESULTS_RECEIVED
    else:
        with pytest.raises(services.ResultsRefused, match="referral is required"):
            services.client_report_accept(
                case=assessed_case, actor=clara, institution=institution, report_date=date
            )
        assessed_case.refresh_from_db()
        assert assessed_case.status == Case.Status.ASSESSED
        assert not ResultImport.objects.exists()


# --- Report files ---------------------------------------------------------------------------


def test_b18_every_file_of_a_multi_file_upload_is_validated(referral: Referral, clara: Any) -> None:
    uploads = [("empty.pdf", b""), ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60), ("ok.pdf", PDF)]
    with pytest.raises(ValidationError) as refused:
        services.report_files_store(case=referral.case, actor=clara, uploads=uploads)
    text = " ".join(refused.value.messages)
    assert "empty" in text and "setup" in text and "ok" not in text.replace("book", "")
    assert not Document.objects.filter(kind="checkup_report").exists()
    three = [(f"r{i}.pdf", PDF) for i in range(3)]
    assert len(services.report_files_store(case=referral.case, actor=clara, uploads=three)) == 3


@pytest.mark.parametrize(
    ("name", "data", "accepted"),
    [
        ("report.pdf", HTML, False),  # (a) HTML bytes named .pdf
        ("report.pdf", PNG, False),  # (b) a PNG named .pdf
        ("report.pdf", PDF, True),  # (c) a genuine PDF
        ("bundle.pdf", bundles.bundle(), False),  # (d) a FHIR JSON bundle named .pdf
        ("photo.jpg", JPEG, True),  # (e) a genuine JPEG
        ("empty.pdf", b"", False),
    ],
)
def test_b19_file_type_is_detected_from_content(
    referral: Referral, clara: Any, name: str, data: bytes, accepted: bool
) -> None:
    if accepted:
        (stored,) = services.report_files_store(
            case=referral.case, actor=clara, uploads=[(name, data)]
        )
        assert stored.document.content_type in ("application/pdf", "image/jpeg")
    else:
        with pytest.raises(ValidationError):
            services.report_files_store(case=referral.case, actor=clara, uploads=[(name, data)])
        assert not CaseDocument.objects.exists()


def test_b20_file_names_with_tags_or_paths_are_neutralised_and_rendered_as_text(
    referral: Referral, clara: Any, client: Any
) -> None:
    evil = '<img src=x onerror="alert(1)">../../etc/passwd.pdf'
    (stored,) = services.report_files_store(case=referral.case, actor=clara, uploads=[(evil, PDF)])
    name = reveal(stored.document, "original_name")
    assert "/" not in name and "<" not in name and ".." not in name.removesuffix(".pdf")
    assert (
        stored.document.stored_name.endswith(".bin") and "passwd" not in stored.document.stored_name
    )
    client.force_login(clara)
    page = client.get(f"/health-check/cases/{referral.case.public_id}/").content.decode()
    assert "<img src=x" not in page and name.replace('"', "&quot;") in page


def test_b20_a_raw_html_name_is_escaped_on_the_case_page(
    referral: Referral, clara: Any, client: Any
) -> None:
    (stored,) = services.report_files_store(
        case=referral.case, actor=clara, uploads=[("x.pdf", PDF)]
    )
    doc = stored.document
    doc.original_name = "<b>x</b>.pdf"  # even if an unsanitised name reached the row
    doc.save()
    client.force_login(clara)
    page = client.get(f"/health-check/cases/{referral.case.public_id}/").content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;.pdf" in page and "<b>x</b>" not in page
