"""Consent models: designated institutions, versioned privacy notices and consents.

A consent is valid only while its notice is the current published version of its purpose: a
new version supersedes the old one and every consent given on it needs re-consent (derived, so
the gate closes the moment the new version is published).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from clients.models.client import Client, Document


class Purpose(models.TextChoices):
    """Processing purposes that each need their own, separate consent (PIPL Art. 29, CN-02)."""

    HEALTH_CHECK = "health_check", _("Health check")
    SHARE_WITH_INSTITUTION = "share_with_institution", _("Sharing with a medical institution")
    PRODUCT_RECOMMENDATION = "product_recommendation", _("Product recommendation")


class InstitutionQuerySet(models.QuerySet):
    def qualified(self, on: datetime.date | None = None) -> InstitutionQuerySet:
        """Active institutions whose qualification has not expired on ``on`` (today)."""
        on = on or timezone.localdate()
        return self.filter(status=Institution.Status.ACTIVE, qualification_expires_on__gte=on)


class Institution(models.Model):
    """A designated medical institution (managed in Django admin; the refer step extends it).

    Invariant: an expired or suspended institution cannot be named in a new sharing consent.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    licence_number = models.CharField(_("licence / qualification number"), max_length=100)
    qualification_expires_on = models.DateField(_("qualification expires on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("designated institution")
        verbose_name_plural = _("designated institutions")
        constraints = [
            models.UniqueConstraint(fields=["licence_number"], name="institution_unique_licence")
        ]

    def __str__(self) -> str:
        return self.name

    def is_qualified(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status == self.Status.ACTIVE and self.qualification_expires_on >= on


# Mandatory sections of a notice (PIPL Art. 17 + 30, CN-03), in the order they are shown.
NOTICE_SECTIONS: tuple[tuple[str, Any], ...] = (
    ("purpose", _("Purpose")),
    ("processing", _("Processing")),
    ("retention", _("Retention")),
    ("recipients", _("Recipients")),
    ("necessity", _("Necessity")),
    ("impact", _("Impact on your rights")),
)
NOTICE_LANGUAGES: tuple[tuple[str, str], ...] = (("zh-hans", "zh"), ("en", "en"))


class Notice(models.Model):
    """One version of the privacy notice for one purpose, in Simplified Chinese and English.

    Invariants: drafts are edited in admin; publishing (``notice_publish``) fixes the version
    number and the SHA-256 of the exact text shown (``full_text``) and supersedes the previous
    version. A published notice is never edited again.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    purpose_zh = models.TextField(_("purpose (Chinese)"), blank=True)
    purpose_en = models.TextField(_("purpose (English)"), blank=True)
    processing_zh = models.TextField(_("processing (Chinese)"), blank=True)
    processing_en = models.TextField(_("processing (English)"), blank=True)
    retention_zh = models.TextField(_("retention (Chinese)"), blank=True)
    retention_en = models.TextField(_("retention (English)"), blank=True)
    recipients_zh = models.TextField(_("recipients (Chinese)"), blank=True)
    recipients_en = models.TextField(_("recipients (English)"), blank=True)
    necessity_zh = models.TextField(_("necessity (Chinese)"), blank=True)
    necessity_en = models.TextField(_("necessity (English)"), blank=True)
    impact_zh = models.TextField(_("impact (Chinese)"), blank=True)
    impact_en = models.TextField(_("impact (English)"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(_("version"), null=True, blank=True, editable=False)
    text_sha256 = models.CharField(
        _("SHA-256 of the text"), max_length=64, blank=True, editable=False
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        permissions = [("publish_notice", "Can publish a privacy notice version")]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version"],
                condition=models.Q(version__isnull=False),
                name="notice_unique_version",
            ),
            models.UniqueConstraint(
                fields=["purpose"],
                condition=models.Q(status="published"),
                name="notice_one_published_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        version = self.version or "draft"
        return f"{self.get_purpose_display()} v{version}"

    def section(self, name: str, suffix: str) -> str:
        return getattr(self, f"{name}_{suffix}")

    def empty_sections(self) -> list[str]:
        """``<section>_<lang>`` names of the mandatory sections left empty (CN-03)."""
        return [
            f"{name}_{suffix}"
            for name, _label in NOTICE_SECTIONS
            for _code, suffix in NOTICE_LANGUAGES
            if not self.section(name, suffix).strip()
        ]

    def full_text(self) -> str:
        """The exact text shown to the client: both languages, headed sections, fixed layout."""
        parts = []
        for code, suffix in NOTICE_LANGUAGES:
            with override(code):
                parts.append(getattr(self, f"title_{suffix}").strip())
                for name, label in NOTICE_SECTIONS:
                    parts.append(f"{label}\n{self.section(name, suffix).strip()}")
        return "\n\n".join(parts)

    def compute_sha256(self) -> str:
        return hashlib.sha256(self.full_text().encode("utf-8")).hexdigest()


class ConsentQuerySet(models.QuerySet):
    def active(self, at: datetime.datetime | None = None) -> ConsentQuerySet:
        """Consents in force at ``at``: granted, not withdrawn or replaced, not expired, and
        given on the purpose's current published notice (otherwise re-consent is required)."""
        at = at or timezone.now()
        return self.filter(
            withdrawn_at__isnull=True,
            replaced_at__isnull=True,
            granted_at__lte=at,
            expires_at__gt=at,
            notice__status=Notice.Status.PUBLISHED,
        )

    def open(self) -> ConsentQuerySet:
        """Neither withdrawn nor replaced (expired and re-consent-required ones included)."""
        return self.filter(withdrawn_at__isnull=True, replaced_at__isnull=True)


class Consent(models.Model):
    """A client's separate consent for one purpose (and, for sharing, one institution).

    Invariants: at most one open consent per client, purpose and institution (constraints);
    ``notice_sha256`` is the hash of the exact text shown, copied from the notice; withdrawal
    sets ``withdrawn_at`` and starts the retention clock, and is never undone (a new consent is a
    new row). No health data lives here.
    """

    class Channel(models.TextChoices):
        IN_BRANCH = "in_branch", _("In branch")
        REMOTE = "remote", _("Remote")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        RECONSENT_REQUIRED = "reconsent_required", _("Re-consent required")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REPLACED = "replaced", _("Replaced")
        PENDING = "pending", _("Not yet in force")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
    )
    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="consents"
    )
    notice_sha256 = models.CharField(_("SHA-256 of the notice shown"), max_length=64)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("witnessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    evidence = models.ForeignKey(
        Document, verbose_name=_("evidence"), on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_channel = models.CharField(
        _("withdrawal channel"), max_length=20, choices=Channel.choices, blank=True
    )
    # CN-08/CN-09: erasure is scheduled from here (the retention policy lives with legal).
    retention_started_at = models.DateTimeField(
        _("retention clock started at"), null=True, blank=True, editable=False
    )
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        permissions = [("record_consent", "Can record and withdraw consents of own clients")]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "purpose"],
                condition=models.Q(
                    withdrawn_at__isnull=True, replaced_at__isnull=True, institution__isnull=True
                ),
                name="consent_one_open_per_purpose",
            ),
            models.UniqueConstraint(
                fields=["client", "purpose", "institution"],
                condition=models.Q(
                    withdrawn_at__isnull=True, replaced_at__isnull=True, institution__isnull=False
                ),
                name="consent_one_open_per_institution",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(purpose="share_with_institution", institution__isnull=False)
                    | (
                        ~models.Q(purpose="share_with_institution")
                        & models.Q(institution__isnull=True)
                    )
                ),
                name="consent_institution_iff_sharing",
            ),
        ]
        indexes = [models.Index(fields=["client", "purpose"], name="consent_client_purpose_idx")]

    def __str__(self) -> str:
        return str(_("Consent %(id)s") % {"id": str(self.public_id)[:8]})

    def state(self, at: datetime.datetime | None = None) -> str:
        """The consent's state now (derived; see the model docstring)."""
        at = at or timezone.now()
        if self.withdrawn_at is not None:
            return self.State.WITHDRAWN
        if self.replaced_at is not None:
            return self.State.REPLACED
        if self.granted_at > at:
            return self.State.PENDING
        if self.expires_at <= at:
            return self.State.EXPIRED
        if self.notice.status != Notice.Status.PUBLISHED:
            return self.State.RECONSENT_REQUIRED
        return self.State.ACTIVE

    def state_label(self) -> str:
        return str(self.State(self.state()).label)

    @property
    def is_open(self) -> bool:
        return self.withdrawn_at is None and self.replaced_at is None
