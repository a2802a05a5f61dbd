"""Real worker, real broker: the round trip, a broker outage, and a worker killed mid-task."""

from __future__ import annotations

import time

import pytest

from healthcheck.core import outbox
from healthcheck.core.models import OutboxMessage, WorkerProbe
from healthcheck.core.probes import worker_probe_request
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
