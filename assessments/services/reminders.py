"""Referral reminders: which referrals are due for which reminder, queued once each.

The sweep runs from Celery beat (times in Asia/Shanghai, settings.CELERY_BEAT_SCHEDULE). Each
reminder is an outbox row with the dedupe key ``reminder:<referral id>:<kind>``: a restarted or
doubled scheduler, or a second sweep, finds the key and queues nothing (case B16). Rows are
written in the sweep's transaction and published after commit, so a referral rolled back with
its transaction is never reminded (case B12).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Referral
from assessments.services.referrals import referral_expire
from healthcheck.core import audit, outbox
from healthcheck.core.audit import AuditAction, SystemActor
from healthcheck.core.models import OutboxMessage

REMINDER_TASK = "assessments.referral_reminder_task"
KINDS = ("appointment_tomorrow", "appointment_missed", "report_overdue", "referral_expiring")
MISSED_AFTER = datetime.timedelta(hours=4)  # no attendance recorded 4 h after the appointment
EXPIRING_DAYS = 3


def report_overdue_days() -> int:
    return getattr(settings, "REFERRAL_REPORT_OVERDUE_DAYS", 7)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def due_referrals(kind: str, now: datetime.datetime) -> QuerySet[Referral]:
    """Referrals due for the reminder ``kind`` at ``now`` (local calendar days)."""
    today = timezone.localdate(now)
    tomorrow = today + datetime.timedelta(days=1)
    rows = Referral.objects.select_related("case__client")
    if kind == "appointment_tomorrow":
        return rows.filter(
            status=Referral.Status.BOOKED,
            appointment_at__gte=_local_midnight(tomorrow),
            appointment_at__lt=_local_midnight(tomorrow + datetime.timedelta(days=1)),
        )
    if kind == "appointment_missed":
        return rows.filter(status=Referral.Status.BOOKED, appointment_at__lte=now - MISSED_AFTER)
    if kind == "report_overdue":
        limit = now - datetime.timedelta(days=report_overdue_days())
        return rows.filter(status=Referral.Status.ATTENDED, attended_at__lte=limit)
    if kind == "referral_expiring":
        return rows.filter(
            status__in=Referral.OPEN,
            expires_on__lte=today + datetime.timedelta(days=EXPIRING_DAYS),
            expires_on__gte=today,
        )
    raise ValueError(kind)


def _due(now: datetime.datetime) -> Iterator[tuple[Referral, str]]:
    for kind in KINDS:
        for referral in due_referrals(kind, now):
            yield referral, kind


@transaction.atomic
def reminders_queue(*, actor: Any = SystemActor.REMINDER_SCHEDULER) -> int:
    """Queue every due reminder not queued before. Returns how many were queued now."""
    now, queued = timezone.now(), 0
    for referral, kind in _due(now):
        key = f"reminder:{referral.pk}:{kind}"
        if OutboxMessage.objects.filter(dedupe_key=key).exists():
            continue
        outbox.enqueue(REMINDER_TASK, referral.pk, kind, dedupe_key=key)
        audit.record(
            actor=actor, action=AuditAction.REMINDER_QUEUED, target=referral,
            client=referral.case.client, case=referral.case, kind=kind,
        )  # fmt: skip
        queued += 1
    return queued


def referrals_expire_stale(*, actor: Any = SystemActor.REMINDER_SCHEDULER) -> int:
    """Expire open referrals past their validity (each in its own transaction). Idempotent."""
    today = timezone.localdate()
    stale = Referral.objects.filter(status__in=Referral.OPEN, expires_on__lt=today)
    count = 0
    for referral in stale:
        referral_expire(referral=referral, actor=actor)
        count += 1
    return count
