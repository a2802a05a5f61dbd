"""The transactional outbox in the eager profile (cases B12 and B16; no broker needed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from healthcheck.core import outbox
from healthcheck.core.models import OutboxMessage, WorkerProbe
from healthcheck.core.tasks import outbox_relay_task, worker_probe_task


class Refused(Exception):
    """A validation error that rolls the business transaction back."""


def _new_probe() -> WorkerProbe:
    return WorkerProbe.objects.create(requested_by="test")


def test_a_task_queued_in_a_transaction_runs_only_after_commit_and_finds_its_row(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        probe = _new_probe()
        outbox.enqueue("core.worker_probe_task", str(probe.pk))
        probe.refresh_from_db()
        assert probe.start_count == 0, "the task ran before its transaction committed"

    probe.refresh_from_db()
    assert (probe.start_count, probe.effect_count) == (1, 1)
    assert OutboxMessage.objects.get().completed_at is not None


def test_a_task_queued_in_a_rolled_back_transaction_never_runs(
    db, django_capture_on_commit_callbacks
):
    kept = _new_probe()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        outbox.enqueue("core.worker_probe_task", str(kept.pk))
        raise Refused

    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    kept.refresh_from_db()
    assert (kept.start_count, kept.effect_count) == (0, 0)


def test_a_must_send_task_queued_after_the_rolled_back_block_still_runs(
    transactional_db, django_capture_on_commit_callbacks
):
    reminder, notice = _new_probe(), _new_probe()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                outbox.enqueue("core.worker_probe_task", str(reminder.pk))
                raise Refused
        except Refused:
            outbox.enqueue_detached("core.worker_probe_task", str(notice.pk))

    reminder.refresh_from_db()
    notice.refresh_from_db()
    assert reminder.effect_count == 0
    assert notice.effect_count == 1


def test_enqueueing_the_same_dedupe_key_twice_sends_once(db, django_capture_on_commit_callbacks):
    probe = _new_probe()
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue("core.worker_probe_task", str(probe.pk), dedupe_key="probe:1")
        second = outbox.enqueue("core.worker_probe_task", str(probe.pk), dedupe_key="probe:1")

    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    probe.refresh_from_db()
    assert (probe.start_count, probe.effect_count) == (1, 1)


def test_a_message_delivered_twice_has_its_effect_once(db, django_capture_on_commit_callbacks):
    probe = _new_probe()
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue("core.worker_probe_task", str(probe.pk))

    # A second delivery of the same message (relay retry, broker re-delivery).
    worker_probe_task.apply(args=[str(probe.pk)], task_id=str(message.pk), throw=True)

    probe.refresh_from_db()
    assert (probe.start_count, probe.effect_count) == (2, 1)


def test_two_relay_ticks_deliver_a_pending_message_once(db, django_capture_on_commit_callbacks):
    probe = _new_probe()
    # As left behind when the broker was down at commit time: written, never published.
    message = OutboxMessage.objects.create(task_name="core.worker_probe_task", args=[str(probe.pk)])

    with django_capture_on_commit_callbacks(execute=True):
        first_tick = outbox_relay_task.apply().get()
        second_tick = outbox_relay_task.apply().get()

    assert (first_tick, second_tick) == (1, 0)
    message.refresh_from_db()
    assert message.published_at is not None
    probe.refresh_from_db()
    assert (probe.start_count, probe.effect_count) == (1, 1)


def test_the_relay_leaves_a_message_that_is_not_yet_due(db):
    OutboxMessage.objects.create(
        task_name="core.worker_probe_task",
        args=["x"],
        available_at=timezone.now() + timedelta(minutes=5),
    )
    assert outbox.relay() == 0
    assert OutboxMessage.objects.get().published_at is None


@pytest.mark.parametrize("argument", [{"name": "Li Wei"}, ["x"], 1.5, b"bytes"])
def test_task_arguments_other_than_ids_and_flags_are_refused(db, argument):
    with pytest.raises(TypeError):
        outbox.enqueue("core.worker_probe_task", argument)
    assert not OutboxMessage.objects.exists()
