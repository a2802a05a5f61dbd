"""``manage.py load_demo`` on a slice of the NHANES sample: real services, the real engine, the
file's own quirks refused by validation, and a second run that creates nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from assessments.management.commands.load_demo import recommendation_spread
from assessments.models import Assessment, Case, ResultImport
from clients.models import Client, Consent, Declaration, Document, Institution, Observation
from healthcheck.core import audit, keys
from healthcheck.core.models import AuditEvent, User

MODELS = (User, Client, Consent, Declaration, Document, Observation, Institution, Case,
          Assessment, ResultImport, AuditEvent)  # fmt: skip


@pytest.fixture(autouse=True)
def _embedded(settings: Any, tmp_path: Any) -> None:
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    keys.reset_state()


def _load(rows: int, offset: int = 0) -> str:
    out = io.StringIO()
    call_command("load_demo", rows=rows, offset=offset, stdout=out)
    audit.flush_deferred()
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db(transaction=True)
def test_a_slice_is_assessed_with_the_real_spread_and_a_second_run_creates_nothing() -> None:
    output = _load(30)
    assert "Demo clients: 30 created, 0 already present." in output
    assert "manager2" in output and "demo-pass-2026" in output  # the logins are printed
    spread = recommendation_spread()
    assert spread["proceed"] > 0 and spread["refer"] > 0 and spread["emergency"] > 0
    assert sum(spread.values()) == 30
    assert Client.objects.values("manager").distinct().count() == 3
    before = _counts()

    again = _load(30)

    assert "Demo clients: 0 created, 30 already present." in again
    assert _counts() == before


@pytest.mark.django_db(transaction=True)
def test_a_diastolic_of_zero_is_refused_by_the_fhir_reader_and_the_case_stays_put() -> None:
    output = _load(1, offset=51)  # survey 93785: two readings with a diastolic of 0

    assert "survey 93785: bundle refused by validation" in output
    assert "dbp 0 mm[Hg] is implausible" in output
    case = Case.objects.get()
    assert case.status == Case.Status.RESULTS_RECEIVED
    assert not case.result_imports.filter(source=ResultImport.Source.FHIR).exists()
    assert case.assessments.count() == 1  # assessed on the declaration only
    assert AuditEvent.objects.filter(action="results.refused", outcome="denied").count() == 1


@pytest.mark.django_db(transaction=True)
def test_each_client_walks_consent_declaration_report_and_fhir_results() -> None:
    _load(3)
    for case in Case.objects.select_related("client"):
        client = case.client
        assert client.id_type == Client.IdType.OTHER
        assert Consent.objects.filter(client=client, purpose="health_check").count() == 1
        assert client.declarations.count() == 1
        sources = set(case.result_imports.values_list("source", flat=True))
        assert sources == {"client_report", "fhir"}
        assert case.assessments.filter(is_reassessment=True).count() == 1
        assert Observation.objects.filter(client=client, source="fhir").count() >= 5


@pytest.mark.django_db(transaction=True)
def test_every_consent_purpose_has_a_published_notice_once() -> None:
    from clients import services as client_services
    from clients.models import Notice, Purpose

    _load(1)
    _load(1)

    for purpose in Purpose.values:
        assert client_services.current_notice(purpose) is not None, purpose
    assert Notice.objects.count() == len(Purpose.values)
