"""TOTP second factor: replay refused, backup codes unharmed by TOTP logins (case B24)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthcheck.core.models import User

STEP = 30
START = 1_900_000_020.0  # 20 s into a 30 s step


class Clock:
    """The time django-otp sees, both when it checks a code and when the test makes one."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("django_otp.plugins.otp_totp.models.time", SimpleNamespace(time=clock))
    monkeypatch.setattr("django_otp.oath.time", clock)
    return clock


@pytest.fixture
def phone(clara: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=clara, name="phone", confirmed=True)


@pytest.fixture
def backup(clara: User) -> StaticDevice:
    device = StaticDevice.objects.create(user=clara, name="backup", confirmed=True)
    StaticToken.objects.create(device=device, token="backup42")
    return device


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=STEP):06d}"


def _log_in(client: Client, device: object, code: str) -> int:
    """Password step, then the code step. Returns the code step's status (302 = accepted)."""
    response = client.post(reverse("login"), {"username": "clara", "password": "pw-clara"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp-verify"))
    response = client.post(
        reverse("otp-verify"), {"otp_device": device.persistent_id, "otp_token": code}
    )
    return response.status_code


def _is_through(client: Client) -> bool:
    """True when the session may open the user's home page."""
    response = client.get(reverse("home-manager"))
    return response.status_code == 200


def test_a_password_alone_does_not_open_an_account_with_a_second_factor(client, phone, clock):
    client.post(reverse("login"), {"username": "clara", "password": "pw-clara"})

    response = client.get(reverse("home-manager"))

    assert response.status_code == 302
    assert response["Location"] == reverse("otp-verify")


def test_b24_a_totp_code_is_accepted_once(client, phone, backup, clock):
    code = _code(phone)
    assert _log_in(client, phone, code) == 302
    assert _is_through(client)
    client.post(reverse("logout"))

    clock.now += 5  # same 30 s step
    assert _log_in(client, phone, code) == 200

    assert not _is_through(client)
    phone.refresh_from_db()
    assert phone.last_t == int(START // STEP)


def test_a_code_from_a_step_before_the_last_used_one_is_refused(client, phone, backup, clock):
    earlier = _code(phone)
    clock.now += STEP
    assert _log_in(client, phone, _code(phone)) == 302
    client.post(reverse("logout"))

    # Within the drift tolerance, but older than the step already used.
    assert _log_in(client, phone, earlier) == 200
    assert not _is_through(client)


def test_b24_after_five_totp_logins_a_backup_code_works_and_its_device_has_no_failures(
    client, phone, backup, clock
):
    for _login in range(5):
        clock.now += STEP
        assert _log_in(client, phone, _code(phone)) == 302
        client.post(reverse("logout"))

    assert _log_in(client, backup, "backup42") == 302

    assert _is_through(client)
    backup.refresh_from_db()
    phone.refresh_from_db()
    assert backup.throttling_failure_count == 0
    assert phone.throttling_failure_count == 0
    assert not backup.token_set.exists(), "a backup code works once"


def test_a_wrong_code_is_refused_and_counted_on_the_chosen_device_only(
    client, phone, backup, clock
):
    assert _log_in(client, phone, "000000" if _code(phone) != "000000" else "111111") == 200

    assert not _is_through(client)
    phone.refresh_from_db()
    backup.refresh_from_db()
    assert phone.throttling_failure_count == 1
    assert backup.throttling_failure_count == 0


def test_where_a_second_factor_is_required_a_user_without_device_is_stopped(
    client, clara, settings
):
    settings.OTP_REQUIRED = True
    client.post(reverse("login"), {"username": "clara", "password": "pw-clara"})

    assert client.get(reverse("home-manager"))["Location"] == reverse("otp-verify")
    assert client.get(reverse("otp-verify")).status_code == 403
