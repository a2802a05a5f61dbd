"""One event for each kind the issue lists, each with the right actor (acceptance 1 and 5)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthcheck.core import audit, outbox
from healthcheck.core.models import AuditEvent, AuditSeal, OutboxMessage
from healthcheck.core.tasks import audit_verify_task
from tests.audit.widgets import Widget

pytestmark = pytest.mark.urls("tests.audit.urls")


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_login_is_recorded_with_the_user_and_the_ip(client, clara):
    login(client, "clara", "pw-clara")
    [event] = events("user.logged_in")
    assert (event.actor_user_id, event.actor_label, event.ip) == (clara.pk, "clara", "127.0.0.1")
    assert event.request_id


def test_a_logout_is_recorded(client, clara):
    client.force_login(clara)
    client.post(reverse("logout"))
    [event] = events("user.logged_out")
    assert event.actor_label == "clara"


def test_a_failed_login_is_recorded_against_the_account_by_an_anonymous_actor(client, clara):
    login(client, "Clara", "wrong")
    [event] = events("user.login_failed")
    assert (event.actor_label, event.actor_user_id, event.outcome) == ("anonymous", None, "failed")
    assert (event.target_id, event.details) == (str(clara.pk), {"username": "clara"})
    assert "wrong" not in str(event.details)


def test_a_lockout_is_recorded_once(client, clara):
    for _ in range(5):
        login(client, "clara", "wrong")
    [event] = events("user.locked_out")
    assert (event.outcome, event.target_label) == ("denied", "clara")


def test_a_failed_second_factor_is_recorded_with_the_user(client, clara):
    device = TOTPDevice.objects.create(user=clara, name="phone", confirmed=True)
    login(client, "clara", "pw-clara")
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    client.post(reverse("otp-verify"), {"otp_device": device.persistent_id, "otp_token": wrong})
    [event] = events("user.second_factor_failed")
    assert (event.actor_label, event.outcome) == ("clara", "failed")


def test_a_403_is_recorded_with_the_view_and_changes_nothing(client, clara):
    client.force_login(clara)
    response = client.post(reverse("compliance:seal-now"))
    assert response.status_code == 403
    [event] = events("access.denied")
    assert (event.actor_label, event.outcome) == ("clara", "denied")
    assert event.details["view"] == "compliance:seal-now"
    assert not events("audit.seal_requested")
    assert not OutboxMessage.objects.filter(task_name="core.audit_seal_task").exists()


def test_an_out_of_scope_lookup_is_a_404_and_a_denied_event(client, carl, clara):
    client.force_login(carl)
    assert client.get(reverse("t-scoped-user", args=[clara.pk])).status_code == 404
    assert client.get(reverse("t-scoped-user", args=[carl.pk])).status_code == 200
    [event] = events("access.out_of_scope")
    assert (event.actor_label, event.outcome) == ("carl", "denied")
    assert event.details == {"model": "core.user", "lookup": [f"pk={clara.pk}"]}


def test_a_lookup_of_an_id_that_does_not_exist_is_a_failed_event(client, carl):
    client.force_login(carl)
    assert client.get(reverse("t-scoped-user", args=[999_999])).status_code == 404
    [event] = events("access.out_of_scope")
    assert event.outcome == "failed"


def test_viewing_a_health_page_once_writes_exactly_one_read_event(client, clara):
    client.force_login(clara)
    client_id = uuid.uuid4()
    before = AuditEvent.objects.count()
    response = client.get(reverse("t-health", args=[client_id]))
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    [event] = events("health_record.viewed")
    assert (event.actor_label, event.client_public_id) == ("clara", client_id)
    assert (event.details, event.purpose) == ({"section": "observations"}, "loan")


def test_a_csv_export_writes_exactly_one_export_event(client, cora):
    audit.record(actor=cora, action="client.changed")
    client.force_login(cora)
    before = AuditEvent.objects.count()
    response = client.get(reverse("compliance:audit-export"), {"action": "client.changed"})
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and "client.changed" in body
    assert AuditEvent.objects.count() == before + 1
    [event] = events("audit.exported")
    assert event.actor_label == "cora"
    assert event.details["filter_action"] == "client.changed"


def test_admin_add_change_and_delete_are_recorded_with_field_names(client, root):
    client.force_login(root)
    client.post(reverse("admin:auth_group_add"), {"name": "auditors"})
    group = Group.objects.get(name="auditors")
    client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "reviewers"})
    client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    assert not Group.objects.filter(pk=group.pk).exists()
    added, changed, deleted = (events(f"admin.{kind}") for kind in ("added", "changed", "deleted"))
    assert [e.fields for e in added] == [["name"]] and [e.fields for e in changed] == [["name"]]
    assert [e.target_id for e in deleted] == [str(group.pk)]
    assert {e.actor_label for e in [*added, *changed, *deleted]} == {"root"}


def test_admin_delete_selected_records_one_event_per_row(client, root):
    groups = [Group.objects.create(name=f"g{i}") for i in range(2)]
    client.force_login(root)
    client.post(
        reverse("admin:auth_group_changelist"),
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )
    assert not Group.objects.filter(pk__in=[g.pk for g in groups]).exists()
    assert sorted(e.target_id for e in events("admin.deleted")) == sorted(str(g.pk) for g in groups)


def test_a_task_started_by_a_user_records_that_user(clara, django_capture_on_commit_callbacks):
    widget = Widget.objects.create(name="w")
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("tests.audit.widget_recheck_task", widget.pk, actor_id=clara.pk)
    [event] = events("assessment.rechecked")
    assert (event.actor_user_id, event.actor_label) == (clara.pk, "clara")
    assert event.request_id.startswith("task:")
    assert event.details == {"previous": "pending", "to_status": "rechecked"}


def test_a_task_started_by_beat_records_its_named_system_actor(db):
    widget = Widget.objects.create(name="w")
    # Beat sends the task with its schedule's (empty) arguments; no user is involved.
    from tests.audit.widgets import widget_recheck_task

    widget_recheck_task.apply(args=[widget.pk])
    [event] = events("assessment.rechecked")
    assert (event.actor_label, event.actor_user_id) == ("system:recheck-scheduler", None)


@pytest.mark.django_db(transaction=True)
def test_the_beat_seal_and_verify_tasks_act_as_named_system_actors(clara):
    audit.record(actor=clara, action="client.changed")
    from healthcheck.core.tasks import audit_seal_task

    audit_seal_task.apply()
    assert AuditSeal.objects.get().sealed_by == "system:audit-sealer"
    audit_verify_task.apply()
    [event] = events("audit.verified")
    assert (event.actor_label, event.outcome) == ("system:audit-verifier", "success")


@pytest.mark.django_db(transaction=True)
def test_a_management_command_records_its_command_actor_and_operator(clara):
    audit.record(actor=clara, action="client.changed")
    call_command("seal_audit", stdout=None)
    call_command("verify_audit")
    [event] = events("audit.verified")
    assert event.actor_label == "command:verify-audit"
    assert event.details["operator"]
    assert AuditSeal.objects.get().sealed_by == "command:seal-audit"


def test_no_event_ever_has_an_empty_actor(client, clara):
    login(client, "nobody", "x")
    client.get(reverse("home"))
    assert AuditEvent.objects.exists()
    assert not AuditEvent.objects.filter(actor_label="").exists()
