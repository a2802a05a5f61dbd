"""Verify the audit chain on a schedule or on demand, record the result, alert on failure."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from healthcheck.core import sealing
from healthcheck.core.audit.actions import AuditAction
from healthcheck.core.audit.recording import Outcome, record


def chain_verify(*, actor: Any, alert: bool = True, **details: Any) -> sealing.ChainStatus:
    """Recompute every seal, record ``audit.verified``, and e-mail compliance if it fails.

    The e-mail carries a summary and a link only (seal and event numbers, never content).
    """
    result = sealing.verify()
    record(
        actor=actor,
        action=AuditAction.AUDIT_VERIFIED,
        outcome=Outcome.SUCCESS if result.ok else Outcome.FAILED,
        seals=result.seals,
        sealed_events=result.sealed_events,
        unsealed_events=result.unsealed_events,
        broken_event_id=result.broken_event_id,
        broken_seal=result.broken_seal,
        **details,
    )
    if not result.ok and alert:
        alert_compliance(result)
    return result


def compliance_recipients() -> list[str]:
    """E-mail addresses of active users holding the audit capability (not a role name)."""
    perm = Permission.objects.get(content_type__app_label="core", codename="view_auditevent")
    users = get_user_model()._default_manager.filter(
        Q(groups__permissions=perm) | Q(user_permissions=perm), is_active=True
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


def alert_compliance(result: sealing.ChainStatus) -> int:
    """Send the chain-broken alert to each compliance officer. Returns how many were sent."""
    context = {
        "result": result,
        "checked_at": timezone.now(),
        "url": settings.SITE_URL.rstrip("/") + reverse("compliance:chain"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("emails/audit_chain_broken_subject.txt", context).strip()
        body = render_to_string("emails/audit_chain_broken_body.txt", context)
        html = render_to_string("emails/audit_chain_broken_body.html", context)
    sent = 0
    for address in compliance_recipients():
        message = EmailMultiAlternatives(subject, body, None, [address])
        message.attach_alternative(html, "text/html")
        sent += message.send()
    return sent
