"""Assessment views (function-based): cases, referrals, results intake and medical review."""

from assessments.views.cases import assessment_detail, case_action, case_detail, case_list
from assessments.views.referrals import (
    referral_create,
    referral_detail,
    referral_letter,
    referral_move,
)
from assessments.views.results import (
    client_report,
    results_entry,
    results_fhir,
    results_files,
)
from assessments.views.review import review_detail, review_queue

__all__ = [
    "assessment_detail",
    "case_action",
    "case_detail",
    "case_list",
    "client_report",
    "referral_create",
    "referral_detail",
    "referral_letter",
    "referral_move",
    "results_entry",
    "results_fhir",
    "results_files",
    "review_detail",
    "review_queue",
]
