"""App config for assessments: cases, the rule engine, referrals, decisions, emergencies."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # Register the tasks in every process: the outbox runs them eagerly in the embedded
        # profile, where no worker has autodiscovered them.
        from assessments import tasks  # noqa: F401
        from assessments.services.decisions import decisions_flag_on_withdrawal
        from clients.signals import consent_withdrawn

        consent_withdrawn.connect(decisions_flag_on_withdrawal, dispatch_uid="decisions-b31")
        from assessments.models import Emergency
        from healthcheck.core import audit

        # The mental-health crisis trigger of an emergency is a health fact, never in an audit row.
        audit.register_health_fact_terms(
            frozenset({Emergency.Trigger.SUICIDE_RISK.value}).__contains__
        )
