"""Audit rows are append-only: in the database, in the ORM and in the admin (acceptance 2)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse

from healthcheck.core import audit, sealing
from healthcheck.core.audit import triggers
from healthcheck.core.audited import AppendOnlyError
from healthcheck.core.models import AuditEvent, AuditSeal


@pytest.fixture
def sealed_event(transactional_db, clara):  # type: ignore[no-untyped-def]
    """A sealed event (transactional: on PostgreSQL only ended transactions can be sealed)."""
    event = audit.record(actor=clara, action="client.changed")
    sealing.seal_pending()
    assert AuditSeal.objects.count() == 1
    return event


def test_append_only_triggers_exist_after_all_migrations(db):
    assert triggers.existing(connection) == triggers.expected(connection.vendor)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET action = 'client.viewed'",
        "UPDATE core_auditevent SET details = '{}'",
        "DELETE FROM core_auditevent",
        "UPDATE core_auditseal SET seal_hash = 'x'",
        "DELETE FROM core_auditseal",
    ],
)
def test_raw_sql_update_or_delete_on_the_audit_tables_fails(sealed_event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.get(pk=sealed_event.pk).action == "client.changed"
    assert AuditSeal.objects.count() == 1


def test_the_orm_refuses_to_change_or_delete_audit_rows(sealed_event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="x.y")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        sealed_event.delete()
    sealed_event.action = "x.y"
    with pytest.raises(AppendOnlyError):
        sealed_event.save()
    assert AuditEvent.objects.get(pk=sealed_event.pk).action == "client.changed"


def test_audit_events_have_no_foreign_keys_so_they_outlive_their_objects():
    for model in (AuditEvent, AuditSeal):
        assert not [f for f in model._meta.get_fields() if isinstance(f, models.ForeignKey)]


@pytest.mark.parametrize("model", [AuditEvent, AuditSeal])
def test_the_admin_is_read_only_for_everyone_including_superusers(rf, root, model):
    request = rf.get("/")
    request.user = root
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}


def test_a_superuser_cannot_delete_an_event_through_the_admin(client, root, sealed_event):
    client.force_login(root)
    url = reverse("admin:core_auditevent_delete", args=[sealed_event.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    change = reverse("admin:core_auditevent_change", args=[sealed_event.pk])
    assert client.get(change).status_code == 200  # viewable, read-only
    client.post(change, {"action": "x.y"})
    assert AuditEvent.objects.get(pk=sealed_event.pk).action == "client.changed"
