"""App config for clients: clients, notices, consent and health declarations."""

import re

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Model-free modules: safe to import while the app registry is loading.
from clients import icd10, measurements


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        # Register the tasks in every process (web included): the outbox runs them eagerly in
        # the embedded profile, where no worker has autodiscovered them.
        from clients import tasks  # noqa: F401
        from healthcheck.core import audit

        audit.register_health_fact_terms(names_restricted_class)


_ICD10_CODE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")


def names_restricted_class(word: str) -> bool:
    """A word that by itself says a client has restricted-class data: a mental-health
    questionnaire kind, or a restricted ICD-10 code (audit rows name them "restricted")."""
    return word.lower() in measurements.RESTRICTED_KINDS or (
        _ICD10_CODE.match(word) is not None and icd10.is_restricted(word)
    )
