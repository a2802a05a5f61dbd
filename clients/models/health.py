"""Health models: versioned health declarations and the client's observations over time.

Every health value is encrypted with the client's data key. Plaintext columns are metadata the
workflow filters on: kinds, units, dates, sources, the restricted-class marker and the
follow-up flag (which tells a manager *that* follow-up is needed, never why).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models.client import Client
from clients.models.consent import Consent
from healthcheck.core import fields as enc
from healthcheck.core.audited import AuditedQuerySet


class HealthQuerySet(AuditedQuerySet, enc.EncryptedQuerySet):
    """Bulk writes refused (audited services only); encrypted fields never filtered or sorted."""


class FollowUp(models.TextChoices):
    NONE = "", _("None")
    RECOMMENDED = "recommended", _("Follow-up recommended")
    URGENT = "urgent", _("Urgent medical follow-up required")


class Declaration(enc.EncryptedModel):
    """One submitted health declaration of a client; a new submission is a new version.

    Invariants: never edited after insert (``version`` increases per client); saved only under
    the active health-check consent it names; PHQ-9/GAD-7 answers and F-chapter/HIV/hepatitis/
    pregnancy/genetic conditions are the restricted class (never shown to client managers);
    ``scores`` hold a total only for a complete questionnaire (RULES.md §1.10, case B27).
    """

    encryption_owner = "client"

    class SelfRatedHealth(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        VERY_GOOD = "very_good", _("Very good")
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")

    class Smoking(models.TextChoices):
        NEVER = "never", _("Never smoked")
        FORMER = "former", _("Former smoker")
        CURRENT = "current", _("Current smoker")

    class FamilyCondition(models.TextChoices):
        ASCVD = "ascvd", _("Early heart disease or stroke (ASCVD)")
        HYPERTENSION = "hypertension", _("Hypertension")
        DIABETES = "diabetes", _("Diabetes")
        CANCER = "cancer", _("Cancer")

    class ConditionStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        UNDER_TREATMENT = "under_treatment", _("Under treatment")
        RESOLVED = "resolved", _("Resolved")

    class Alcohol(models.TextChoices):
        NONE = "none", _("None")
        OCCASIONAL = "occasional", _("Occasional")
        REGULAR = "regular", _("Regular")
        HEAVY = "heavy", _("Heavy")

    # China-PAR inputs (RULES.md §3.1, §3.5). "unknown" is an answer; blank/NULL = not asked
    # (declarations saved before these questions existed). Both leave the engine input unknown.
    class Region(models.TextChoices):
        NORTH = "north", _("North of the Yangtze River")
        SOUTH = "south", _("South of the Yangtze River")
        UNKNOWN = "unknown", _("Unknown")

    class Residence(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")
        UNKNOWN = "unknown", _("Unknown")

    class YesNo(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNKNOWN = "unknown", _("Unknown")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="declarations"
    )
    version = models.PositiveIntegerField(_("version"), editable=False)
    consent = models.ForeignKey(
        Consent, verbose_name=_("consent"), on_delete=models.PROTECT, related_name="+"
    )
    self_rated_health = enc.EncryptedCharField(
        _("self-rated health"), max_length=20, choices=SelfRatedHealth.choices, blank=True
    )
    # [{"code": "I10", "status": "active", "notes": "..."}]
    conditions = enc.EncryptedJSONField(_("conditions"), default=list)
    medications = enc.EncryptedTextField(_("medications"), blank=True)
    # {"conditions": ["ascvd", ...], "notes": "..."}
    family_history = enc.EncryptedJSONField(_("family history"), default=dict)
    smoking = enc.EncryptedCharField(
        _("smoking"), max_length=20, choices=Smoking.choices, blank=True
    )
    alcohol = enc.EncryptedCharField(
        _("alcohol"), max_length=20, choices=Alcohol.choices, blank=True
    )
    region = enc.EncryptedCharField(
        _("region of residence"), max_length=20, choices=Region.choices, null=True, blank=True
    )
    residence = enc.EncryptedCharField(
        _("urban or rural residence"),
        max_length=20,
        choices=Residence.choices,
        null=True,
        blank=True,
    )
    bp_treatment = enc.EncryptedCharField(
        _("currently taking blood-pressure medication"),
        max_length=20,
        choices=YesNo.choices,
        null=True,
        blank=True,
    )
    # A declared "no" is what lets a risk model run for a client without diabetes; a diabetes
    # condition (E10-E14) above means yes, and a "no" beside one is refused.
    diabetes = enc.EncryptedCharField(
        _("diagnosed with diabetes"), max_length=20, choices=YesNo.choices, null=True, blank=True
    )
    notes = enc.EncryptedTextField(_("notes"), blank=True)
    # {"1": 0, ..., "9": null}: answers 0-3 by item number, null = not answered (restricted).
    phq9 = enc.EncryptedJSONField(_("PHQ-9 answers"), null=True, blank=True)
    gad7 = enc.EncryptedJSONField(_("GAD-7 answers"), null=True, blank=True)
    # {"phq9": {"complete": bool, "total": int | None, "band": str | None}, "gad7": {...}}
    scores = enc.EncryptedJSONField(_("questionnaire scores"), default=dict)
    measured_at = models.DateTimeField(_("measured at"), null=True, blank=True)
    follow_up = models.CharField(
        _("follow-up"), max_length=20, choices=FollowUp.choices, blank=True, editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)

    objects = HealthQuerySet.as_manager()

    class Meta:
        verbose_name = _("health declaration")
        verbose_name_plural = _("health declarations")
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="declaration_unique_version")
        ]
        indexes = [models.Index(fields=["client", "-version"], name="declaration_client_idx")]

    def __str__(self) -> str:
        return str(_("Declaration %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        return f"declaration v{self.version} {str(self.public_id)[:8]}"


class Observation(enc.EncryptedModel):
    """One measured value of a client at a point in time, in the engine's canonical unit.

    ``kind`` is an observation kind of the rule engine (``assessments.rules.units.KINDS``) or a
    questionnaire total (``phq9``/``gad7``, restricted). A blood-pressure reading is one ``sbp``
    and one ``dbp`` row sharing ``reading_id`` and ``effective_at``. Written only by
    ``observation_record`` (consent-gated, audited); never edited.
    """

    encryption_owner = "client"

    class Source(models.TextChoices):
        DECLARATION = "declaration", _("Health declaration")
        RESULTS_FORM = "results_form", _("Results entry form")
        FHIR = "fhir", _("FHIR bundle")
        CLIENT_REPORT = "client_report", _("Report brought by the client")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="observations"
    )
    kind = models.CharField(_("kind"), max_length=40)
    loinc_code = models.CharField(_("LOINC code"), max_length=20, blank=True)
    value = enc.EncryptedDecimalField(_("value"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("unit (UCUM)"), max_length=30)
    original_value = enc.EncryptedDecimalField(
        _("value as entered"), max_digits=14, decimal_places=4
    )
    original_unit = enc.EncryptedCharField(_("unit as entered"), max_length=30)
    effective_at = models.DateTimeField(_("effective at"))
    reading_id = models.UUIDField(_("reading"), null=True, blank=True)
    is_restricted = models.BooleanField(_("restricted class"), default=False)
    # Behind an A-class flag / emergency: the value, band and trace are the medical advisor's
    # (PRODUCT "Emergency protocol"); other viewers see "urgent medical follow-up required".
    is_critical = models.BooleanField(
        _("Urgent medical follow-up required"), default=False, editable=False
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = HealthQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [
            models.Index(fields=["client", "kind", "-effective_at"], name="observation_client_idx")
        ]

    def __str__(self) -> str:
        return str(_("Observation %(id)s") % {"id": str(self.public_id)[:8]})

    def audit_label(self) -> str:
        kind = "restricted" if self.is_restricted else self.kind
        return f"observation {kind} {str(self.public_id)[:8]}"
