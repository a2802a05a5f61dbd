"""Consent: the gate in the service layer, notices and re-consent, recording and withdrawal."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients import selectors, services
from clients.gate import ConsentRequired, active_consent
from clients.models import Consent, Declaration, Institution, Notice, Observation, Purpose
from healthcheck.core.models import AuditEvent
from tests.clients.conftest import bp_declaration, events, grant, notice_text, publish_notice

pytestmark = pytest.mark.django_db


def _denials(client: Any) -> list[AuditEvent]:
    return events("access.denied", client_public_id=client.public_id, outcome="denied")


# -- the gate -------------------------------------------------------------------------------


def test_saving_a_declaration_without_consent_raises_saves_nothing_and_is_audited(
    clara, client_c, ada_notice
):
    with pytest.raises(ConsentRequired):
        services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    assert not Declaration.objects.filter(client=client_c).exists()
    assert not Observation.objects.filter(client=client_c).exists()
    [denied] = _denials(client_c)
    assert denied.details == {"reason": "consent_required", "operation": "declaration.save"}
    assert denied.purpose == Purpose.HEALTH_CHECK


def test_a_denial_inside_a_rolled_back_transaction_is_still_recorded(clara, client_c, ada_notice):
    with pytest.raises(ConsentRequired), transaction.atomic():
        services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    from healthcheck.core import audit

    audit.flush_deferred()
    assert len(_denials(client_c)) == 1


@pytest.mark.parametrize(
    "read",
    [
        lambda v, c: selectors.health_file_get(viewer=v, client=c),
        lambda v, c: selectors.observation_list(viewer=v, client=c),
        lambda v, c: selectors.health_export_rows(viewer=v, client=c),
    ],
    ids=["health_file", "observations", "export"],
)
def test_reading_health_data_without_consent_raises_and_is_audited(clara, client_c, read):
    with pytest.raises(ConsentRequired):
        read(clara, client_c)
    assert len(_denials(client_c)) == 1
    assert not events("health_record.viewed") and not events("health_record.exported")


def test_recording_observations_without_consent_raises(clara, client_c):
    item = services.ObservationInput(
        "weight", __import__("decimal").Decimal("70"), "kg", timezone.now()
    )
    with pytest.raises(ConsentRequired):
        services.observation_record(
            client=client_c, actor=clara, items=[item], source=Observation.Source.RESULTS_FORM
        )
    assert not Observation.objects.exists()


def test_reading_with_consent_records_one_read_event(clara, client_c, consent_c):
    services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    before = AuditEvent.objects.filter(action="health_record.viewed").count()
    selectors.health_file_get(viewer=clara, client=client_c)
    after = events("health_record.viewed", client_public_id=client_c.public_id)
    assert len(after) == before + 1
    assert after[-1].details == {"section": "health_file"}


# -- withdrawal ------------------------------------------------------------------------------


def test_withdrawal_is_one_step_starts_the_retention_clock_and_is_audited(
    clara, client_c, consent_c
):
    services.consent_withdraw(actor=clara, consent=consent_c, channel="in_branch")
    consent_c.refresh_from_db()
    assert consent_c.withdrawn_at is not None
    assert consent_c.retention_started_at == consent_c.withdrawn_at
    assert consent_c.state() == Consent.State.WITHDRAWN
    [event] = events("consent.withdrawn")
    assert event.actor_label == "clara" and event.client_public_id == client_c.public_id


def test_withdrawing_twice_changes_nothing_the_second_time(clara, consent_c):
    first = services.consent_withdraw(actor=clara, consent=consent_c).withdrawn_at
    second = services.consent_withdraw(actor=clara, consent=consent_c).withdrawn_at
    assert first == second and len(events("consent.withdrawn")) == 1


def test_after_withdrawal_saving_and_every_read_refuse(clara, client_c, consent_c):
    services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    services.consent_withdraw(actor=clara, consent=consent_c)
    with pytest.raises(ConsentRequired):
        services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    for read in (selectors.health_file_get, selectors.observation_list):
        with pytest.raises(ConsentRequired):
            read(viewer=clara, client=client_c)
    with pytest.raises(ConsentRequired):
        selectors.health_export_rows(viewer=clara, client=client_c)
    assert Declaration.objects.filter(client=client_c).count() == 1
    assert len(_denials(client_c)) == 4


# -- notices and re-consent --------------------------------------------------------------------


def test_publishing_fixes_version_and_the_hash_of_the_exact_text_shown(ada):
    notice = publish_notice(ada)
    assert notice.version == 1 and notice.status == Notice.Status.PUBLISHED
    import hashlib

    assert notice.text_sha256 == hashlib.sha256(notice.full_text().encode()).hexdigest()
    assert "impact en v" in notice.full_text() and "健康信息处理告知书" in notice.full_text()
    [event] = events("notice.published")
    assert event.details["version"] == 1 and event.details["sha256"] == notice.text_sha256


@pytest.mark.parametrize("section", ["purpose_zh", "retention_en", "necessity_zh", "impact_en"])
def test_publishing_fails_naming_an_empty_mandatory_section(ada, section):
    notice = Notice.objects.create(purpose=Purpose.HEALTH_CHECK, **{**notice_text(), section: "  "})
    with pytest.raises(ValidationError) as caught:
        services.notice_publish(actor=ada, notice=notice)
    assert list(caught.value.message_dict) == [section]
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DRAFT and notice.version is None
    assert not events("notice.published")


def test_a_new_notice_version_flips_older_consents_to_reconsent_required_until_reconsent(
    ada, clara, client_c, consent_c
):
    assert consent_c.state() == Consent.State.ACTIVE
    newer = publish_notice(ada, tag="v2")
    consent_c.refresh_from_db()
    assert newer.version == 2
    assert consent_c.state() == Consent.State.RECONSENT_REQUIRED
    assert events("notice.published")[-1].details["consents_reconsent_required"] == 1
    with pytest.raises(ConsentRequired):
        services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    with pytest.raises(ConsentRequired):
        selectors.health_file_get(viewer=clara, client=client_c)
    renewed = grant(client_c, clara, newer)
    consent_c.refresh_from_db()
    assert consent_c.state() == Consent.State.REPLACED
    assert active_consent(client_c) == renewed
    services.declaration_save(actor=clara, client=client_c, data=bp_declaration())


def test_a_consent_on_a_notice_text_other_than_the_one_published_is_refused(
    clara, client_c, ada_notice
):
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            actor=clara, client=client_c, purpose=Purpose.HEALTH_CHECK, notice=ada_notice,
            notice_sha256="0" * 64, channel="in_branch",
            expires_at=timezone.now() + datetime.timedelta(days=30),
            evidence_name="s.pdf", evidence_data=b"%PDF-1.7\n%%EOF\n",
        )  # fmt: skip
    assert "notice" in caught.value.message_dict
    assert not Consent.objects.exists()


def test_a_published_notice_cannot_be_published_again(ada, ada_notice):
    with pytest.raises(ValidationError):
        services.notice_publish(actor=ada, notice=ada_notice)


# -- consent records -------------------------------------------------------------------------


def test_consent_records_notice_hash_channel_witness_expiry_and_encrypted_evidence(
    clara, client_c, consent_c, ada_notice
):
    assert consent_c.notice_sha256 == ada_notice.text_sha256
    assert consent_c.witnessed_by == clara and consent_c.channel == "in_branch"
    assert consent_c.evidence.kind == "consent_evidence"
    assert consent_c.expires_at > consent_c.granted_at
    [event] = events("consent.granted")
    assert event.details["notice_version"] == 1


def test_the_database_allows_one_open_consent_per_client_and_purpose(clara, client_c, consent_c):
    duplicate = Consent(
        client=client_c, purpose=Purpose.HEALTH_CHECK, notice=consent_c.notice,
        notice_sha256=consent_c.notice_sha256, channel="remote",
        expires_at=consent_c.expires_at, witnessed_by=clara, evidence=consent_c.evidence,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_an_expired_consent_closes_the_gate(clara, client_c, consent_c):
    consent_c.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    consent_c.save(update_fields=["expires_at"])
    assert consent_c.state() == Consent.State.EXPIRED
    with pytest.raises(ConsentRequired):
        selectors.health_file_get(viewer=clara, client=client_c)


@pytest.fixture
def institution() -> Institution:
    return Institution.objects.create(
        name="Renji Health Check Centre", licence_number="PDY-0001",
        qualification_expires_on=timezone.localdate() + datetime.timedelta(days=200),
    )  # fmt: skip


def test_sharing_is_a_separate_consent_naming_a_qualified_institution(
    ada, clara, client_c, consent_c, institution
):
    notice = publish_notice(ada, purpose=Purpose.SHARE_WITH_INSTITUTION)
    with pytest.raises(ValidationError) as caught:
        grant(client_c, clara, notice, purpose=Purpose.SHARE_WITH_INSTITUTION)
    assert "institution" in caught.value.message_dict
    sharing = grant(
        client_c, clara, notice, purpose=Purpose.SHARE_WITH_INSTITUTION, institution=institution
    )
    assert active_consent(client_c, Purpose.SHARE_WITH_INSTITUTION, institution) == sharing
    assert active_consent(client_c) == consent_c  # the health-check consent is untouched


@pytest.mark.parametrize(
    "change",
    [
        {"status": Institution.Status.SUSPENDED},
        {"qualification_expires_on": datetime.date(2020, 1, 1)},
    ],
    ids=["suspended", "expired"],
)
def test_a_suspended_or_expired_institution_cannot_be_named(
    ada, clara, client_c, institution, change
):
    for name, value in change.items():
        setattr(institution, name, value)
    institution.save()
    notice = publish_notice(ada, purpose=Purpose.SHARE_WITH_INSTITUTION)
    with pytest.raises(ValidationError):
        grant(client_c, clara, notice, purpose=Purpose.SHARE_WITH_INSTITUTION,
              institution=institution)  # fmt: skip
    assert not Consent.objects.exists()
