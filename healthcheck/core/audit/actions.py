"""The catalogue of audit actions (``<noun>.<event>``) and of named system actors."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Every action the audit trail knows. Add a member here before recording a new action."""

    # Authentication and access
    USER_LOGGED_IN = "user.logged_in", _("Logged in")
    USER_LOGGED_OUT = "user.logged_out", _("Logged out")
    USER_LOGIN_FAILED = "user.login_failed", _("Login failed")
    USER_LOCKED_OUT = "user.locked_out", _("Locked out")
    USER_SECOND_FACTOR_FAILED = "user.second_factor_failed", _("Second factor failed")
    ACCESS_DENIED = "access.denied", _("Access denied")
    ACCESS_OUT_OF_SCOPE = "access.out_of_scope", _("Out-of-scope lookup")
    # Django admin
    ADMIN_ADDED = "admin.added", _("Added in admin")
    ADMIN_CHANGED = "admin.changed", _("Changed in admin")
    ADMIN_DELETED = "admin.deleted", _("Deleted in admin")
    ADMIN_ACTION = "admin.action", _("Admin bulk action")
    # Health data reads and exports
    HEALTH_RECORD_VIEWED = "health_record.viewed", _("Health data viewed")
    HEALTH_RECORD_EXPORTED = "health_record.exported", _("Health data exported")
    REPORT_DOWNLOADED = "report.downloaded", _("Report file downloaded")
    # The audit trail itself
    AUDIT_EXPORTED = "audit.exported", _("Audit trail exported")
    AUDIT_ACCESS_REPORT_VIEWED = "audit.access_report_viewed", _("Access report viewed")
    AUDIT_VERIFIED = "audit.verified", _("Audit chain verified")
    AUDIT_SEAL_REQUESTED = "audit.seal_requested", _("Audit seal requested")
    # Domain writes (recorded by the owning services)
    CLIENT_CREATED = "client.created", _("Client created")
    CLIENT_CHANGED = "client.changed", _("Client changed")
    CLIENT_DELETED = "client.deleted", _("Client deleted")
    CONSENT_GRANTED = "consent.granted", _("Consent granted")
    CONSENT_WITHDRAWN = "consent.withdrawn", _("Consent withdrawn")
    CONSENT_REPLACED = "consent.replaced", _("Consent replaced by a new one")
    NOTICE_PUBLISHED = "notice.published", _("Privacy notice published")
    CLIENT_REASSIGNED = "client.reassigned", _("Client reassigned")
    OBSERVATION_RECORDED = "observation.recorded", _("Observation recorded")
    DOCUMENT_UPLOADED = "document.uploaded", _("Document uploaded")
    DECLARATION_SAVED = "declaration.saved", _("Health declaration saved")
    ASSESSMENT_CREATED = "assessment.created", _("Assessment created")
    ASSESSMENT_CHANGED = "assessment.changed", _("Assessment changed")
    ASSESSMENT_RECHECKED = "assessment.rechecked", _("Assessment re-checked")
    REFERRAL_CREATED = "referral.created", _("Referral created")
    REFERRAL_SENT = "referral.sent", _("Referral sent")
    DECISION_PROPOSED = "decision.proposed", _("Decision proposed")
    DECISION_APPROVED = "decision.approved", _("Decision approved")
    DECISION_REJECTED = "decision.rejected", _("Decision rejected")
    DECISION_SENT_BACK = "decision.sent_back", _("Decision sent back")
    DECISION_REVIEW_REQUESTED = "decision.review_requested", _("Human review requested")
    DECISION_EXPLANATION_PRINTED = "decision.explanation_printed", _("Explanation printed")
    PRODUCT_ASSIGNED = "case.product_assigned", _("Product chosen for the case")
    CASE_DECISION_PROPOSED = "case.decision_proposed", _("Case: decision proposed")
    CASE_DECIDED = "case.decided", _("Case decided")
    CASE_CLOSED = "case.closed", _("Case closed")
    CASE_ASSESSED_AGAIN = "case.assessed_again", _("Case sent back for a new proposal")
    CASE_CREATED = "case.created", _("Case created")
    CASE_COLLECTED = "case.collected", _("Case: information collected")
    CASE_ASSESSED = "case.assessed", _("Case assessed")
    CASE_REFERRED = "case.referred", _("Case referred")
    CASE_RESULTS_RECEIVED = "case.results_received", _("Case: results received")
    CASE_MEDICAL_REVIEW = "case.medical_review", _("Case in medical review")
    CASE_WITHDRAWN = "case.withdrawn", _("Case withdrawn")
    CASE_EXPIRED = "case.expired", _("Case expired")
    CASE_TRANSITION_DENIED = "case.transition_denied", _("Case action refused")
    COST_AGREEMENT_RECORDED = "cost_agreement.recorded", _("Cost agreement recorded")
    REFERRAL_ISSUED = "referral.issued", _("Referral issued")
    REFERRAL_BOOKED = "referral.booked", _("Referral booked")
    REFERRAL_ATTENDED = "referral.attended", _("Referral attended")
    REFERRAL_REPORT_RECEIVED = "referral.report_received", _("Referral report received")
    REFERRAL_DECLINED = "referral.declined_by_client", _("Referral declined by the client")
    REFERRAL_EXPIRED = "referral.expired", _("Referral expired")
    REFERRAL_FLAGGED = "referral.flagged", _("Referral flagged (institution suspended)")
    REFERRAL_LETTER_PRINTED = "referral.letter_printed", _("Referral letter printed")
    REMINDER_QUEUED = "reminder.queued", _("Reminder queued")
    INSTITUTION_SUSPENDED = "institution.suspended", _("Institution suspended")
    RESULTS_IMPORTED = "results.imported", _("Results imported")
    RESULTS_REFUSED = "results.refused", _("Results refused")
    OPINION_RECORDED = "opinion.recorded", _("Medical opinion recorded")
    EMERGENCY_OPENED = "emergency.opened", _("Emergency opened")
    EMERGENCY_CLOSED = "emergency.closed", _("Emergency closed")
    EMERGENCY_STEP_RECORDED = "emergency.step_recorded", _("Emergency step recorded")
    EMERGENCY_ESCALATED = "emergency.escalated", _("Emergency step escalated")
    EMERGENCY_NOTIFIED = "emergency.notified", _("Emergency notification sent")
    FOLLOW_UP_CREATED = "follow_up.created", _("Follow-up task created")
    FOLLOW_UP_DONE = "follow_up.done", _("Follow-up task done")
    REVIEW_SCHEDULED = "review.scheduled", _("Next review scheduled")
    REVIEW_STALE = "review.stale", _("Health file marked stale")
    KEY_ROTATED = "key.rotated", _("Keys rotated")
    CLIENT_SHREDDED = "client.shredded", _("Client data erased")


