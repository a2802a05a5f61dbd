"""Task cases B12, B15, B16 for reminders, and the task payload rule (ids only)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments import services, tasks
from assessments.models import Referral
from healthcheck.core import outbox
from healthcheck.core.models import OutboxMessage
from tests.assessments.conftest import items


def test_b12_a_reminder_is_queued_after_commit_and_never_after_rollback(
    assessed_case: Any, clara: Any, institution: Any, sharing: Any,
    django_capture_on_commit_callbacks: Any, mailoutbox: Any,
) -> None:  # fmt: skip
    clara.email = "clara@bank.example"
    clara.save()
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        services.referral_create(
            case=assessed_case, actor=clara, institution=institution, items=items(),
            payer="bank", approved_by_name="Li", appointment_at=tomorrow,
        )  # fmt: skip
        services.reminders_queue()
        assert mailoutbox == []  # nothing runs inside the transaction
    assert callbacks  # publishing waits for the commit
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the commit happens: now the reminder is published
            callback()
    assert len(mailoutbox) == 1


def test_b15_a_redelivered_reminder_has_its_effect_once(
    referral: Referral, clara: Any, mailoutbox: Any
) -> None:
    clara.email = "clara@bank.example"
    clara.save()
    services.referral_move(
        referral=referral, move="book", actor=clara,
        appointment_at=timezone.now() + datetime.timedelta(days=1),
    )  # fmt: skip
    message = outbox.enqueue(tasks.referral_reminder_task.name, referral.pk, "appointment_tomorrow")
    for _ in range(2):  # the worker died after the effect: the broker delivers it again
        tasks.referral_reminder_task.apply(
            args=[referral.pk, "appointment_tomorrow"], task_id=str(message.pk)
        )
    assert len(mailoutbox) == 1


def test_b16_two_schedulers_queue_one_reminder_per_referral_and_kind(
    referral: Referral, clara: Any
) -> None:
    services.referral_move(
        referral=referral, move="book", actor=clara,
        appointment_at=timezone.localtime() + datetime.timedelta(days=1),
    )  # fmt: skip
    first, second = tasks.referral_reminders_task.apply(), tasks.referral_reminders_task.apply()
    assert (first.result, second.result) == (1, 0)
    assert OutboxMessage.objects.filter(dedupe_key__startswith="reminder:").count() == 1
    row = OutboxMessage.objects.get(dedupe_key__startswith="reminder:")
    assert row.args == [referral.pk, "appointment_tomorrow"]  # ids and flags only
