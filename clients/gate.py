"""The consent gate: no health data is saved or read without an active consent for the purpose.

Services and selectors call ``consent_require`` before touching health data, so the rule holds
for every page, export, admin view and task alike (case B31: the check lives at the data-access
layer, not in templates). A refusal is audited on a record that survives the caller's rollback.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Consent, Institution, Purpose
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction


class ConsentRequired(PermissionDenied):
    """No active consent covers the purpose (none, withdrawn, expired or re-consent required).

    A PermissionDenied, so an unhandled one still answers 403; views show a message with a link
    to record consent.
    """

    def __init__(self, client: Client, purpose: str) -> None:
        self.client, self.purpose = client, purpose
        super().__init__(_("An active consent is required for this purpose."))


def active_consent(
    client: Client, purpose: str = Purpose.HEALTH_CHECK, institution: Institution | None = None
) -> Consent | None:
    """The consent in force now for the client and purpose (and institution), if any."""
    consents = Consent.objects.active().filter(client=client, purpose=purpose)
    if institution is not None:
        consents = consents.filter(institution=institution)
    return consents.select_related("notice").first()


def consent_require(
    *,
    actor: Any,
    client: Client,
    operation: str,
    purpose: str = Purpose.HEALTH_CHECK,
    institution: Institution | None = None,
) -> Consent:
    """Return the active consent, or audit the refusal and raise.

    ``operation`` names what was attempted (e.g. ``declaration.save``) for the audit trail.
    Raises: ConsentRequired.
    """
    consent = active_consent(client, purpose, institution)
    if consent is not None:
        return consent
    audit.record_denied(
        actor=actor,
        action=AuditAction.ACCESS_DENIED,
        target=client,
        client=client,
        purpose=str(purpose),
        reason="consent_required",
        operation=operation,
    )
    raise ConsentRequired(client, purpose)
