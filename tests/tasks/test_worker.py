"""Real worker, real broker: the round trip, a broker outage, and a worker killed mid-task."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from django.db import connection, transaction

from healthcheck.celery import app
from healthcheck.core import outbox
from healthcheck.core.models import OutboxMessage, WorkerProbe
from healthcheck.core.probes import worker_probe_request
from tests.harness.services import requires_service
from tests.harness.worker import real_broker

pytestmark = pytest.mark.worker


def _probe(pk: object) -> WorkerProbe:
    return WorkerProbe.objects.get(pk=pk)


def test_a_probe_makes_the_round_trip_through_broker_and_worker(worker):
    probe = worker_probe_request(requested_by="test")

    worker.wait_for(lambda: _probe(probe.pk).completed_at, 30, "probe not completed")
    done = _probe(probe.pk)
    assert (done.start_count, done.effect_count) == (1, 1)
    assert done.worker_pid is not None
    message = OutboxMessage.objects.get(args=[str(probe.pk)])
    assert message.published_at is not None
    assert message.completed_at is not None


def test_a_task_queued_while_the_broker_is_down_is_delivered_once_it_is_back(
    stoppable_broker, start_worker
):
    worker = start_worker(stoppable_broker.url)
    with real_broker(stoppable_broker.url):
        stoppable_broker.stop()
        started = time.monotonic()
        probe = worker_probe_request(requested_by="test")
        publish_seconds = time.monotonic() - started

        # The action committed: the probe and its outbox row exist, the row is unpublished.
        message = OutboxMessage.objects.get(args=[str(probe.pk)])
        assert message.published_at is None
        assert message.attempts == 1
        assert message.last_error
        assert publish_seconds < 10, "a down broker must fail fast, not hang the request"

        stoppable_broker.start()
        assert outbox.relay() == 1
        worker.wait_for(lambda: _probe(probe.pk).completed_at, 60, "probe not delivered")
        assert outbox.relay() == 0

    done = _probe(probe.pk)
    assert (done.start_count, done.effect_count) == (1, 1)


def test_a_worker_child_killed_mid_task_runs_it_again_with_one_effect(worker):
    probe = worker_probe_request(requested_by="test", hold_seconds=2)
    worker.wait_for(lambda: _probe(probe.pk).start_count == 1, 30, "probe did not start")
    killed = _probe(probe.pk)
    assert killed.effect_count == 0

    os.kill(killed.worker_pid, signal.SIGKILL)

    worker.wait_for(lambda: _probe(probe.pk).completed_at, 60, "probe not re-run after SIGKILL")
    done = _probe(probe.pk)
    assert done.start_count == 2
    assert done.effect_count == 1
    assert done.worker_pid != killed.worker_pid


def test_a_message_the_worker_receives_twice_has_its_effect_once(worker):
    probe = worker_probe_request(requested_by="test")
    worker.wait_for(lambda: _probe(probe.pk).completed_at, 30, "probe not completed")
    message = OutboxMessage.objects.get(args=[str(probe.pk)])

    # The same message again, as a relay that died between send and mark would send it.
    app.send_task(message.task_name, args=message.args, task_id=str(message.pk))

    worker.wait_for(lambda: _probe(probe.pk).start_count == 2, 30, "re-delivery not received")
    assert _probe(probe.pk).effect_count == 1


def test_two_relays_at_once_publish_a_pending_message_once(worker):
    probe = WorkerProbe.objects.create(requested_by="test")
    message = OutboxMessage.objects.create(task_name="core.worker_probe_task", args=[str(probe.pk)])
    barrier = threading.Barrier(2)
    published: list[int] = []

    def relay() -> None:
        try:
            barrier.wait(timeout=10)
            published.append(outbox.relay())
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(published) == [0, 1]
    worker.wait_for(lambda: _probe(probe.pk).completed_at, 30, "probe not delivered")
    message.refresh_from_db()
    assert message.attempts == 1
    assert (_probe(probe.pk).start_count, _probe(probe.pk).effect_count) == (1, 1)


def test_a_must_send_task_survives_the_rollback_of_its_transaction(worker):
    requires_service("PostgreSQL", connection.vendor == "postgresql", "a second connection")
    reminder = WorkerProbe.objects.create(requested_by="test")
    notice = WorkerProbe.objects.create(requested_by="test")

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("core.worker_probe_task", str(reminder.pk))
        outbox.enqueue_detached("core.worker_probe_task", str(notice.pk))
        raise RuntimeError("submission refused")

    worker.wait_for(lambda: _probe(notice.pk).completed_at, 30, "must-send task not delivered")
    assert OutboxMessage.objects.filter(args=[str(reminder.pk)]).count() == 0
    assert _probe(reminder.pk).start_count == 0
    assert _probe(notice.pk).effect_count == 1
