"""The check-up catalogue, what each designated institution offers, its critical-value lists,
cost agreements and referrals.

``clients.Institution`` is the designated institution itself (name, licence, qualification
expiry, status); this module adds what the refer step needs around it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.models.case import Case
from clients.models import Institution
from healthcheck.core.audited import AuditedQuerySet


class CheckupItem(models.Model):
    """One orderable check-up item (seeded by migration 0002; edited in admin).

    ``kinds`` lists the engine observation kinds its results carry (the structured form asks
    for exactly these); ``is_restricted`` marks mental-health questionnaires.
    """

    class Category(models.TextChoices):
        VITALS = "vitals", _("Vital signs and body measurements")
        BLOOD = "blood", _("Blood tests")
        URINE = "urine", _("Urine tests")
        IMAGING = "imaging", _("ECG and imaging")
        SCREENING = "screening", _("Screening")
        MENTAL = "mental", _("Mental-health questionnaire")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    loinc_code = models.CharField(_("LOINC code"), max_length=20, blank=True)
    kinds = models.JSONField(_("observation kinds"), default=list, blank=True)
    is_restricted = models.BooleanField(_("restricted class"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("check-up item")
        verbose_name_plural = _("check-up items")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class InstitutionOffer(models.Model):
    """An item a designated institution offers (one row per institution and item)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE,
        related_name="offers",
    )  # fmt: skip
    item = models.ForeignKey(
        CheckupItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="offers"
    )

    class Meta:
        verbose_name = _("offered item")
        verbose_name_plural = _("offered items")
        constraints = [
            models.UniqueConstraint(fields=["institution", "item"], name="offer_unique_item")
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.item}"


class CriticalValueList(models.Model):
    """An institution's own critical-value list, versioned; the newest version applies.

    ``rules`` are A-class rules in rule-pack format passed to the engine's
    ``critical_overrides`` for assessments of that institution's results (RULES.md §2.1).
    A version is never edited: a change is a new version.
    """

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="critical_lists",
    )  # fmt: skip
    version = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("critical-value rules"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("critical-value list")
        verbose_name_plural = _("critical-value lists")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "version"], name="critical_list_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} v{self.version}"


class CostAgreement(models.Model):
    """Who pays for a referral's check-up: bank, client, or split (bank pays up to ``cap``).

    Required before a referral is issued; shown on the letter. Never edited after issue.
    """

    class Payer(models.TextChoices):
        BANK = "bank", _("Bank pays")
        CLIENT = "client", _("Client pays")
        SPLIT = "split", _("Split: bank pays up to the cap, client the rest")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="cost_agreements"
    )
    payer = models.CharField(_("payer"), max_length=10, choices=Payer.choices)
    cap = models.DecimalField(
        _("bank's cap (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    approved_by_name = models.CharField(_("approved by"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost agreement")
        verbose_name_plural = _("cost agreements")

    def __str__(self) -> str:
        return str(self.get_payer_display())


class Referral(models.Model):
    """A referral of a case to a designated institution for check-up items.

    Invariants: issued only with a cost agreement, to a qualified institution offering every
    item, under the client's active consent to share with that institution (CN-04); status
    changes only in ``assessments.services.referrals`` (audited); ``version`` increments on
    every change.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        BOOKED = "booked", _("Booked")
        ATTENDED = "attended", _("Attended")
        REPORT_RECEIVED = "report_received", _("Report received")
        EXPIRED = "expired", _("Expired")
        DECLINED = "declined_by_client", _("Declined by client")

    OPEN = ("issued", "booked", "attended")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="referrals",
    )  # fmt: skip
    items = models.ManyToManyField(CheckupItem, verbose_name=_("items"), related_name="+")
    cost_agreement = models.OneToOneField(
        CostAgreement, verbose_name=_("cost agreement"), on_delete=models.PROTECT,
        related_name="referral",
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ISSUED, editable=False
    )
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"))
    institution_flagged_at = models.DateTimeField(
        _("institution suspended at"), null=True, blank=True, editable=False
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True, editable=False)
    report_received_at = models.DateTimeField(
        _("report received at"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("row version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["status", "appointment_at"], name="referral_status_idx"),
            models.Index(fields=["case", "-issued_at"], name="referral_case_idx"),
        ]

    def __str__(self) -> str:
        return str(_("Referral %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        return f"referral {str(self.public_id)[:8]} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
