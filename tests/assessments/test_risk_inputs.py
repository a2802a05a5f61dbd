"""China-PAR through the web path: the declaration's region, residence, blood-pressure treatment
and diabetes answers reach the engine (RULES.md §3.1 guideline example, §3.5)."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from clients import services as client_services
from clients.forms.declaration import DeclarationForm
from clients.models import Client, Declaration, Observation, Purpose
from tests.clients.conftest import grant, make_client
from tests.clients.forms_data import declaration_post

pytestmark = pytest.mark.django_db

GUIDELINE_ANSWERS = {  # 2019 Chinese guideline, Appendix 1: the official calculator gives 4.7 %
    "region": "north", "residence": "urban", "bp_treatment": "no", "diabetes": "no",
    "smoking": "never", "family_history": {"conditions": ["ascvd"]},
}  # fmt: skip


def guideline_client(manager: Any, notices: dict, **answers: str) -> Client:
    """Man, 40, waist 80 cm, BP 145/80 (declaration); TC 5.2 and HDL 1.3 mmol/L (results form)."""
    birth = timezone.localdate() - relativedelta(years=40, days=30)
    client = make_client(manager, sex=Client.Sex.MALE, date_of_birth=birth)
    grant(client, manager, notices[Purpose.HEALTH_CHECK])
    when = timezone.now() - datetime.timedelta(minutes=10)
    reading = uuid.uuid4()
    measured = [
        client_services.ObservationInput("waist", Decimal("80"), "cm", when),
        client_services.ObservationInput("sbp", Decimal("145"), "mm[Hg]", when, reading),
        client_services.ObservationInput("dbp", Decimal("80"), "mm[Hg]", when, reading),
    ]
    data = client_services.DeclarationInput(
        **{**GUIDELINE_ANSWERS, **answers}, measured_at=when, observations=measured
    )
    client_services.declaration_save(actor=manager, client=client, data=data)
    lipids = [
        client_services.ObservationInput("total_cholesterol", Decimal("5.2"), "mmol/L", when),
        client_services.ObservationInput("hdl_c", Decimal("1.3"), "mmol/L", when),
    ]
    client_services.observation_record(
        client=client, actor=manager, items=lipids, source=Observation.Source.RESULTS_FORM
    )
    return client


def assess(client: Client, actor: Any) -> dict[str, dict]:
    case = services.case_create(actor=actor, client=client, purpose="insurance")
    services.case_collect(case=case, actor=actor)
    assessment = services.assessment_run(case=case, actor=actor)
    return {r["model"]: r for r in assessment.result["cvd_risk"]}


def test_guideline_example_gets_a_china_par_estimate_through_assessment_run(
    clara: Any, notices: dict
) -> None:
    risks = assess(guideline_client(clara, notices), clara)
    assert Decimal(risks["china_par"]["ten_year_percent"]) == pytest.approx(
        Decimal("4.7"), abs=Decimal("0.3")
    )


def test_the_declared_answers_become_the_engine_inputs(clara: Any, notices: dict) -> None:
    client = guideline_client(clara, notices)
    case = services.case_create(actor=clara, client=client, purpose="insurance")
    inputs = selectors.assessment_inputs(viewer=clara, case=case)
    assert (inputs.region, inputs.residence) == ("north", "urban")
    assert (inputs.on_bp_treatment, inputs.diabetes) == (False, False)
    assert (inputs.smoker, inputs.family_history_ascvd) == (False, True)


@pytest.mark.parametrize(
    ("answers", "missing"),
    [({"region": ""}, "region"), ({"region": "unknown"}, "region"),
     ({"residence": "unknown"}, "residence"), ({"bp_treatment": "unknown"}, "on_bp_treatment"),
     ({"diabetes": ""}, "diabetes")],
)  # fmt: skip
def test_without_an_answer_china_par_is_not_applicable_and_names_the_input(
    clara: Any, notices: dict, answers: dict, missing: str
) -> None:
    risks = assess(guideline_client(clara, notices, **answers), clara)
    assert "ten_year_percent" not in risks["china_par"]
    reason = risks["china_par"]["not_applicable"]
    assert reason.startswith("missing input:") and missing in reason


def test_a_declaration_from_before_the_questions_leaves_the_inputs_unknown(
    clara: Any, notices: dict
) -> None:
    client = guideline_client(clara, notices)
    with connection.cursor() as cursor:  # NULL: what migration 0005 leaves in earlier rows
        cursor.execute(
            f"UPDATE {Declaration._meta.db_table} SET region = NULL, residence = NULL, "
            "bp_treatment = NULL, diabetes = NULL"
        )
    case = services.case_create(actor=clara, client=client, purpose="insurance")
    inputs = selectors.assessment_inputs(viewer=clara, case=case)
    assert (inputs.region, inputs.residence, inputs.on_bp_treatment, inputs.diabetes) == (
        None, None, None, None,
    )  # fmt: skip


def test_a_diabetes_condition_means_yes_and_a_declared_no_beside_it_is_refused(
    clara: Any, notices: dict
) -> None:
    client = make_client(clara)
    grant(client, clara, notices[Purpose.HEALTH_CHECK])
    data = client_services.DeclarationInput(
        diabetes="no", conditions=[{"code": "E11", "status": "active", "notes": ""}]
    )
    with pytest.raises(ValidationError) as exc:
        client_services.declaration_save(actor=clara, client=client, data=data)
    assert "diabetes" in exc.value.message_dict
    assert not Declaration.objects.filter(client=client).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("region", "east"), ("residence", "suburban"), ("bp_treatment", "maybe"),
     ("diabetes", "sometimes")],
)  # fmt: skip
def test_an_unknown_choice_is_a_field_error_and_nothing_is_saved(
    clara: Any, notices: dict, client: Any, field: str, value: str
) -> None:
    form = DeclarationForm(declaration_post(**{f"main-{field}": value}), prefix="main")
    assert not form.is_valid() and field in form.errors
    owner = make_client(clara)
    grant(owner, clara, notices[Purpose.HEALTH_CHECK])
    client.force_login(clara)
    url = reverse("clients:declaration-create", args=[owner.public_id])
    response = client.post(url, declaration_post(**{f"main-{field}": value}))
    assert response.status_code == 200
    assert field in response.context["main"].errors
    assert not Declaration.objects.filter(client=owner).exists()
    assert not Observation.objects.filter(client=owner).exists()


def test_the_form_saves_the_answers_encrypted_and_the_health_file_shows_them(
    clara: Any, notices: dict, client: Any
) -> None:
    owner = make_client(clara)
    grant(owner, clara, notices[Purpose.HEALTH_CHECK])
    clara.language = "en"  # the page is asserted in English; the default UI is Chinese
    clara.save(update_fields=["language"])
    client.force_login(clara)
    answers = {"main-region": "south", "main-residence": "rural", "main-bp_treatment": "yes",
               "main-diabetes": "unknown"}  # fmt: skip
    url = reverse("clients:declaration-create", args=[owner.public_id])
    client.post(url, declaration_post(**answers))
    declaration = Declaration.objects.get(client=owner)
    assert (declaration.region, declaration.residence) == ("south", "rural")
    assert (declaration.bp_treatment, declaration.diabetes) == ("yes", "unknown")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT region, bp_treatment FROM {Declaration._meta.db_table}")
        stored = [bytes(cell) for cell in cursor.fetchone()]
    assert stored[0] and b"south" not in stored[0] and b"yes" not in stored[1]  # ciphertext
    page = client.get(reverse("clients:health-file", args=[owner.public_id])).content.decode()
    assert "South of the Yangtze River" in page and "Rural" in page


def test_a_diabetes_condition_in_an_imported_bundle_overrides_a_declared_no(
    clara: Any, notices: dict
) -> None:
    client = guideline_client(clara, notices)
    case = services.case_create(actor=clara, client=client, purpose="insurance")
    birth = client.date_of_birth.isoformat()
    condition = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11"}]},
    }
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "gender": "male", "birthDate": birth}},
        {"resource": condition},
    ]}  # fmt: skip
    services.fhir_import(case=case, actor=clara, raw=json.dumps(bundle).encode())
    inputs = selectors.assessment_inputs(viewer=clara, case=case)
    assert inputs.diabetes is True and "E11" in inputs.conditions
