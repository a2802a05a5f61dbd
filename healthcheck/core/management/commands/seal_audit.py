"""manage.py seal_audit: seal the committed audit events now (beat does it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from healthcheck.core import sealing
from healthcheck.core.audit import command_actor


class Command(BaseCommand):
    help = "Seal every audit event committed so far (in batches) and print the chain counts."

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = sealing.seal_pending(actor=command_actor("seal_audit"))
        status = sealing.status()
        self.stdout.write(
            f"sealed now: {sealed}  seals: {status.seals}  sealed events: "
            f"{status.sealed_events}  not yet sealed: {status.unsealed_events}"
        )
