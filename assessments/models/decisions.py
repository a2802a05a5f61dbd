"""The business decision on a case: the manager's proposal and the risk approver's signature.

Texts (rationale, override reason, controls, cited findings, send-back and review reasons) are
encrypted with the client's data key: they explain health-based outcomes. The outcome, status,
dates and actors stay plaintext for the workflow and lists.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.case import Assessment, Case
from assessments.models.products import Product
from clients.models import Client
from healthcheck.core import fields as enc
from healthcheck.core.audited import AuditedQuerySet


class Outcome(models.TextChoices):
    """The four outcomes, mildest first (the order of ``rules.packs.OUTCOMES``)."""

    PROCEED = "proceed", _("Proceed normally")
    PROCEED_WITH_CONTROLS = "proceed_with_controls", _("Proceed with risk controls")
    POSTPONE = "postpone", _("Postpone")
    DECLINE = "decline", _("Decline")


class Control(models.TextChoices):
    LIMIT = "limit", _("Limit")
    TERM = "term", _("Term")
    PREMIUM_LOADING = "premium_loading", _("Premium loading")
    EXCLUSION = "exclusion", _("Exclusion")
    COLLATERAL = "collateral", _("Collateral")
    ENHANCED_MONITORING = "enhanced_monitoring", _("Enhanced monitoring")


class DecisionQuerySet(AuditedQuerySet, enc.EncryptedQuerySet):
    """Bulk writes refused; encrypted fields never filtered or sorted."""


class Decision(enc.EncryptedModel):
    """One proposed business decision on a case and what became of it.

    Invariants: written only by ``services.decisions``; ``token`` is the proposal form's
    idempotency token (unique: a double-submitted form creates one row); ``approval_token`` the
    approving form's; ``approved_by`` is never ``proposed_by`` unless the outcome is "proceed"
    (four-eyes, workflow guard); after a review request ``previous_approver`` may not approve.
    """

    encryption_owner = "client"

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")
        REVIEW_REQUESTED = "review_requested", _("Human review requested")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="decisions"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", editable=False)
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PROPOSED, editable=False
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome)
    outcome_floor = models.CharField(_("engine outcome floor"), max_length=30, blank=True)
    recommendation = models.CharField(_("engine recommendation"), max_length=20, blank=True)
    below_floor = models.BooleanField(_("below the outcome floor"), default=False)
    health_data_allowed = models.BooleanField(_("health data allowed"), default=True)
    controls = enc.EncryptedJSONField(_("risk controls"), default=list)
    postpone_until = models.DateField(_("postpone until"), null=True, blank=True)
    postpone_condition = enc.EncryptedTextField(_("postpone until (condition)"), blank=True)
    rationale = enc.EncryptedTextField(_("rationale"))
    cited_findings = enc.EncryptedJSONField(_("cited findings"), default=list)
    override_reason = enc.EncryptedTextField(_("override reason"), blank=True)
    send_back_reason = enc.EncryptedTextField(_("send-back reason"), blank=True)
    review_reason = enc.EncryptedTextField(_("review request"), blank=True)
    next_review_on = models.DateField(_("next review on"), null=True, blank=True)
    token = models.UUIDField(_("form token"), unique=True, default=uuid.uuid4, editable=False)
    approval_token = models.UUIDField(_("approval form token"), null=True, blank=True, unique=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    previous_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver before the review"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    review_requested_at = models.DateTimeField(_("review requested at"), null=True, blank=True)
    # Set when the client withdraws the health-check consent the decision was based on (B31):
    # it may not be approved until reviewed under a new consent. Plaintext: no health content.
    needs_review = models.BooleanField(_("Review requested"), default=False, editable=False)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [models.Index(fields=["case", "-proposed_at"], name="decision_case_idx")]
        permissions = [
            ("propose_decision", "Can propose a business decision on own clients' cases"),
            ("approve_decision", "Can approve or send back a proposed decision"),
        ]

    def __str__(self) -> str:
        return str(_("Decision %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        return f"decision {str(self.public_id)[:8]} {self.outcome} {self.status}"

    @property
    def is_adverse(self) -> bool:
        """Every outcome but "proceed normally" needs an explanation and a second signature."""
        return self.outcome != Outcome.PROCEED
