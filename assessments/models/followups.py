"""Follow-ups and care: the manager's task inbox, each client's review schedule, and the in-app
inbox of notifications. Texts here are generic (kinds and links), never health values."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.case import Case
from clients.models import Client


class FollowUpQuerySet(models.QuerySet):
    def open(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=True)

    def overdue(self, today: datetime.date | None = None) -> FollowUpQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())


class FollowUp(models.Model):
    """One task for a manager about a client: a re-check, an emergency step, a review request.

    Invariants: ``dedupe_key`` is unique, so a scheduler run twice creates a task once (B16).
    """

    class Kind(models.TextChoices):
        RECHECK = "recheck", _("Periodic re-check")
        EMERGENCY = "emergency", _("Emergency protocol step")
        REVIEW_REQUEST = "review_request", _("Client asked for a human review")
        CARE = "care", _("Health-intervention follow-up")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="follow_ups",
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT,
        related_name="follow_ups",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_on"], name="followup_inbox_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on.isoformat()}"

    def audit_label(self) -> str:
        return f"follow-up {self.kind} {self.due_on.isoformat()}"


class ReviewSchedule(models.Model):
    """When a client's health file is due for review, and whether it went stale.

    Invariants: one row per client; set by the decision service from the outcome; ``is_stale``
    is set by the daily sweep once ``next_review_on`` has passed and cleared by a new decision.
    """

    client = models.OneToOneField(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    next_review_on = models.DateField(_("next review on"))
    is_stale = models.BooleanField(_("stale"), default=False)
    stale_since = models.DateField(_("stale since"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("review schedule")
        verbose_name_plural = _("review schedules")
        indexes = [models.Index(fields=["next_review_on"], name="review_due_idx")]

    def __str__(self) -> str:
        return self.audit_label()

    def audit_label(self) -> str:
        return f"review schedule {self.next_review_on.isoformat()}"


class InboxMessage(models.Model):
    """An in-app notification: a kind, a case to open, read or not. Never a health value."""

    class Kind(models.TextChoices):
        EMERGENCY_OPENED = "emergency_opened", _("Emergency opened: urgent medical follow-up")
        EMERGENCY_ESCALATED = "emergency_escalated", _("Emergency step overdue")
        DECISION_TO_APPROVE = "decision_to_approve", _("Decision awaiting approval")
        DECISION_DECIDED = "decision_decided", _("Decision approved")
        DECISION_SENT_BACK = "decision_sent_back", _("Decision sent back")
        RECHECK_DUE = "recheck_due", _("Re-check due")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="inbox",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        indexes = [models.Index(fields=["recipient", "-created_at"], name="inbox_recipient_idx")]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def audit_label(self) -> str:
        return f"inbox {self.kind}"
