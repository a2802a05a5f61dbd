"""Health declarations and observations: versions, questionnaires, units, restricted class."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from clients import icd10, questionnaires, selectors, services
from clients.models import Declaration, FollowUp, Observation
from healthcheck.core.fields import token_key_id
from tests.clients.conftest import PHQ9_ITEM9, bp_declaration, events

pytestmark = pytest.mark.django_db

ALL_ZERO = {str(i): 0 for i in range(1, 10)}


def test_every_submission_is_a_new_version_and_earlier_ones_stay(clara, client_c, consent_c):
    first = services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    second = services.declaration_save(actor=clara, client=client_c, data=bp_declaration("128"))
    assert (first.version, second.version) == (1, 2)
    health = selectors.health_file_get(viewer=clara, client=client_c)
    assert [d.version for d in health.declarations] == [2, 1]
    assert [e.details["version"] for e in events("declaration.saved")] == [1, 2]


def test_measurements_become_observations_in_canonical_units_with_loinc(clara, client_c, consent_c):
    declaration = services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    rows = {o.kind: o for o in Observation.objects.filter(client=client_c)}
    assert set(rows) == {"height", "weight", "sbp", "dbp"}
    assert rows["sbp"].loinc_code == "8480-6" and rows["sbp"].unit == "mm[Hg]"
    assert rows["sbp"].reading_id == rows["dbp"].reading_id is not None
    assert rows["sbp"].effective_at == rows["dbp"].effective_at
    assert rows["height"].source == Observation.Source.DECLARATION
    assert rows["height"].source_ref == str(declaration.public_id)
    assert len(events("observation.recorded")) == 4


def test_bmi_of_exactly_24_0_from_160_cm_and_61_44_kg(clara, client_c, consent_c):
    services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    [latest] = selectors.health_file_get(viewer=clara, client=client_c).declarations
    assert latest.bmi == Decimal("24.0")


@pytest.mark.parametrize(
    ("kind", "value", "unit", "canonical"),
    [
        ("height", "1.6", "m", Decimal("160")),
        ("weight", "122.88", "jin", Decimal("61.44")),
        ("weight", "150", "[lb_av]", Decimal("68.0389")),
        ("sbp", "16.0", "kPa", Decimal("120.0098")),  # 16.0 / 0.1333224 (B30)
        ("waist", "0.85", "m", Decimal("85")),
    ],
)
def test_units_are_converted_to_the_engine_canonical_unit(
    clara, client_c, consent_c, kind, value, unit, canonical
):
    item = services.ObservationInput(kind, Decimal(value), unit, timezone.now())
    [obs] = services.observation_record(
        client=client_c, actor=clara, items=[item], source=Observation.Source.RESULTS_FORM
    )
    obs = Observation.objects.get(pk=obs.pk)
    assert obs.value == canonical
    assert (obs.original_value, obs.original_unit) == (Decimal(value), unit)


@pytest.mark.parametrize(
    ("kind", "value", "unit"),
    [
        ("height", "49", "cm"), ("height", "251", "cm"), ("weight", "1.9", "kg"),
        ("weight", "401", "kg"), ("sbp", "59", "mm[Hg]"), ("sbp", "301", "mm[Hg]"),
        ("dbp", "29", "mm[Hg]"), ("heart_rate", "19", "/min"), ("heart_rate", "251", "/min"),
        ("weight", "70", "mm[Hg]"), ("sbp", "120", "kg"), ("nonsense", "1", "kg"),
    ],
)  # fmt: skip
def test_observation_record_refuses_implausible_values_and_wrong_units(
    clara, client_c, consent_c, kind, value, unit
):
    item = services.ObservationInput(kind, Decimal(value), unit, timezone.now())
    with pytest.raises(ValidationError):
        services.observation_record(
            client=client_c, actor=clara, items=[item], source=Observation.Source.FHIR
        )
    assert not Observation.objects.exists()


def test_a_diastolic_not_below_its_systolic_is_refused_and_nothing_saved(
    clara, client_c, consent_c
):
    with pytest.raises(ValidationError):
        services.declaration_save(actor=clara, client=client_c, data=bp_declaration("90", "90"))
    assert not Declaration.objects.exists() and not Observation.objects.exists()


def test_repeated_blood_pressure_readings_are_kept_as_separate_pairs(clara, client_c, consent_c):
    when = timezone.now()
    items = []
    for minute, (sbp, dbp) in enumerate([("142", "92"), ("138", "88")]):
        reading = uuid.uuid4()
        at = when - timezone.timedelta(minutes=10 - minute)
        items += [
            services.ObservationInput("sbp", Decimal(sbp), "mm[Hg]", at, reading),
            services.ObservationInput("dbp", Decimal(dbp), "mm[Hg]", at, reading),
        ]
    data = services.DeclarationInput(measured_at=when, observations=items)
    services.declaration_save(actor=clara, client=client_c, data=data)
    rows = selectors.health_file_get(viewer=clara, client=client_c).measurement_rows
    pairs = [(r["sbp"], r["dbp"]) for r in rows if r["kind"] == "blood_pressure"]
    assert pairs == [(Decimal("138"), Decimal("88")), (Decimal("142"), Decimal("92"))]


# -- questionnaires (RULES.md §1.10, case B27) ---------------------------------------------------


def test_phq9_with_a_missing_item_is_stored_but_not_scored(clara, client_c, consent_c):
    answers = {**ALL_ZERO, "4": None}
    declaration = services.declaration_save(
        actor=clara, client=client_c, data=bp_declaration(phq9=answers)
    )
    declaration = Declaration.objects.get(pk=declaration.pk)
    assert declaration.phq9 == answers
    assert declaration.scores["phq9"] == {
        "complete": False, "answered": 8, "total": None, "band": None,
    }  # fmt: skip
    assert not Observation.objects.filter(kind="phq9").exists()
    assert declaration.follow_up == FollowUp.NONE


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        (ALL_ZERO, 0, "minimal"),
        ({**ALL_ZERO, "1": 3, "2": 2}, 5, "mild"),
        ({str(i): 1 for i in range(1, 10)} | {"1": 2}, 10, "moderate"),
        ({str(i): 2 for i in range(1, 10)} | {"9": 0, "1": 1}, 15, "moderately_severe"),
        ({str(i): 3 for i in range(1, 10)} | {"9": 0, "1": 2, "2": 3}, 23, "severe"),
    ],
)
def test_a_complete_phq9_is_scored_with_the_published_bands(answers, total, band):
    result = questionnaires.score(questionnaires.PHQ9, answers)
    assert (result["total"], result["band"], result["complete"]) == (total, band, True)


def test_gad7_bands():
    answers = {str(i): 2 for i in range(1, 8)}
    assert questionnaires.score(questionnaires.GAD7, answers)["band"] == "moderate"
    assert questionnaires.score(questionnaires.GAD7, {"1": 3})["complete"] is False


@pytest.mark.parametrize("answer", [4, -1, True, "2"])
def test_answers_outside_0_to_3_are_refused(answer):
    with pytest.raises(ValueError):
        questionnaires.score(questionnaires.PHQ9, {**ALL_ZERO, "3": answer})


@pytest.mark.parametrize("missing", [None, "4"])
def test_phq9_item9_above_0_raises_an_urgent_follow_up_flag_even_when_incomplete(
    clara, client_c, consent_c, missing
):
    answers = dict(PHQ9_ITEM9)
    if missing:
        answers[missing] = None
    declaration = services.declaration_save(
        actor=clara, client=client_c, data=bp_declaration(phq9=answers)
    )
    assert declaration.follow_up == FollowUp.URGENT
    # The audit trail says a declaration was saved, never that it raised a crisis flag, nor
    # which questionnaire was answered.
    saved = events("declaration.saved")[-1]
    assert "follow_up" not in saved.details and "urgent" not in str(saved.details)
    recorded = events("observation.recorded")
    kinds = [e.details["kind"] for e in recorded]
    assert not {"phq9", "gad7"} & set(kinds)
    assert ("restricted" in kinds) is (missing is None)  # a complete PHQ-9 is scored and kept
    assert not any("phq9" in e.target_label for e in recorded)


def test_the_manager_sees_the_follow_up_flag_but_never_the_answers_or_score(
    clara, client_c, consent_c
):
    services.declaration_save(actor=clara, client=client_c, data=bp_declaration(phq9=PHQ9_ITEM9))
    health = selectors.health_file_get(viewer=clara, client=client_c)
    assert health.follow_up == FollowUp.URGENT
    [view] = health.declarations[0].questionnaires
    assert view.restricted and view.total is None and view.complete is None
    [total] = [r for r in health.measurement_rows if r["kind"] == "phq9"]
    assert total["value"] is None and total["restricted"]
    exported = selectors.health_export_rows(viewer=clara, client=client_c)
    assert [r[3] for r in exported if r[1] == "phq9"] == ["restricted"]


def test_a_positive_screen_recommends_follow_up():
    scores = {"gad7": questionnaires.score(questionnaires.GAD7, {str(i): 2 for i in range(1, 8)})}
    assert questionnaires.needs_follow_up(None, scores) == "recommended"


def test_questionnaire_answers_are_encrypted_at_rest(clara, client_c, consent_c):
    declaration = services.declaration_save(
        actor=clara, client=client_c, data=bp_declaration(phq9=PHQ9_ITEM9)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phq9, scores, medications FROM clients_declaration WHERE id = %s",
            [declaration.pk],
        )
        row = [bytes(cell) for cell in cursor.fetchone()]
    assert all(token_key_id(cell) == "@client" for cell in row)
    assert b"Amlodipine" not in b"".join(row)


# -- conditions and the restricted class (CN-17) --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "restricted"),
    [
        ("F32", True), ("F41.1", True), ("B20", True), ("B24", True), ("B18.1", True),
        ("O24", True), ("Z21", True), ("Z33", True), ("Q90", True), ("I10", False),
        ("E11.9", False), ("C50", False), ("B25", False), ("K76.0", False), ("Z80", False),
    ],
)  # fmt: skip
def test_restricted_icd10_codes(code, restricted):
    assert icd10.is_restricted(code) is restricted


def test_restricted_conditions_are_shown_to_the_manager_as_restricted_only(
    clara, client_c, consent_c
):
    conditions = [
        {"code": "I10", "status": "active", "notes": "since 2019"},
        {"code": "F32", "status": "under_treatment", "notes": "sertraline"},
    ]
    services.declaration_save(
        actor=clara, client=client_c, data=bp_declaration(conditions=conditions)
    )
    [shown, hidden] = (
        selectors.health_file_get(viewer=clara, client=client_c).declarations[0].conditions
    )
    assert (shown.code, shown.notes, shown.restricted) == ("I10", "since 2019", False)
    assert (hidden.code, hidden.title, hidden.notes, hidden.restricted) == ("", "", "", True)


def test_an_invalid_icd10_code_is_refused_by_the_service(clara, client_c, consent_c):
    data = bp_declaration(conditions=[{"code": "XYZ", "status": "active", "notes": ""}])
    with pytest.raises(ValidationError):
        services.declaration_save(actor=clara, client=client_c, data=data)
    assert not Declaration.objects.exists()


@pytest.mark.parametrize(
    ("term", "chapter", "expected"),
    [("I1", "", {"I10", "I11"}), ("diabetes", "IV", {"E10", "E11", "E14"}),
     ("糖尿病", "IV", {"E10", "E11", "E14"}), ("", "V", {"F10", "F20", "F31", "F32", "F33",
                                                    "F41", "F51"})],
)  # fmt: skip
def test_icd10_search_by_code_prefix_or_title_within_a_chapter(term, chapter, expected):
    assert {c.code for c in icd10.search(term, chapter)} == expected


def test_the_recheck_task_sets_the_next_review_date_when_consent_is_active(
    clara, client_c, consent_c, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    client_c.refresh_from_db()
    assert client_c.next_review_on is not None
    assert client_c.next_review_on.year == timezone.localdate().year + 1
