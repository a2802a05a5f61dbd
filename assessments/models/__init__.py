"""Models of the assessments app: cases and assessments, the catalogue and referrals, results,
products, decisions, emergencies and follow-ups."""

from assessments.models.case import Assessment, Case, CaseQuerySet, Purpose
from assessments.models.decisions import Control, Decision, Outcome
from assessments.models.emergencies import Emergency, EmergencyStep
from assessments.models.followups import FollowUp, InboxMessage, ReviewSchedule
from assessments.models.products import ALWAYS_EXCLUDED, Product, RestrictedClass
from assessments.models.referral import (
    CheckupItem,
    CostAgreement,
    CriticalValueList,
    InstitutionOffer,
    Referral,
)
from assessments.models.results import CaseDocument, Opinion, ResultImport

__all__ = [
    "ALWAYS_EXCLUDED",
    "Assessment",
    "Case",
    "CaseDocument",
    "CaseQuerySet",
    "CheckupItem",
    "Control",
    "CostAgreement",
    "CriticalValueList",
    "Decision",
    "Emergency",
    "EmergencyStep",
    "FollowUp",
    "InboxMessage",
    "InstitutionOffer",
    "Opinion",
    "Outcome",
    "Product",
    "Purpose",
    "Referral",
    "RestrictedClass",
    "ResultImport",
    "ReviewSchedule",
]
