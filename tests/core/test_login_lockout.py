"""django-axes lockout: by username whatever its case, by client IP behind a proxy (B22)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from healthcheck.core.security import client_ip

PROXY = "10.0.0.2"  # the load balancer: REMOTE_ADDR of every request behind it
IP_A = "198.51.100.7"
IP_B = "203.0.113.9"


def _log_in(client: Client, username: str, password: str, **meta: str) -> int:
    return client.post(
        reverse("login"), {"username": username, "password": password}, **meta
    ).status_code


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "spellings",
    [
        ["clara"] * 5,
        ["Clara", "CLARA", "clara", "cLaRa", "Clara"],
    ],
)
def test_five_wrong_passwords_lock_the_username_whatever_its_case(client, clara, spellings):
    for number, spelling in enumerate(spellings, start=1):
        # Each failure from another address: the username alone must lock.
        status = _log_in(client, spelling, "wrong", REMOTE_ADDR=f"192.0.2.{number}")
        assert status == (200 if number < 5 else 429)

    # The 6th attempt, with the right password and from a fresh address, is refused.
    assert _log_in(client, "clara", "pw-clara", REMOTE_ADDR="192.0.2.99") == 429
    assert not _logged_in(client)
    recorded = AccessAttempt.objects.values_list("username", "failures_since_start")
    assert {username for username, _failures in recorded} == {"clara"}
    assert sum(failures for _username, failures in recorded) >= 5


def test_four_failures_do_not_lock(client, clara):
    for _ in range(4):
        _log_in(client, "Clara", "wrong")

    assert _log_in(client, "clara", "pw-clara") == 302
    assert _logged_in(client)


def test_an_administrator_sees_the_lockout_in_django_admin(client, clara, ada):
    for _ in range(5):
        _log_in(client, "CLARA", "wrong")
    admin = Client()
    admin.force_login(ada)

    response = admin.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert "clara" in response.content.decode()


def test_a_user_without_the_capability_cannot_see_lockouts(client, clara, carl):
    for _ in range(5):
        _log_in(client, "clara", "wrong")
    other = Client()
    other.force_login(carl)

    response = other.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code in {302, 403}
    assert b"clara" not in response.content


def test_b22_behind_one_proxy_spoofed_forwarded_for_values_do_not_dodge_the_ip_lockout(
    client, settings, clara, carl
):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(5):
        fake = f"172.16.0.{number}"
        # The client sends its own fake header; the proxy appends the address it saw.
        status = _log_in(
            client,
            f"nobody{number}",
            "wrong",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"{fake}, {IP_A}",
        )
        assert status == (200 if number < 4 else 429)

    recorded = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert recorded == {IP_A}

    # IP A is locked even for another user with the right password...
    locked = Client()
    status = _log_in(
        locked, "carl", "pw-carl", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {IP_A}"
    )
    assert status == 429
    assert not _logged_in(locked)
    # ...while that user, from IP B behind the same proxy, logs in.
    free = Client()
    assert _log_in(free, "carl", "pw-carl", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=IP_B) == 302
    assert _logged_in(free)


def test_without_a_trusted_proxy_the_forwarded_for_header_is_ignored(client, settings, clara):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(5):
        _log_in(
            client,
            f"nobody{number}",
            "wrong",
            REMOTE_ADDR=IP_A,
            HTTP_X_FORWARDED_FOR=f"172.16.0.{number}",
        )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {IP_A}
    assert _log_in(Client(), "clara", "pw-clara", REMOTE_ADDR=IP_A) == 429


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, IP_A, "1.1.1.1", IP_A),
        (1, PROXY, f"1.1.1.1, {IP_A}", IP_A),
        (1, PROXY, IP_A, IP_A),
        (1, PROXY, "", PROXY),
        (1, PROXY, "not-an-ip", PROXY),
        (2, PROXY, f"1.1.1.1, {IP_A}, 10.0.0.1", IP_A),
    ],
)
def test_client_ip_takes_only_the_trusted_hops(rf, settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_locked_out_page_is_served_with_429(client, clara):
    for _ in range(5):
        _log_in(client, "clara", "wrong")

    response = client.post(reverse("login"), {"username": "clara", "password": "pw-clara"})

    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
