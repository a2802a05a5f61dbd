"""Crypto-shred one client: destroy its data key so all its encrypted values and files are gone.

Asks for confirmation unless ``--yes``. Other clients and the audit trail are untouched.
"""

from __future__ import annotations

import getpass
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from healthcheck.core import keys


class Command(BaseCommand):
    help = "Irreversibly erase one client by destroying its data key (crypto-shredding)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("public_id", type=uuid.UUID, help="the client's public id")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, public_id: uuid.UUID, yes: bool, **options: Any) -> None:
        owner = _find_owner(public_id)
        if owner.is_shredded:
            self.stdout.write(_("This client was already erased; nothing to do."))
            return
        if not yes and not self._confirmed(public_id):
            raise CommandError(_("Cancelled; nothing was changed."))
        service = import_string(type(owner).shred_service)
        # Commands have no request user: a named command actor, with the operating-system login.
        service(actor="command:shred-client", client=owner, operator=getpass.getuser())
        self.stdout.write(_("Client %(id)s erased: its data key is destroyed.") % {"id": public_id})

    def _confirmed(self, public_id: uuid.UUID) -> bool:
        prompt = _(
            "This destroys the data key of client %(id)s. All of its encrypted data and files "
            "become unreadable forever, backups included. Type 'yes' to continue: "
        ) % {"id": public_id}
        try:
            return input(prompt).strip().lower() == "yes"
        except EOFError:
            return False


def _find_owner(public_id: uuid.UUID) -> Any:
    for model in keys.data_key_owner_models():
        if not model.shred_service:
            continue
        owner = model._default_manager.filter(public_id=public_id).first()
        if owner is not None:
            return owner
    raise CommandError(_("No client with public id %(id)s.") % {"id": public_id})
