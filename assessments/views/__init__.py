"""Assessment views (function-based): cases, referrals, results intake, medical review,
decisions, emergencies, the health file and follow-ups."""

from assessments.views.care import (
    emergency_close,
    emergency_detail,
    emergency_list,
    emergency_step,
    follow_up_done,
    follow_up_inbox,
    health_file,
)
from assessments.views.cases import assessment_detail, case_action, case_detail, case_list
from assessments.views.decide import (
    case_product,
    decision_approve,
    decision_detail,
    decision_explanation,
    decision_explanation_pdf,
    decision_propose,
    decision_review,
    decision_send_back,
)
from assessments.views.referrals import (
    referral_create,
    referral_detail,
    referral_letter,
    referral_letter_pdf,
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
    "case_product",
    "client_report",
    "decision_approve",
    "decision_detail",
    "decision_explanation",
    "decision_explanation_pdf",
    "decision_propose",
    "decision_review",
    "decision_send_back",
    "emergency_close",
    "emergency_detail",
    "emergency_list",
    "emergency_step",
    "follow_up_done",
    "follow_up_inbox",
    "health_file",
    "referral_create",
    "referral_detail",
    "referral_letter",
    "referral_letter_pdf",
    "referral_move",
    "results_entry",
    "results_fhir",
    "results_files",
    "review_detail",
    "review_queue",
]
