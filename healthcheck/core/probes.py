"""The worker probe service: one round trip through the outbox, the broker and a worker."""

from __future__ import annotations

from django.db import transaction

from healthcheck.core import outbox
from healthcheck.core.models import WorkerProbe


@transaction.atomic
def worker_probe_request(*, requested_by: str, hold_seconds: int = 0) -> WorkerProbe:
    """Record a probe and queue ``core.worker_probe_task`` for it in the same transaction.

    The task is published after commit; if the broker is down then, the outbox relay delivers it
    later. ``hold_seconds`` keeps the task busy (to test a worker killed mid-task).
    """
    probe = WorkerProbe.objects.create(requested_by=requested_by, hold_seconds=hold_seconds)
    outbox.enqueue("core.worker_probe_task", str(probe.pk))
    return probe
