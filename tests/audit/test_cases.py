"""Cases tagged `audit` in shared/cases/cases.md (B01, B02, B03, B05, B06, B07).

The domain models the cases name (referrals, health records, assessments, clients with
health records) are not built yet. Each test reproduces the same fault class on the test-only
``Widget`` (tests/audit/widgets.py), which is built on the same ``AuditedModel`` base that
those models will use, or on ``core.User`` through the real Django admin.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from healthcheck.core import audit
from healthcheck.core.audit.admin import AuditedAdminMixin
from healthcheck.core.audited import AuditBypassError, is_audited
from healthcheck.core.models import AuditEvent, AuditSeal, User
from tests.audit.widgets import Widget, WidgetAdmin, widget_note_change, widget_recheck_task

BASE_DIR = Path(__file__).resolve().parents[2]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def admin_request(rf, user):  # type: ignore[no-untyped-def]
    request = rf.post("/admin/")
    request.user = user
    return request


# B01 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bypass",
    [
        lambda: Widget.objects.filter(status="pending").update(status="sent"),
        lambda: Widget.objects.all().delete(),
        lambda: Widget.objects.bulk_create([Widget(name="x")]),
        lambda: Widget.objects.bulk_update(list(Widget.objects.all()), ["status"]),
    ],
    ids=["update", "delete", "bulk_create", "bulk_update"],
)
def test_b01_bulk_writes_on_an_audited_model_raise_and_change_nothing(widgets, bypass):
    with pytest.raises(AuditBypassError):
        bypass()
    assert sorted(Widget.objects.values_list("status", flat=True)) == ["pending"] * 3
    assert not AuditEvent.objects.exists()


def test_b01_the_admin_mark_as_sent_action_records_one_update_per_row(rf, clara, widgets):
    model_admin = WidgetAdmin(Widget, AdminSite())
    request = admin_request(rf, clara)
    action = model_admin.get_actions(request)["mark_sent"]
    action.func(model_admin, request, Widget.objects.all())
    assert set(Widget.objects.values_list("status", flat=True)) == {"sent"}
    sent = events("referral.sent")
    assert sorted(e.target_id for e in sent) == sorted(str(w.public_id) for w in widgets)
    for event in sent:
        assert (event.actor_label, event.fields) == ("clara", ["status"])
        assert event.details == {"previous": "pending", "to_status": "sent"}
    assert len(events("admin.action")) == 3  # the invocation itself, per row


def test_b01_a_naive_admin_bulk_action_is_refused_and_changes_nothing(rf, clara, widgets):
    model_admin = WidgetAdmin(Widget, AdminSite())
    request = admin_request(rf, clara)
    action = model_admin.get_actions(request)["mark_sent_naively"]
    with pytest.raises(AuditBypassError), transaction.atomic():
        action.func(model_admin, request, Widget.objects.all())
    assert set(Widget.objects.values_list("status", flat=True)) == {"pending"}
    assert not events("referral.sent")


def test_b01_an_import_of_two_rows_records_two_create_events(clara):
    created = audit.audited_bulk_create(
        Widget, [Widget(name="a"), Widget(name="b")], actor=clara, action="assessment.created"
    )
    assert [e.target_id for e in events("assessment.created")] == [
        str(w.public_id) for w in created
    ]


def test_b01_no_code_calls_bulk_writes_on_audited_models_directly(db):
    from django.apps import apps

    audited = {m.__name__ for m in apps.get_models() if is_audited(m)}
    pattern = re.compile(r"\b(\w+)\.objects\b.*\.(update|delete|bulk_create|bulk_update)\(")
    offenders = []
    for folder in ("healthcheck", "clients", "assessments"):
        for path in (BASE_DIR / folder).rglob("*.py"):
            if "migrations" in path.parts or path.parent.name == "audit":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = pattern.search(line)
                if match and match.group(1) in audited:
                    offenders.append(f"{path.relative_to(BASE_DIR)}:{number}")
    assert offenders == []


# B02 -----------------------------------------------------------------------------------------


def test_b02_delete_selected_is_not_offered_for_audited_models(rf, root):
    request = admin_request(rf, root)
    assert "delete_selected" not in WidgetAdmin(Widget, AdminSite()).get_actions(request)
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AuditedAdminMixin), model
        if is_audited(model):
            assert "delete_selected" not in model_admin.get_actions(request), model


def test_b02_deleting_two_rows_through_the_service_records_two_events(clara, widgets):
    audit.audited_delete(Widget.objects.filter(pk__in=[widgets[0].pk, widgets[1].pk]),
                         actor=clara, action="client.deleted")  # fmt: skip
    assert Widget.objects.count() == 1
    assert sorted(e.target_label for e in events("client.deleted")) == ["widget w0", "widget w1"]


# B03 -----------------------------------------------------------------------------------------


def test_b03_a_deleted_clients_history_stays_listed_for_compliance(client, clara, cora):
    client_id = uuid.uuid4()
    [widget] = audit.audited_bulk_create(
        Widget, [Widget(name="c", client_public_id=client_id)], actor=clara,
        action="client.created",
    )  # fmt: skip
    widget_note_change(widget=widget, actor=clara, note="phone 1")
    widget_note_change(widget=widget, actor=clara, note="phone 2")
    before = AuditEvent.objects.count()
    audit.audited_delete(Widget.objects.filter(pk=widget.pk), actor=clara, action="client.deleted")
    assert not Widget.objects.filter(pk=widget.pk).exists()
    assert AuditEvent.objects.count() == before + 1  # the delete entry; nothing removed
    client.force_login(cora)
    page = client.get(reverse("compliance:audit-list"), {"client": str(client_id)})
    listed = list(page.context["page"].events)
    assert [e.action for e in reversed(listed)] == [
        "client.created", "client.changed", "client.changed", "client.deleted",
    ]  # fmt: skip
    assert {e.target_label for e in listed} == {"widget c"}


def _user_form(user: User, **changes: str) -> dict[str, str]:
    """The admin change form as the browser would post it unchanged, plus ``changes``."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": "",
        "email": "", "is_active": "on", "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"), "branch": user.branch, "language": "",
    }  # fmt: skip
    return {**data, **changes}


