"""audit.record and friends: what an event holds, and what it refuses to hold."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from healthcheck.core import audit, context
from healthcheck.core.models import AuditEvent
from tests.audit.widgets import Widget


def test_an_event_names_actor_target_client_fields_purpose_case_and_request(clara):
    client_id = uuid.uuid4()
    widget = Widget.objects.create(name="w")
    token = context.set_current(context.RequestContext("req-12345678", "10.1.2.3", "UA/1"))
    try:
        event = audit.record(
            actor=clara, action=audit.AuditAction.CLIENT_CHANGED, target=widget,
            client=client_id, fields=["note", "status"], purpose="loan", case="case-7", kind="x",
        )  # fmt: skip
    finally:
        context.reset(token)
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_user_id, event.actor_label) == (clara.pk, "clara")
    assert (event.target_type, event.target_id) == ("audit_tests.widget", str(widget.public_id))
    assert event.target_label == "widget w"
    assert event.client_public_id == client_id
    assert event.fields == ["note", "status"]
    assert (event.purpose, event.case_id, event.details) == ("loan", "case-7", {"kind": "x"})
    assert (event.request_id, event.ip, event.user_agent) == ("req-12345678", "10.1.2.3", "UA/1")
    assert event.outcome == "success"


def test_a_user_target_is_labelled_by_username_and_a_client_object_by_its_public_id(clara, carl):
    class Client:
        public_id = uuid.uuid4()

    event = audit.record(actor=carl, action="user.logged_in", target=clara, client=Client())
    assert (event.target_type, event.target_id, event.target_label) == (
        "core.user", str(clara.pk), "clara",
    )  # fmt: skip
    assert event.client_public_id == Client.public_id


@pytest.mark.parametrize("actor", [None, "", "clara", "system:", "System:X", "root; drop"])
def test_an_event_without_a_valid_actor_is_refused(db, actor):
    with pytest.raises(ValueError):
        audit.record(actor=actor, action="user.logged_in")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("action", ["", "loggedin", "User.Logged_In", "a.b.c", "a .b"])
def test_an_action_not_shaped_noun_dot_event_is_refused(clara, action):
    with pytest.raises(ValueError):
        audit.record(actor=clara, action=action)


@pytest.mark.parametrize(
    "details",
    [
        {"glucose": 7.2},  # a float: a measurement
        {"observation": {"systolic": 150}},
        {"ids": [1, 2.5]},
        {"value": "BP stage 2"},
        {"note": "x"},
        {"old": "a"},
        {"when": object()},
        {"s": "x" * 201},
        {"bad key": 1},
    ],
)
def test_details_that_could_carry_values_are_refused(clara, details):
    with pytest.raises(ValueError):
        audit.record(actor=clara, action="client.changed", **details)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "details",
    [
        {"kind": "phq9"},  # says a mental-health questionnaire was answered
        {"items": ["vitals", "GAD7"]},
        {"trigger": "suicide_risk"},
        {"code": "F32"},  # a restricted ICD-10 code (depressive episode)
        {"code": "B20.1"},
        {"reason": "flagged phq9 answer"},
    ],
)
def test_details_naming_a_restricted_health_fact_are_refused(clara, details):
    with pytest.raises(ValueError, match="restricted health fact"):
        audit.record(actor=clara, action="client.changed", **details)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("details", [{"kind": "sbp"}, {"code": "I10"}, {"kind": "restricted"}])
def test_names_of_unrestricted_kinds_and_codes_pass(clara, details):
    audit.record(actor=clara, action="client.changed", **details)
    assert AuditEvent.objects.get().details == details


def test_a_target_labelled_with_a_restricted_health_fact_is_refused(clara):
    widget = Widget.objects.create(name="phq9")
    with pytest.raises(ValueError, match="restricted health fact"):
        audit.record(actor=clara, action="widget.changed", target=widget)
    assert not AuditEvent.objects.filter(action="widget.changed").exists()


def test_a_detail_named_like_a_changed_field_is_refused_as_its_value(clara):
    with pytest.raises(ValueError, match="would carry a value"):
        audit.record(actor=clara, action="client.changed", fields=["phone"], phone="138")


def test_fields_must_be_names(clara):
    with pytest.raises(ValueError):
        audit.record(actor=clara, action="client.changed", fields="phone")
    with pytest.raises(ValueError):
        audit.record(actor=clara, action="client.changed", fields=["phone number"])


def test_record_writes_in_the_callers_transaction(clara):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=clara, action="client.changed")
        raise RuntimeError
    assert not AuditEvent.objects.exists()


def test_record_denied_inside_a_rolled_back_transaction_is_kept(clara):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=clara, action="client.changed")
        audit.record_denied(actor=clara, action="decision.approved", reason="four_eyes")
        raise RuntimeError
    audit.flush_deferred()  # a request or task end does this (request_finished/task_postrun)
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.details) == (
        "decision.approved", "denied", {"reason": "four_eyes"},
    )  # fmt: skip


def test_record_denied_inside_a_committed_transaction_is_written_once(
    clara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        audit.record_denied(actor=clara, action="decision.approved", outcome="failed")
    assert AuditEvent.objects.filter(action="decision.approved", outcome="failed").count() == 1


def test_record_denied_refuses_a_success_outcome(clara):
    with pytest.raises(ValueError):
        audit.record_denied(actor=clara, action="decision.approved", outcome="success")


def test_record_read_names_the_section_and_needs_a_purpose(clara):
    client_id = uuid.uuid4()
    event = audit.record_read(clara, client_id, "declaration", "loan")
    assert (event.action, event.details, event.purpose) == (
        "health_record.viewed", {"section": "declaration"}, "loan",
    )  # fmt: skip
    with pytest.raises(ValueError):
        audit.record_read(clara, client_id, "declaration", "")
