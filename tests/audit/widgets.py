"""A test-only audited model (``Widget``) and the services, admin and task that use it.

The domain models that cases B01-B07 name (referrals, health records, assessments) do not
exist yet; the Widget reproduces the same fault classes on a model built on the same bases
(``AuditedModel``), kept out of the project's app registry so no migration ever sees it.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery import shared_task
from django.apps.registry import Apps
from django.contrib import admin
from django.db import models, transaction

from healthcheck.core import audit, outbox
from healthcheck.core.audit.admin import AuditedAdminMixin
from healthcheck.core.audited import AuditedModel

test_apps = Apps()


class Widget(AuditedModel):
    """Stands in for a referral or health record: a status and one "health" text field."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True)
    name = models.CharField(max_length=50)
    status = models.CharField(max_length=20, default="pending")
    note = models.CharField(max_length=100, blank=True)  # stands in for an encrypted field
    client_public_id = models.UUIDField(null=True, blank=True)

    class Meta:
        app_label = "audit_tests"
        apps = test_apps

    @property
    def audit_label(self) -> str:
        return f"widget {self.name}"


def widget_note_change(*, widget: Widget, actor: Any, note: str) -> Widget:
    """Change the "health" field: the event names the field, never the value (B07)."""
    with transaction.atomic():
        widget.note = note
        widget.save(update_fields=["note"])
        audit.record(
            actor=actor,
            action=audit.AuditAction.CLIENT_CHANGED,
            target=widget,
            client=widget.client_public_id,
            fields=["note"],
        )
    return widget


def widget_recheck(*, widget_id: int, actor: Any) -> Widget:
    """The re-check service a task calls (B06): locks, changes status, records the actor."""
    with transaction.atomic():
        widget = Widget.objects.select_for_update().get(pk=widget_id)
        previous, widget.status = widget.status, "rechecked"
        widget.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action=audit.AuditAction.ASSESSMENT_RECHECKED,
            target=widget,
            fields=["status"],
            previous=previous,
            to_status="rechecked",
        )
    return widget


@shared_task(name="tests.audit.widget_recheck_task", bind=True, ignore_result=True)
def widget_recheck_task(self, widget_id: int, actor_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Started by a user (``actor_id``) or by beat (no actor_id: the named scheduler)."""
    from healthcheck.core.models import User

    actor = User.objects.get(pk=actor_id) if actor_id else audit.SystemActor.RECHECK_SCHEDULER
    with outbox.run_once(self.request.id) as should_run:
        if should_run:
            widget_recheck(widget_id=widget_id, actor=actor)


@admin.action(description="Mark as sent")
def mark_sent(modeladmin: Any, request: Any, queryset: models.QuerySet) -> None:
    """The admin bulk path, done right: one event per row through the audited service."""
    audit.audited_update(
        queryset.filter(status="pending"),
        actor=request.user,
        action=audit.AuditAction.REFERRAL_SENT,
        values={"status": "sent"},
        previous="pending",
        to_status="sent",
    )


@admin.action(description="Mark as sent (naive)")
def mark_sent_naively(modeladmin: Any, request: Any, queryset: models.QuerySet) -> None:
    """The bypass of case B01: a plain queryset.update()."""
    queryset.update(status="sent")


class WidgetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    actions = [mark_sent, mark_sent_naively]
