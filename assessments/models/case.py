"""The case (one health check of one client for one business purpose) and its assessments.

``Case.status`` moves only through ``assessments.workflow`` executed by
``services.case_transition``. Plaintext columns are the metadata the workflow filters on
(status, recommendation, outcome floor, flag counts); inputs and results are encrypted with the
client's data key.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import snapshot
from assessments.rules import CaseInputs
from clients.models import Client
from healthcheck.core import fields as enc
from healthcheck.core.audited import AuditedQuerySet


class Purpose(models.TextChoices):
    LOAN = "loan", _("Loan")
    INSURANCE = "insurance", _("Insurance")
    WEALTH_PLAN = "wealth_plan", _("Wealth-management plan")


class CaseQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """Scope: a manager sees the cases of own clients; a medical advisor (``review_case``)
        sees cases that have reached results or review; everyone else nothing."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        scope = models.Q(client__manager=user)
        if user.has_perm("assessments.review_case"):
            scope |= models.Q(status__in=Case.REVIEWABLE)
        # Issue 8: the medical advisor sees cases with an emergency, the risk approver cases
        # with a decision (the related models are looked up lazily: they import this module).
        if user.has_perm("assessments.close_emergency"):
            scope |= models.Q(self._has("Emergency"))
        if user.has_perm("assessments.approve_decision"):
            scope |= models.Q(self._has("Decision"))
        return self.filter(scope)

    def _has(self, model_name: str) -> models.Exists:
        related = self.model._meta.apps.get_model("assessments", model_name)
        return models.Exists(related.objects.filter(case=models.OuterRef("pk")))

    def open(self) -> CaseQuerySet:
        return self.exclude(status__in=Case.FINAL)


class Case(models.Model):
    """One health check of one client for one business purpose.

    Invariants: ``status`` changes only in ``case_transition`` (row lock, audit, ``version``
    incremented: the optimistic check a form posts back). ``emergency_open`` is the clean place
    for issue 8's emergency protocol: while True every business action is locked by the
    workflow guards; nothing in this issue sets it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COLLECTED = "collected", _("Collected")
        ASSESSED = "assessed", _("Assessed")
        REFERRED = "referred", _("Referred")
        RESULTS_RECEIVED = "results_received", _("Results received")
        MEDICAL_REVIEW = "medical_review", _("Medical review")
        DECISION_PROPOSED = "decision_proposed", _("Decision proposed")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    FINAL = ("closed", "withdrawn", "expired")
    REVIEWABLE = ("results_received", "medical_review")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="cases"
    )
    purpose = models.CharField(_("business purpose"), max_length=20, choices=Purpose.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    pack_id = models.CharField(_("rule pack"), max_length=40, default="cn")
    # Copied from the latest assessment: the workflow's guards read it without a query.
    recommendation = models.CharField(_("recommendation"), max_length=20, blank=True)
    emergency_open = models.BooleanField(_("emergency open"), default=False, editable=False)
    reviewed_at = models.DateTimeField(_("medical opinion recorded at"), null=True, blank=True)
    # Issue 8. The product the case is for (its health-data policy); copies of the pending
    # decision's outcome and proposer, and the approver a review request excludes: the
    # four-eyes guards read them without a query.
    product = models.ForeignKey(
        "assessments.Product", verbose_name=_("product"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    proposed_outcome = models.CharField(
        _("proposed outcome"), max_length=30, blank=True, editable=False
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )  # fmt: skip
    excluded_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver excluded by a review request"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
    )  # fmt: skip
    version = models.PositiveIntegerField(_("row version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["client", "-created_at"], name="case_client_idx"),
            models.Index(fields=["status", "-updated_at"], name="case_status_idx"),
        ]
        permissions = [
            ("assess_case", "Can collect and assess a case of own clients"),
            ("refer_case", "Can refer a case and record its results"),
            ("review_case", "Can review referred results and record a medical opinion"),
            ("withdraw_case", "Can withdraw a case"),
        ]

    def __str__(self) -> str:
        return str(_("Case %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        return f"case {str(self.public_id)[:8]} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status not in self.FINAL


class AssessmentQuerySet(AuditedQuerySet, enc.EncryptedQuerySet):
    """Bulk writes refused; encrypted fields never filtered or sorted."""


class Assessment(enc.EncryptedModel):
    """One run of the rule engine on a case: the inputs it read and the result it gave.

    Invariants: never edited after insert; ``inputs`` and ``result`` reproduce the run
    (``case_inputs()`` + pack id/version + ``as_of``); ``recommendation``, ``outcome_floor`` and
    the flag counts are plaintext copies for the workflow and lists, never health values.
    """

    encryption_owner = "client"

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="assessments"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", editable=False)
    pack_id = models.CharField(_("rule pack"), max_length=40)
    pack_version = models.CharField(_("rule pack version"), max_length=40)
    as_of = models.DateField(_("as of"))
    inputs = enc.EncryptedJSONField(_("inputs"), default=dict)
    result = enc.EncryptedJSONField(_("result"), default=dict)
    recommendation = models.CharField(_("recommendation"), max_length=20)
    outcome_floor = models.CharField(_("outcome floor"), max_length=30)
    a_flags = models.PositiveSmallIntegerField(_("A-class flags"), default=0)
    b_flags = models.PositiveSmallIntegerField(_("B-class flags"), default=0)
    critical_list = models.ForeignKey(
        "assessments.CriticalValueList", verbose_name=_("critical-value list"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    is_reassessment = models.BooleanField(_("re-assessment"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["case", "-created_at"], name="assessment_case_idx")]

    def __str__(self) -> str:
        return str(_("Assessment %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        return f"assessment {str(self.public_id)[:8]} {self.recommendation}"

    def case_inputs(self) -> CaseInputs:
        """The engine inputs this assessment was evaluated on (backtest contract)."""
        return snapshot.inputs_from_dict(self.inputs)