# Actions that read health data: the per-client access report lists these.
READ_ACTIONS: tuple[str, ...] = (
    AuditAction.HEALTH_RECORD_VIEWED,
    AuditAction.HEALTH_RECORD_EXPORTED,
    AuditAction.REPORT_DOWNLOADED,
)


class SystemActor(models.TextChoices):
    """Named actors for work that no user performs (beat jobs, commands, anonymous visitors).

    A task started by a user passes that user's id and records the user, not one of these.
    """

    ANONYMOUS = "anonymous", _("Anonymous visitor")
    AUDIT_SEALER = "system:audit-sealer", _("Audit sealer")
    AUDIT_VERIFIER = "system:audit-verifier", _("Audit verifier")
    RECHECK_SCHEDULER = "system:recheck-scheduler", _("Re-check scheduler")
    REMINDER_SCHEDULER = "system:reminder-scheduler", _("Reminder scheduler")
    EMERGENCY_PROTOCOL = "system:emergency-protocol", _("Emergency protocol")
    OUTBOX_RELAY = "system:outbox-relay", _("Outbox relay")
    KEY_ROTATION = "system:key-rotation", _("Key rotation")


def command_actor(command: str) -> str:
    """The actor of a management command: ``command:<name>`` (its operator goes in details)."""
    return f"command:{command.replace('_', '-')}"
