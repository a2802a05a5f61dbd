"""App config for clients: clients, notices, consent and health declarations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        # Register the tasks in every process (web included): the outbox runs them eagerly in
        # the embedded profile, where no worker has autodiscovered them.
        from clients import tasks  # noqa: F401
