"""Assessment services: every write of the assessments app, each in a transaction with its
audit event. Split by concern and re-exported here (``from assessments import services``)."""

from assessments.services.cases import (
    VersionConflict,
    assessment_run,
    case_collect,
    case_create,
    case_transition,
)
from assessments.services.decisions import (
    DecisionRefused,
    Proposal,
    case_product_set,
    decision_approve,
    decision_propose,
    decision_request_review,
    decision_send_back,
)
from assessments.services.emergencies import (
    emergencies_escalate,
    emergency_close,
    emergency_open,
    emergency_step_record,
)
from assessments.services.followups import follow_up_done, rechecks_sweep
from assessments.services.referrals import (
    ReferralRefused,
    cost_agreement_record,
    institutions_suspend_expired,
    referral_create,
    referral_expire,
    referral_issue,
    referral_letter_printed,
    referral_move,
)
from assessments.services.reminders import referrals_expire_stale, reminders_queue
from assessments.services.results import (
    ImportOutcome,
    ResultsRefused,
    client_report_accept,
    fhir_import,
    report_files_store,
    results_record,
)
from assessments.services.review import opinion_record

__all__ = [
    "DecisionRefused",
    "ImportOutcome",
    "Proposal",
    "ReferralRefused",
    "ResultsRefused",
    "VersionConflict",
    "assessment_run",
    "case_collect",
    "case_create",
    "case_product_set",
    "case_transition",
    "client_report_accept",
    "cost_agreement_record",
    "decision_approve",
    "decision_propose",
    "decision_request_review",
    "decision_send_back",
    "emergencies_escalate",
    "emergency_close",
    "emergency_open",
    "emergency_step_record",
    "fhir_import",
    "follow_up_done",
    "institutions_suspend_expired",
    "opinion_record",
    "rechecks_sweep",
    "referral_create",
    "referral_expire",
    "referral_issue",
    "referral_letter_printed",
    "referral_move",
    "referrals_expire_stale",
    "reminders_queue",
    "report_files_store",
    "results_record",
]
