"""Results that came back for a case: imports (form, FHIR, client report), report files, and
the medical advisor's opinion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.case import Assessment, Case
from assessments.models.referral import Referral
from clients.models import Client, Document, Institution
from healthcheck.core import fields as enc
from healthcheck.core.audited import AuditedQuerySet


class ResultQuerySet(AuditedQuerySet, enc.EncryptedQuerySet):
    """Bulk writes refused; encrypted fields never filtered or sorted."""


class ResultImport(enc.EncryptedModel):
    """One intake of results for a case (structured form, FHIR bundle or client's report).

    Invariants: ``sha256`` of a FHIR bundle is unique per case, so the same bundle twice is one
    import; the bundle itself is never stored (its identifiers never reach the database).
    ``extras`` (encrypted) hold questionnaire answers, conditions, the lab's reference ranges
    and the list of ignored entries.
    """

    encryption_owner = "client"

    class Source(models.TextChoices):
        RESULTS_FORM = "results_form", _("Results entry form")
        FHIR = "fhir", _("FHIR bundle")
        CLIENT_REPORT = "client_report", _("Report brought by the client")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="result_imports"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", editable=False)
    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="result_imports",
    )  # fmt: skip
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64, blank=True)
    report_date = models.DateField(_("report date"), null=True, blank=True)
    observation_count = models.PositiveIntegerField(_("observations"), default=0)
    extras = enc.EncryptedJSONField(_("details"), default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now, editable=False)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("result import")
        verbose_name_plural = _("result imports")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "sha256"], condition=~models.Q(sha256=""),
                name="result_import_unique_content",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return str(_("Result import %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        return f"result import {str(self.public_id)[:8]} {self.source}"


class CaseDocument(models.Model):
    """An original report file (a ``clients.Document``, stored encrypted) attached to a case."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="documents"
    )
    document = models.OneToOneField(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="documents",
    )  # fmt: skip

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")

    def __str__(self) -> str:
        return str(self.document)


class Opinion(enc.EncryptedModel):
    """A medical advisor's opinion on a case's results; its texts are encrypted.

    ``is_urgent`` is plaintext: issue 8's emergency protocol opens on it.
    ``reassessment`` is the engine run made right after the opinion.
    """

    encryption_owner = "client"

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="opinions"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", editable=False)
    interpretation = enc.EncryptedTextField(_("interpretation"))
    significant_findings = enc.EncryptedTextField(_("significant findings"), blank=True)
    recommended_follow_up = enc.EncryptedTextField(_("recommended follow-up"), blank=True)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    reassessment = models.ForeignKey(
        Assessment, verbose_name=_("re-assessment"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("medical opinion")
        verbose_name_plural = _("medical opinions")

    def __str__(self) -> str:
        return str(_("Opinion %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        return f"opinion {str(self.public_id)[:8]}"
