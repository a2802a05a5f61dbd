"""Core tasks: the outbox relay and the worker round-trip probe."""

from __future__ import annotations

import os
import time

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from healthcheck.core import outbox
from healthcheck.core.models import WorkerProbe

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="core.outbox_relay_task", ignore_result=True, time_limit=120, **TASK_OPTIONS)
def outbox_relay_task() -> int:
    """Publish outbox rows whose first publish failed (broker down at commit time)."""
    return outbox.relay()


@shared_task(name="core.worker_probe_task", bind=True, ignore_result=True, **TASK_OPTIONS)
def worker_probe_task(self, probe_id: str) -> None:  # type: ignore[no-untyped-def]
    """Prove the path outbox -> broker -> worker -> database, and survive a killed worker.

    Counts each start (committed at once, so a re-delivery after a crash is visible), holds for
    ``hold_seconds``, then records its effect once, under the outbox row lock.
    """
    WorkerProbe.objects.filter(pk=probe_id).update(
        start_count=F("start_count") + 1, worker_pid=os.getpid()
    )
    probe = WorkerProbe.objects.get(pk=probe_id)
    if probe.hold_seconds:
        time.sleep(probe.hold_seconds)
    with outbox.run_once(self.request.id) as should_run:
        if should_run:
            WorkerProbe.objects.filter(pk=probe_id).update(
                effect_count=F("effect_count") + 1, completed_at=timezone.now()
            )


@shared_task(name="core.audit_seal_task", ignore_result=True, time_limit=120, **TASK_OPTIONS)
def audit_seal_task() -> int:
    """Seal the audit events committed since the last seal (beat every minute, and on demand).

    Idempotent: a second run finds nothing new to seal; concurrent runs serialise in the sealer.
    """
    from healthcheck.core import sealing

    return sealing.seal_pending()


@shared_task(name="core.audit_verify_task", ignore_result=True, time_limit=1800, **TASK_OPTIONS)
def audit_verify_task() -> bool:
    """Verify the whole audit chain (beat, nightly); a failure e-mails the compliance officers."""
    from healthcheck.core.audit import SystemActor
    from healthcheck.core.audit.verification import chain_verify

    return chain_verify(actor=SystemActor.AUDIT_VERIFIER).ok
