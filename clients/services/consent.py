"""Consent services: publishing notices, recording and withdrawing consents (each audited)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Consent, Document, Institution, Notice, Purpose
from clients.services.clients import document_store
from clients.signals import consent_withdrawn
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction


@transaction.atomic
def notice_publish(*, actor: Any, notice: Notice) -> Notice:
    """Publish a draft notice as the next version of its purpose and supersede the current one.

    Fixes the version number and the SHA-256 of the exact text shown. Every consent given on
    the superseded version needs re-consent from now on (``Consent.objects.active`` requires
    the published notice), so the consent gate closes at once.
    Raises: ValidationError (not a draft; a mandatory section empty, named, CN-03).
    """
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.DRAFT:
        raise ValidationError(_("Only a draft notice can be published."), code="not_draft")
    empty = notice.empty_sections()
    if empty:
        raise ValidationError(
            {name: _("This mandatory section is empty.") for name in empty}, code="empty"
        )
    previous = (
        Notice.objects.select_for_update()
        .filter(purpose=notice.purpose, status=Notice.Status.PUBLISHED)
        .first()
    )
    affected = 0
    if previous is not None:
        affected = Consent.objects.open().filter(notice=previous).count()
        previous.status = Notice.Status.SUPERSEDED
        previous.save(update_fields=["status"])
    latest = Notice.objects.filter(purpose=notice.purpose).aggregate(v=Max("version"))["v"]
    notice.version = (latest or 0) + 1
    notice.text_sha256 = notice.compute_sha256()
    notice.status = Notice.Status.PUBLISHED
    notice.published_at, notice.published_by = timezone.now(), actor
    notice.save(update_fields=["version", "text_sha256", "status", "published_at", "published_by"])
    audit.record(
        actor=actor, action=AuditAction.NOTICE_PUBLISHED, target=notice,
        purpose=notice.purpose, version=notice.version, sha256=notice.text_sha256,
        superseded=str(previous.public_id) if previous else None,
        consents_reconsent_required=affected,
    )  # fmt: skip
    return notice


def current_notice(purpose: str) -> Notice | None:
    """The published notice of a purpose (what a client is shown before consenting)."""
    return Notice.objects.filter(purpose=purpose, status=Notice.Status.PUBLISHED).first()


def _check_consent_inputs(
    *,
    purpose: str,
    notice: Notice,
    notice_sha256: str,
    institution: Institution | None,
    expires_at: datetime.datetime,
    granted_at: datetime.datetime,
) -> None:
    errors: dict[str, str] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("Choose a purpose.")
    if notice.status != Notice.Status.PUBLISHED or notice.purpose != purpose:
        errors["notice"] = _("This notice is not the current version for the purpose.")
    elif notice_sha256 != notice.text_sha256:
        # The text shown is not the text published now: the client must see the new one.
        errors["notice"] = _("The notice changed after it was shown. Show the current notice.")
    if purpose == Purpose.SHARE_WITH_INSTITUTION:
        if institution is None:
            errors["institution"] = _("Name the institution the data may be shared with.")
        elif not institution.is_qualified():
            errors["institution"] = _("This institution is suspended or its qualification expired.")
    elif institution is not None:
        errors["institution"] = _("Only a sharing consent names an institution.")
    if expires_at <= granted_at:
        errors["expires_at"] = _("The expiry must be after the time of consent.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def consent_record(
    *,
    actor: Any,
    client: Client,
    purpose: str,
    notice: Notice,
    notice_sha256: str,
    channel: str,
    expires_at: datetime.datetime,
    evidence_name: str,
    evidence_data: bytes,
    institution: Institution | None = None,
    granted_at: datetime.datetime | None = None,
) -> Consent:
    """Record a client's separate consent for one purpose, witnessed by ``actor``.

    Stores the signed evidence encrypted, copies the hash of the notice text shown, and replaces
    the client's previous open consent for the same purpose (and institution): one open consent
    per purpose. Raises: ValidationError (nothing saved).
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    granted_at = granted_at or timezone.now()
    _check_consent_inputs(
        purpose=purpose, notice=notice, notice_sha256=notice_sha256, institution=institution,
        expires_at=expires_at, granted_at=granted_at,
    )  # fmt: skip
    if channel not in Consent.Channel.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    evidence = document_store(
        actor=actor, client=client, kind=Document.Kind.CONSENT_EVIDENCE,
        name=evidence_name, data=evidence_data,
    )  # fmt: skip
    _replace_open(actor=actor, client=client, purpose=purpose, institution=institution)
    consent = Consent.objects.create(
        client=client, purpose=purpose, institution=institution, notice=notice,
        notice_sha256=notice.text_sha256, channel=channel, granted_at=granted_at,
        expires_at=expires_at, witnessed_by=actor, evidence=evidence,
    )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.CONSENT_GRANTED, target=consent, client=client,
        purpose=purpose, notice_version=notice.version, channel=channel,
        institution_id=str(institution.public_id) if institution else None,
        evidence_id=str(evidence.public_id),
    )  # fmt: skip
    return consent


def _replace_open(
    *, actor: Any, client: Client, purpose: str, institution: Institution | None
) -> None:
    for old in (
        Consent.objects.open()
        .select_for_update()
        .filter(client=client, purpose=purpose, institution=institution)
    ):
        old.replaced_at = timezone.now()
        old.save(update_fields=["replaced_at"])
        audit.record(
            actor=actor, action=AuditAction.CONSENT_REPLACED, target=old, client=client,
            purpose=purpose, state=old.state(),
        )  # fmt: skip


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: Consent, channel: str = "") -> Consent:
    """Withdraw a consent in one step, effective at once everywhere (PIPL Art. 15, CN-06).

    Sets ``withdrawn_at`` and starts the retention clock (CN-08/CN-09). Every gate reads the
    consent row, so pages, exports, admin and tasks refuse from this commit on. Withdrawing an
    already withdrawn consent changes nothing. Raises: ValidationError (bad channel).
    """
    consent = Consent.objects.select_for_update().select_related("client").get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        return consent
    if channel and channel not in Consent.Channel.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    now = timezone.now()
    consent.withdrawn_at = consent.retention_started_at = now
    consent.withdrawn_by, consent.withdrawal_channel = actor, channel
    consent.save(
        update_fields=["withdrawn_at", "retention_started_at", "withdrawn_by", "withdrawal_channel"]
    )
    audit.record(
        actor=actor, action=AuditAction.CONSENT_WITHDRAWN, target=consent,
        client=consent.client, purpose=consent.purpose, channel=channel or None,
    )  # fmt: skip
    consent_withdrawn.send(
        sender=Consent, client=consent.client, consent=consent, actor=actor
    )  # e.g. open decisions are flagged for review (assessments)
    return consent
