"""Core models: the user, the transactional outbox that feeds Celery, and the audit trail."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthcheck.core.audited import AppendOnlyModel


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


class AuditEvent(AppendOnlyModel):
    """One entry of the audit trail: who did what to which object and client, when, why, from where.

    Invariants: append-only (database triggers refuse UPDATE and DELETE, see migration 0003);
    written only through ``healthcheck.core.audit``; no foreign keys, so events outlive the rows
    they describe (case B03); ``fields`` holds field names and ``details`` ids, names and
    statuses, never health values (case B07). ``txid`` is the inserting transaction's id on
    PostgreSQL (set by a trigger, 0 on SQLite): the sealer orders events by ``(txid, id)`` so
    that a late-committing event is sealed by a later run, never skipped (see sealing.py).
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        DENIED = "denied", _("denied")
        FAILED = "failed", _("failed")

    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    actor_user_id = models.BigIntegerField(_("actor user id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=64)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    client_public_id = models.UUIDField(_("client"), null=True, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    case_id = models.CharField(_("case"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    txid = models.BigIntegerField(_("transaction id"), default=0, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        permissions = [("export_auditevent", "Can export audit events")]
        # Every list is keyset-paginated on (occurred_at, id), optionally within one filter.
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="audit_time_idx"),
            models.Index(fields=["client_public_id", "occurred_at", "id"], name="audit_client_idx"),
            models.Index(fields=["actor_label", "occurred_at", "id"], name="audit_actor_idx"),
            models.Index(fields=["action", "occurred_at", "id"], name="audit_action_idx"),
            models.Index(fields=["txid", "id"], name="audit_seal_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(actor_label=""), name="audit_actor_not_empty"
            ),
            models.CheckConstraint(condition=~models.Q(action=""), name="audit_action_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_label}"


class AuditSeal(AppendOnlyModel):
    """A link of the tamper-evidence chain over audit events (append-only, like AuditEvent).

    Seal ``number`` covers exactly the events whose ``(txid, id)`` lies in
    ``(after_txid, after_id) < key <= (last_txid, last_id)``; ``entries`` lists them in that
    order as ``[txid, id, sha256 of canonical content]``. ``seal_hash`` chains
    ``previous_hash`` with this seal's canonical content. Consecutive seals' ranges touch, so
    every event is sealed exactly once.
    """

    number = models.PositiveBigIntegerField(_("number"), unique=True)
    sealed_at = models.DateTimeField(_("sealed at"), default=timezone.now)
    sealed_by = models.CharField(_("sealed by"), max_length=150)
    after_txid = models.BigIntegerField()
    after_id = models.BigIntegerField()
    last_txid = models.BigIntegerField()
    last_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField(_("events"))
    entries = models.JSONField(default=list)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    seal_hash = models.CharField(_("seal hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        permissions = [("request_auditseal", "Can request an audit seal run")]

    def __str__(self) -> str:
        return f"seal {self.number}"
