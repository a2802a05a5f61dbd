"""Core models: the user, and the transactional outbox that feeds Celery."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A member of staff. Roles are groups (see roles.py); capabilities are permissions."""

    language = models.CharField(
        _("interface language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    branch = models.CharField(_("branch"), max_length=100, blank=True)
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="team",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_manager_dashboard", "Can open the client manager dashboard"),
            ("view_advisor_dashboard", "Can open the medical advisor dashboard"),
            ("view_approver_dashboard", "Can open the risk approver dashboard"),
            ("view_compliance_dashboard", "Can open the compliance dashboard"),
            ("view_admin_dashboard", "Can open the administrator dashboard"),
        ]


class OutboxMessage(models.Model):
    """A task to deliver to the broker, written in the same transaction as the change it follows.

    Invariants: ``args``/``kwargs`` hold ids and plain flags only, never personal data; a row is
    published at least once (relay retries until the broker accepts it) and its task body runs
    to completion at most once (``completed_at`` is checked under a row lock before running).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    # Optional business key ("reminder:<referral>:<kind>") making the enqueue itself idempotent.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_idx",
                condition=models.Q(published_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.id}"


class WorkerProbe(models.Model):
    """A diagnostic round trip through the outbox, the broker and a worker.

    ``start_count`` counts how often a worker began the probe (it grows when a worker dies
    mid-task and the broker re-delivers); ``effect_count`` counts completed effects and must
    never exceed one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.CharField(max_length=150)
    hold_seconds = models.PositiveIntegerField(default=0)
    start_count = models.PositiveIntegerField(default=0)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    effect_count = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("worker probe")
        verbose_name_plural = _("worker probes")

    def __str__(self) -> str:
        return f"probe {self.id}"


class KeyCheck(models.Model):
    """A check value per master key id, so start-up can tell a wrong key from a right one.

    ``check_value`` is a short ciphertext of a fixed label under that key; a key whose id is
    known but which cannot decrypt its check value is the wrong key. Managed by keys.py.
    """

    key_id = models.CharField(max_length=64, unique=True)
    check_value = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("key check value")
        verbose_name_plural = _("key check values")

    def __str__(self) -> str:
        return self.key_id
