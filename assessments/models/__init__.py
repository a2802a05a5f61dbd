"""Models of the assessments app: cases and assessments, the catalogue and referrals, results."""

from assessments.models.case import Assessment, Case, CaseQuerySet, Purpose
from assessments.models.referral import (
    CheckupItem,
    CostAgreement,
    CriticalValueList,
    InstitutionOffer,
    Referral,
)
from assessments.models.results import CaseDocument, Opinion, ResultImport

__all__ = [
    "Assessment",
    "Case",
    "CaseDocument",
    "CaseQuerySet",
    "CheckupItem",
    "CostAgreement",
    "CriticalValueList",
    "InstitutionOffer",
    "Opinion",
    "Purpose",
    "Referral",
    "ResultImport",
]