def test_b03_a_user_deleted_in_admin_keeps_its_add_change_and_delete_history(client, root):
    client.force_login(root)
    client.post(
        reverse("admin:core_user_add"),
        {"username": "zed", "password1": "Zx-9876-long-pw", "password2": "Zx-9876-long-pw",
         "usable_password": "true"},
    )  # fmt: skip
    zed = User.objects.get(username="zed")
    for branch in ("Pudong", "Huangpu"):
        zed.refresh_from_db()
        response = client.post(
            reverse("admin:core_user_change", args=[zed.pk]), _user_form(zed, branch=branch)
        )
        assert response.status_code == 302
    client.post(reverse("admin:core_user_delete", args=[zed.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=zed.pk).exists()
    history = AuditEvent.objects.filter(target_type="core.user", target_id=str(zed.pk))
    assert [e.action for e in history.order_by("id")] == [
        "admin.added", "admin.changed", "admin.changed", "admin.deleted",
    ]  # fmt: skip
    assert {e.target_label for e in history} == {"zed"}
    # Names only (the form also re-posts date_joined without its microseconds).
    assert all("branch" in e.fields for e in history.filter(action="admin.changed"))
    assert "Zx-9876" not in str(list(history.values()))


# B05 -----------------------------------------------------------------------------------------


def test_b05a_a_rolled_back_change_leaves_no_event_claiming_it(clara, widgets):
    widget = widgets[0]
    with pytest.raises(ValidationError), transaction.atomic():
        widget.status = "approved"
        widget.save(update_fields=["status"])
        audit.record(actor=clara, action="decision.approved", target=widget, fields=["status"])
        raise ValidationError("the linked referral lacks its report")
    widget.refresh_from_db()
    assert widget.status == "pending"
    assert not events("decision.approved")


@pytest.mark.urls("tests.audit.urls")
def test_b05b_a_refused_attempt_is_on_record_after_the_rollback(client, clara, widgets):
    client.force_login(clara)
    response = client.post(reverse("t-approve-widget", args=[widgets[0].pk]))
    assert response.status_code == 403
    widgets[0].refresh_from_db()
    assert widgets[0].status == "pending"
    [refused] = events("decision.approved")
    assert (refused.outcome, refused.actor_label) == ("denied", "clara")
    assert events("access.denied")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_b05b_on_postgresql_a_denial_commits_at_once_on_its_own_connection(clara):
    from django.db import connections

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record_denied(actor=clara, action="decision.approved", reason="four_eyes")
        # Visible to another session while the caller's transaction is still open.
        seen = AuditEvent.objects.using("audit").filter(action="decision.approved").count()
        raise RuntimeError
    assert seen == 1
    assert AuditEvent.objects.filter(action="decision.approved", outcome="denied").count() == 1
    connections["audit"].close()


# B06 -----------------------------------------------------------------------------------------


def test_b06_a_recheck_started_by_a_manager_names_the_manager(
    clara, django_capture_on_commit_callbacks
):
    from healthcheck.core import outbox

    widget = Widget.objects.create(name="w")
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue("tests.audit.widget_recheck_task", widget.pk, actor_id=clara.pk)
    [event] = events("assessment.rechecked")
    assert event.actor_label == "clara"


def test_b06_the_periodic_recheck_names_its_system_actor(db):
    widget = Widget.objects.create(name="w")
    widget_recheck_task.apply(args=[widget.pk])
    [event] = events("assessment.rechecked")
    assert event.actor_label == "system:recheck-scheduler"


@pytest.mark.django_db(transaction=True)
def test_b06_a_management_command_names_its_command_actor(clara):
    audit.record(actor=clara, action="client.changed")
    call_command("seal_audit")
    call_command("verify_audit")
    [event] = events("audit.verified")
    assert event.actor_label == "command:verify-audit" and event.details["operator"]


def test_b06_the_database_refuses_an_event_with_an_empty_actor(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent(actor_label="", action="client.changed").save()


# B07 -----------------------------------------------------------------------------------------


def _audit_rows_containing(text: str) -> int:
    """Rows of either audit table with ``text`` in any column, asked of the database itself."""
    found = 0
    with connection.cursor() as cursor:
        for model in (AuditEvent, AuditSeal):
            for field in model._meta.concrete_fields:
                column = f"CAST({field.column} AS TEXT)"
                cursor.execute(
                    f"SELECT COUNT(*) FROM {model._meta.db_table} WHERE {column} LIKE %s",
                    [f"%{text}%"],
                )
                found += cursor.fetchone()[0]
    return found


def test_b07_a_health_field_change_names_the_field_and_its_values_appear_nowhere(
    client, clara, cora
):
    widget = Widget.objects.create(name="w", client_public_id=uuid.uuid4())
    widget_note_change(widget=widget, actor=clara, note="BP stage 1")
    widget_note_change(widget=widget, actor=clara, note="BP stage 2")
    changes = events("client.changed")
    assert [e.fields for e in changes] == [["note"], ["note"]]
    assert {e.actor_label for e in changes} == {"clara"}
    assert _audit_rows_containing("BP stage") == 0
    client.force_login(cora)
    page = client.get(reverse("compliance:audit-list"))
    export = client.get(reverse("compliance:audit-export"))
    assert "BP stage" not in page.content.decode()
    assert "BP stage" not in b"".join(export.streaming_content).decode()
    with pytest.raises(ValueError):
        audit.record(actor=clara, action="client.changed", fields=["note"], note="BP stage 2")
    assert _audit_rows_containing("BP stage") == 0
