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
from django.db import DEFAULT_DB_ALIAS, IntegrityError, NotSupportedError, connections, transaction
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


def publish(message_id: Any, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Hand one pending message to the broker (or run it, in eager mode). True when published.

    Safe to call concurrently: the row is locked (others skip it) and only an unpublished row
    is sent, so two relays at once publish each message once (case B16).
    """
    with transaction.atomic(using=using):
        message = (
            OutboxMessage.objects.using(using)
            .select_for_update(skip_locked=True)
            .filter(pk=message_id, published_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        if app.conf.task_always_eager:
            # Embedded profile: no broker. Mark first so a failing body is not re-run forever.
            message.published_at = timezone.now()
            message.save(update_fields=["published_at"])
            transaction.on_commit(lambda: _run_eagerly(message), using=using, robust=True)
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


# Alias under which enqueue_detached registers its private connection while it is in use.
_DETACHED_ALIAS = "outbox_detached"


def enqueue_detached(
    task_name: str, *args: Any, dedupe_key: str | None = None, **kwargs: Any
) -> OutboxMessage | None:
    """Record and publish a task that must be sent even if the caller's transaction rolls back.

    For notifications that must go out on a refused or failed action ("your submission was
    rejected", case B12): the row is written and committed on a connection of its own, so the
    rollback of the surrounding transaction cannot discard it. Outside a transaction this is
    ``enqueue``. Raises NotSupportedError on SQLite with a broker inside a transaction (SQLite
    has one writer; the embedded profile runs tasks eagerly, where the task runs at once and
    None is returned). Tests of it need ``transactional_db``: the row outlives the test's
    transaction.
    """
    _check_payload(args, kwargs)
    if not transaction.get_connection().in_atomic_block:
        return enqueue(task_name, *args, dedupe_key=dedupe_key, **kwargs)
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        if not app.conf.task_always_eager:
            raise NotSupportedError("enqueue_detached inside a transaction needs PostgreSQL")
        app.tasks[task_name].apply(args=args, kwargs=kwargs, throw=True)
        return None
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    connections[_DETACHED_ALIAS] = side
    try:
        rows = OutboxMessage.objects.using(_DETACHED_ALIAS)
        fields = {"task_name": task_name, "args": list(args), "kwargs": kwargs}
        if dedupe_key:
            message, _created = rows.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        else:
            message = rows.create(**fields)
        publish(message.pk, using=_DETACHED_ALIAS)
    finally:
        del connections[_DETACHED_ALIAS]
        side.close()
    return message


def _run_eagerly(message: OutboxMessage) -> None:
    try:
        # A web process has imported only the task modules its views happened to import; the
        # worker would have autodiscovered them all, so the eager path does the same first.
        if message.task_name not in app.tasks:
            app.loader.import_default_modules()
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
