"""Transactional outbox: tasks are written to the database with the change that causes them.

``enqueue`` inserts an ``OutboxMessage`` in the caller's transaction and, once that transaction
commits, tries to publish it. If the broker is down the row simply stays unpublished and the
relay (a beat task, and ``manage.py outbox_relay``) publishes it later, so a task is never lost
between commit and broker, and a rolled-back transaction never sends one (case B12).

Publishing uses the row's id as the Celery task id. A task body wrapped in ``run_once`` marks
the row completed in the same transaction as its effect, so a message delivered twice (relay
retry, worker killed after the effect but before the ack) has its effect once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from healthcheck.celery import app
from healthcheck.core.models import OutboxMessage

log = structlog.get_logger(__name__)

_SCALARS = (int, str, bool, type(None))


def _check_payload(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    # Tasks take ids and flags only: anything else risks putting personal data on the broker.
    for value in (*args, *kwargs.values()):
        if not isinstance(value, _SCALARS):
            raise TypeError(f"outbox task arguments must be ids or flags, got {type(value)}")


def enqueue(
    task_name: str,
    *args: Any,
    dedupe_key: str | None = None,
    countdown: int = 0,
    **kwargs: Any,
) -> OutboxMessage:
    """Record a task to run after the current transaction commits. Returns its outbox row.

    With ``dedupe_key``, a second enqueue with the same key returns the first row and sends
    nothing (e.g. one reminder per referral and kind, however often the scheduler runs).
    """
    _check_payload(args, kwargs)
    if dedupe_key is not None:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    fields = {
        "task_name": task_name,
        "args": list(args),
        "kwargs": kwargs,
        "dedupe_key": dedupe_key,
        "available_at": timezone.now() + timedelta(seconds=countdown),
    }
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(**fields)
    except IntegrityError:
        # A concurrent enqueue with the same key won the race; that one is the message.
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    if countdown <= 0:
        transaction.on_commit(lambda: publish(message.pk), robust=True)
    return message


def publish(message_id: Any) -> bool:
    """Hand one pending message to the broker (or run it, in eager mode). True when published."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, published_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        if app.conf.task_always_eager:
            # Embedded profile: no broker. Mark first so a failing body is not re-run forever.
            message.published_at = timezone.now()
            message.save(update_fields=["published_at"])
            transaction.on_commit(lambda: _run_eagerly(message), robust=True)
            return True
        try:
            app.send_task(
                message.task_name,
                args=message.args,
                kwargs=message.kwargs,
                task_id=str(message.pk),
                retry=False,
            )
        except Exception as exc:
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:300]
            message.save(update_fields=["attempts", "last_error"])
            log.warning(
                "outbox.publish_failed", message_id=str(message.pk), error=type(exc).__name__
            )
            return False
        message.attempts += 1
        message.published_at = timezone.now()
        message.save(update_fields=["attempts", "published_at"])
        return True


def _run_eagerly(message: OutboxMessage) -> None:
    try:
        app.tasks[message.task_name].apply(
            args=message.args, kwargs=message.kwargs, task_id=str(message.pk), throw=True
        )
    except Exception:
        log.exception("outbox.eager_task_failed", message_id=str(message.pk))


def relay(limit: int = 200) -> int:
    """Publish pending messages that are due. Returns how many were published."""
    due = OutboxMessage.objects.filter(
        published_at__isnull=True, available_at__lte=timezone.now()
    ).order_by("available_at")
    published = 0
    for message_id in due.values_list("pk", flat=True)[:limit]:
        published += publish(message_id)
    return published


@contextlib.contextmanager
def run_once(task_id: str | None) -> Iterator[bool]:
    """Run a task body at most once per outbox message, atomically with its effect.

    Yields True when the body should run. Tasks not sent through the outbox (beat) always run;
    they must be idempotent by their own keys.
    """
    with transaction.atomic():
        message = None
        if task_id:
            message = OutboxMessage.objects.select_for_update().filter(pk=task_id).first()
        if message is not None and message.completed_at is not None:
            yield False
            return
        yield True
        if message is not None:
            message.completed_at = timezone.now()
            message.save(update_fields=["completed_at"])
