"""Admin for the refer step's reference data: catalogue, offered items, critical-value lists.

Cases, assessments, referrals and results are changed only through services (no admin edit).
"""

from __future__ import annotations

from django.contrib import admin

from assessments.models import CheckupItem, CriticalValueList, InstitutionOffer, Product


@admin.register(CheckupItem)
class CheckupItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "category", "loinc_code", "is_restricted")
    list_filter = ("category",)
    actions = None


@admin.register(InstitutionOffer)
class InstitutionOfferAdmin(admin.ModelAdmin):
    list_display = ("institution", "item")
    list_filter = ("institution",)
    actions = None


@admin.register(CriticalValueList)
class CriticalValueListAdmin(admin.ModelAdmin):
    """A version is never edited: a change is a new version (add only)."""

    list_display = ("institution", "version", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return obj is None and super().has_change_permission(request, obj)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The product catalogue and each product's health-data policy (FAIR-01)."""

    list_display = ("code", "name_en", "name_zh", "business_line", "jurisdiction", "health_policy")
    list_filter = ("business_line", "jurisdiction", "health_policy", "is_active")
    search_fields = ("code", "name_en", "name_zh")
    actions = None
