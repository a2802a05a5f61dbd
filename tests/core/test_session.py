"""Sessions end after 15 idle minutes; activity keeps them alive."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone


class ShiftedClock:
    """timezone.now, moved forward by the test."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._now = timezone.now

    def __call__(self) -> datetime:
        return self._now() + self.offset


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> ShiftedClock:
    clock = ShiftedClock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def test_the_idle_timeout_is_fifteen_minutes_renewed_by_every_request():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_an_active_session_lives_on_and_an_idle_one_is_logged_out(client, clara, later):
    client.post(reverse("login"), {"username": "clara", "password": "pw-clara"})
    home = reverse("home-manager")

    for _ in range(3):  # 42 minutes in all, never 15 idle
        later.offset += timedelta(minutes=14)
        assert client.get(home).status_code == 200

    later.offset += timedelta(minutes=15, seconds=1)
    response = client.get(home)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
