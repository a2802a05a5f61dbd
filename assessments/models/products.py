"""The product catalogue and each product's health-data policy (FAIR-01, PRIVACY.md §7.4).

A product says which business line it belongs to, in which jurisdiction it is sold and whether
health data may be a decision input at all. Administrators keep it in the Django admin.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RestrictedClass(models.TextChoices):
    """Decision-input classes that can be excluded; the first six are always excluded (FAIR-02)."""

    MENTAL_HEALTH = "mental_health", _("Mental health (PHQ-9/GAD-7, ICD-10 F chapter)")
    HIV = "hiv", _("HIV status (B20-B24)")
    HEPATITIS = "hepatitis", _("Viral hepatitis status (B15-B19)")
    PREGNANCY = "pregnancy", _("Pregnancy (ICD-10 O chapter)")
    GENETIC = "genetic", _("Genetic data")
    SEX = "sex", _("Sex")
    ONCOLOGY = "oncology", _("Cancer history (look-back limit)")


ALWAYS_EXCLUDED = frozenset(
    {
        RestrictedClass.MENTAL_HEALTH,
        RestrictedClass.HIV,
        RestrictedClass.HEPATITIS,
        RestrictedClass.PREGNANCY,
        RestrictedClass.GENETIC,
        RestrictedClass.SEX,
    }
)


class ProductQuerySet(models.QuerySet):
    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)


class Product(models.Model):
    """A bank product a case is for (a loan, an insurance cover, a wealth plan).

    Invariants: ``health_policy`` "none" forbids every health input; "insurance_only" allows
    health inputs only when ``business_line`` is insurance; ``excluded_classes`` adds classes to
    the always-excluded ones (never removes them).
    """

    class BusinessLine(models.TextChoices):
        CREDIT = "credit", _("Credit")
        INSURANCE = "insurance", _("Insurance")
        WEALTH = "wealth", _("Wealth management")

    class HealthPolicy(models.TextChoices):
        NONE = "none", _("Health data not allowed")
        INSURANCE_ONLY = "insurance_only", _("Insurance only")
        ALLOWED = "allowed", _("Allowed")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    business_line = models.CharField(_("business line"), max_length=20, choices=BusinessLine)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, default="CN")
    health_policy = models.CharField(
        _("health-data policy"), max_length=20, choices=HealthPolicy, default=HealthPolicy.NONE
    )
    excluded_classes = models.JSONField(_("excluded input classes"), default=list, blank=True)
    # Finding measures the product suits people with (care suggestions), e.g. ["blood_pressure"].
    suits_findings = models.JSONField(_("suits findings"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ("business_line", "code")

    def __str__(self) -> str:
        return f"{self.code} · {self.name_en}"

    def audit_label(self) -> str:
        return f"product {self.code}"

    @property
    def allows_health_data(self) -> bool:
        """True when health findings may be decision inputs for this product (FAIR-01)."""
        if self.health_policy == self.HealthPolicy.ALLOWED:
            return True
        return (
            self.health_policy == self.HealthPolicy.INSURANCE_ONLY
            and self.business_line == self.BusinessLine.INSURANCE
        )

    def excluded(self) -> frozenset[str]:
        """Every class that may not be cited for this product (always-excluded included)."""
        return ALWAYS_EXCLUDED | frozenset(self.excluded_classes or ())
