"""Reminders with time frozen (timezone.now monkeypatched): right local day, once each
(cases B12, B16), never for a rolled-back referral; stale referrals expire."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from assessments import services
from assessments.models import Case, Referral
from healthcheck.core.models import OutboxMessage
from tests.assessments.conftest import events, items

SHANGHAI = ZoneInfo("Asia/Shanghai")


def freeze(monkeypatch: Any, when: datetime.datetime) -> None:
    """The clock helper: every ``timezone.now()``/``localdate()`` sees ``when``."""
    monkeypatch.setattr(timezone, "now", lambda: when.astimezone(datetime.UTC))


def local(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def manager_mail(clara: Any) -> None:
    """Clara has an e-mail address and chose English: her reminders come in English."""
    clara.email = "clara@bank.example"
    clara.language = "en"
    clara.save()


def _book(referral: Referral, clara: Any, when: datetime.datetime) -> Referral:
    return services.referral_move(referral=referral, move="book", actor=clara, appointment_at=when)


def _sweep(capture: Any) -> int:
    with capture(execute=True):
        return services.reminders_queue()


def test_beat_runs_the_reminders_at_nine_shanghai_time() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["referral-reminders"]
    assert entry["schedule"] == crontab(hour=9, minute=0)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_appointment_tomorrow_uses_the_local_day_and_is_sent_once(
    referral: Referral, clara: Any, manager_mail: None, monkeypatch: Any,
    django_capture_on_commit_callbacks: Any, mailoutbox: Any,
) -> None:  # fmt: skip
    # 2 May 07:00 in Shanghai is still 1 May in UTC: only the local day makes it "tomorrow".
    _book(referral, clara, local(2025, 5, 2, 7, 0))
    freeze(monkeypatch, local(2025, 4, 30, 9, 0))
    assert _sweep(django_capture_on_commit_callbacks) == 0  # two days before: nothing
    freeze(monkeypatch, local(2025, 5, 1, 9, 0))
    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert _sweep(django_capture_on_commit_callbacks) == 0  # the sweep again: nothing twice
    assert services.reminders_queue() == 0  # a second scheduler: nothing twice (B16)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Check-up appointment tomorrow"
    assert str(referral.public_id) in mailoutbox[0].body
    key = f"reminder:{referral.pk}:appointment_tomorrow"
    assert OutboxMessage.objects.filter(dedupe_key=key).count() == 1
    assert len(events("reminder.queued")) == 1


def test_reminder_is_in_the_default_chinese_when_the_manager_chose_no_language(
    referral: Referral, clara: Any, manager_mail: None, monkeypatch: Any,
    django_capture_on_commit_callbacks: Any, mailoutbox: Any,
) -> None:  # fmt: skip
    clara.language = ""
    clara.save()
    _book(referral, clara, local(2025, 5, 2, 10, 0))
    freeze(monkeypatch, local(2025, 5, 1, 9, 0))
    _sweep(django_capture_on_commit_callbacks)
    with translation.override("zh-hans"):
        chinese = gettext("Check-up appointment tomorrow")
    assert chinese != "Check-up appointment tomorrow"  # the catalogue translates it
    (mail,) = mailoutbox
    assert mail.subject == chinese


def test_reminder_e_mail_carries_a_link_and_no_health_data(
    referral: Referral, clara: Any, manager_mail: None, monkeypatch: Any,
    django_capture_on_commit_callbacks: Any, mailoutbox: Any,
) -> None:  # fmt: skip
    _book(referral, clara, local(2025, 5, 2, 10, 0))
    freeze(monkeypatch, local(2025, 5, 1, 9, 0))
    _sweep(django_capture_on_commit_callbacks)
    (mail,) = mailoutbox
    text = (mail.body + mail.alternatives[0][0]).replace(str(referral.public_id), "")
    for leak in ("150", "95", "Zhang", "blood", "glucose"):
        assert leak not in text
    assert "/health-check/referrals/" in text


def test_missed_appointment_and_overdue_report_fire_once_each(
    referral: Referral, clara: Any, manager_mail: None, monkeypatch: Any,
    django_capture_on_commit_callbacks: Any, mailoutbox: Any,
) -> None:  # fmt: skip
    _book(referral, clara, local(2025, 5, 2, 10, 0))
    freeze(monkeypatch, local(2025, 5, 2, 13, 0))  # 3 h after: not yet missed
    assert _sweep(django_capture_on_commit_callbacks) == 0
    freeze(monkeypatch, local(2025, 5, 2, 15, 0))
    assert _sweep(django_capture_on_commit_callbacks) == 1
    services.referral_move(referral=referral, move="attend", actor=clara)
    freeze(monkeypatch, local(2025, 5, 9, 15, 0))  # 7 days after attendance
    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert [m.subject for m in mailoutbox] == [
        "Check-up appointment missed?",
        "Check-up report overdue",
    ]


def test_a_reminder_for_a_rolled_back_referral_is_never_sent(
    assessed_case: Case, clara: Any, institution: Any, sharing: Any, manager_mail: None,
    monkeypatch: Any, django_capture_on_commit_callbacks: Any, mailoutbox: Any,
) -> None:  # fmt: skip
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.referral_create(
            case=assessed_case, actor=clara, institution=institution, items=items(),
            payer="bank", approved_by_name="Li", appointment_at=tomorrow,
        )  # fmt: skip
        assert services.reminders_queue() == 1  # queued inside the doomed transaction
        raise RuntimeError("the request fails after the reminder was queued")
    assert not Referral.objects.exists()
    assert not OutboxMessage.objects.filter(dedupe_key__startswith="reminder:").exists()
    assert mailoutbox == []


def test_referral_expiring_reminder_then_expiry_of_referral_and_case(
    referral: Referral, manager_mail: None, monkeypatch: Any,
    django_capture_on_commit_callbacks: Any, mailoutbox: Any,
) -> None:  # fmt: skip
    expires = referral.expires_on
    freeze(monkeypatch, datetime.datetime.combine(expires, datetime.time(9), SHANGHAI)
           - datetime.timedelta(days=2))  # fmt: skip
    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert mailoutbox[0].subject == "Referral expiring soon"
    freeze(monkeypatch, datetime.datetime.combine(expires, datetime.time(1), SHANGHAI)
           + datetime.timedelta(days=1))  # fmt: skip
    assert services.referrals_expire_stale() == 1
    assert services.referrals_expire_stale() == 0
    referral.refresh_from_db()
    referral.case.refresh_from_db()
    assert referral.status == Referral.Status.EXPIRED
    assert referral.case.status == Case.Status.EXPIRED
    assert events("referral.expired") and events("case.expired")
