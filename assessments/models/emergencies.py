"""The emergency protocol (PRODUCT step 7, RULES.md §2): an open emergency on a case, its
protocol steps with deadlines, and nothing else. No health value is stored here in clear: the
trigger is a kind ("critical value", "urgent opinion", "suicide-risk item"), never a number.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.case import Case
from clients.models import Client
from healthcheck.core import fields as enc
from healthcheck.core.audited import AuditedQuerySet


class EmergencyQuerySet(AuditedQuerySet, enc.EncryptedQuerySet):
    def open(self) -> EmergencyQuerySet:
        return self.filter(closed_at__isnull=True)


class StepQuerySet(AuditedQuerySet, enc.EncryptedQuerySet):
    def pending(self) -> StepQuerySet:
        return self.filter(done_at__isnull=True)


class Emergency(enc.EncryptedModel):
    """One emergency on a case, open until a medical advisor closes it with a note.

    Invariants: at most one open emergency per case (constraint); while open
    ``Case.emergency_open`` is True and the workflow locks business actions.
    """

    encryption_owner = "client"

    class Trigger(models.TextChoices):
        CRITICAL_VALUE = "critical_value", _("Critical (A-class) finding")
        URGENT_OPINION = "urgent_opinion", _("Urgent medical opinion")
        SUICIDE_RISK = "suicide_risk", _("Mental-health crisis item")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="emergencies"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", editable=False)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, editable=False)
    opened_by_label = models.CharField(_("opened by"), max_length=150)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    close_note = enc.EncryptedTextField(_("closing note"), blank=True)

    objects = EmergencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency")
        verbose_name_plural = _("emergencies")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(closed_at__isnull=True),
                name="emergency_one_open_per_case",
            )
        ]
        permissions = [("close_emergency", "Can record protocol steps and close an emergency")]

    def __str__(self) -> str:
        return str(_("Emergency %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        # Never the trigger: "suicide_risk" next to a client is itself a health fact.
        return f"emergency {str(self.public_id)[:8]}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_mental_health(self) -> bool:
        """Show the mental-health crisis line (12356) besides 120."""
        return self.trigger == self.Trigger.SUICIDE_RISK


class EmergencyStep(enc.EncryptedModel):
    """One protocol step with its deadline: contact within 2 h, follow-ups at 24 h and 7 days.

    Invariants: ``escalated_at`` is set once (the escalation sweep skips escalated steps).
    """

    encryption_owner = "client"

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Client contacted (within 2 hours)")
        FOLLOW_UP_24H = "follow_up_24h", _("Follow-up at 24 hours")
        FOLLOW_UP_7D = "follow_up_7d", _("Follow-up at 7 days")

    DEADLINES = {
        Kind.CONTACT: datetime.timedelta(hours=2),
        Kind.FOLLOW_UP_24H: datetime.timedelta(hours=24),
        Kind.FOLLOW_UP_7D: datetime.timedelta(days=7),
    }

    emergency = models.ForeignKey(
        Emergency, verbose_name=_("emergency"), on_delete=models.PROTECT, related_name="steps"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(_("step"), max_length=20, choices=Kind)
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    note = enc.EncryptedTextField(_("note"), blank=True)
    # Closed with the emergency before anyone recorded it: the advisor judged it not needed.
    not_needed = models.BooleanField(_("not needed"), default=False, editable=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency step")
        verbose_name_plural = _("emergency steps")
        ordering = ("due_at",)
        constraints = [
            models.UniqueConstraint(fields=["emergency", "kind"], name="emergency_step_once")
        ]
        indexes = [models.Index(fields=["done_at", "due_at"], name="emergency_step_due_idx")]

    def audit_label(self) -> str:
        return f"emergency step {self.kind}"

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        return self.done_at is None and self.due_at < (now or timezone.now())
