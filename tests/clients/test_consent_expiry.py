"""Consent expiry: the date entered is the last LOCAL (Asia/Shanghai) day the consent covers; it is
shown as that same date in both languages, active all that day and expired from the next."""

from __future__ import annotations

import datetime
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Consent
from tests.clients.conftest import PDF

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _enter_consent(client, client_c, notice, expires_on: str) -> Consent:
    url = reverse("clients:consent-create", args=[client_c.public_id]) + "?purpose=health_check"
    data = {
        "notice_sha256": notice.text_sha256, "channel": "in_branch",
        "expires_on": expires_on, "confirmed": "on",
        "evidence": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    return Consent.objects.get(client=client_c)


def _detail(client, client_c, language: str) -> str:
    url = reverse("clients:detail", args=[client_c.public_id])
    client.cookies["hc_language"] = language
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_expiry_entered_is_the_date_shown_in_both_languages(
    clara, client, client_c, ada_notice
):
    client.force_login(clara)
    consent = _enter_consent(client, client_c, ada_notice, "2027-06-30")
    local = consent.expires_at.astimezone(SHANGHAI)
    assert local.date() == datetime.date(2027, 6, 30)
    zh = _detail(client, client_c, "zh-hans")
    assert "2027年6月30日" in zh and "2027年7月1日" not in zh
    en = _detail(client, client_c, "en")
    assert "06/30/2027" in en and "07/01/2027" not in en


def test_the_consent_covers_the_whole_local_expiry_day_and_not_the_next(
    clara, client, client_c, ada_notice
):
    client.force_login(clara)
    consent = _enter_consent(client, client_c, ada_notice, "2027-06-30")
    last_hour = datetime.datetime(2027, 6, 30, 23, 0, tzinfo=SHANGHAI)
    next_day = datetime.datetime(2027, 7, 1, 0, 1, tzinfo=SHANGHAI)
    assert consent.state(last_hour) == Consent.State.ACTIVE
    assert consent.state(next_day) == Consent.State.EXPIRED
    assert Consent.objects.filter(pk=consent.pk).active(at=last_hour).exists()
    assert not Consent.objects.filter(pk=consent.pk).active(at=next_day).exists()
