"""Tasks of the clients app. They take ids only and re-check consent when they run."""

from __future__ import annotations

from celery import shared_task

from clients import services
from clients.gate import ConsentRequired
from clients.models import Client
from healthcheck.core.audit import SystemActor

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": 120}


@shared_task(name="clients.health_recheck_task", ignore_result=True, **TASK_OPTIONS)
def health_recheck_task(client_id: int) -> str:
    """Set the client's next review date from the latest declaration.

    Idempotent (recomputes the same date). Queued when a declaration is saved; if the consent
    was withdrawn meanwhile, the service's gate refuses (audited) and the task exits without
    processing (case B31). Returns what happened, for tests and logs.
    """
    client = Client.objects.filter(pk=client_id).first()
    if client is None or client.is_shredded:
        return "missing"
    try:
        services.health_recheck(client=client, actor=SystemActor.RECHECK_SCHEDULER)
    except ConsentRequired:
        return "skipped_no_consent"
    return "done"
