"""manage.py verify_audit: recompute every audit seal; exit non-zero naming the first break."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from healthcheck.core.audit import command_actor
from healthcheck.core.audit.verification import chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit trail's seal chain. Prints the counts of sealed and not-yet-sealed "
        "events; exits with status 1 naming the first event (or seal) that no longer matches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-alert", action="store_true", help="Do not e-mail compliance on failure."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Commands have no request user: a named command actor, with the operating-system login.
        actor = command_actor("verify_audit")
        operator = getpass.getuser()
        result = chain_verify(actor=actor, alert=not options["no_alert"], operator=operator)
        self.stdout.write(
            f"seals: {result.seals}  sealed events: {result.sealed_events}  "
            f"not yet sealed: {result.unsealed_events}"
        )
        if not result.ok:
            raise CommandError(f"audit chain BROKEN: {result.message}")
        self.stdout.write(self.style.SUCCESS("audit chain OK: every seal verifies"))
