"""Client IP resolution and lockout keys, shared by audit, logging and django-axes.

One function decides the client IP so that the lockout, the audit trail and the logs agree
(case B22): behind ``TRUSTED_PROXY_COUNT`` proxies the address is taken that many hops from the
right of X-Forwarded-For; with no trusted proxy the header is ignored, because the client
controls it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, honouring only the configured number of trusted proxies."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    # Each trusted proxy appends the address it saw; the last `count` entries are theirs to
    # vouch for, and the one they received the request from is the `count`-th from the right.
    if len(hops) >= count:
        return _valid_ip(hops[-count]) or remote
    return remote


def axes_client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """Lock out by username whatever its letter case ("Clara" and "clara" share a counter)."""
    username = None
    if credentials:
        username = credentials.get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    if not isinstance(username, str):
        return username
    return username.replace("\x00", "").strip().casefold()  # NUL: refused by the login form
