"""Service checks for tests that need real PostgreSQL, Redis, Chromium or a Celery worker.

``requires_service`` is the one rule: a missing service skips the test on a developer machine
and fails it under CI (``CI=true``), so CI can never pass by skipping the tests that matter.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("HC_CHROMIUM", "/usr/bin/chromium")


def in_ci() -> bool:
    """True when running under CI, where no service-dependent test may skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def requires_service(name: str, available: bool, why: str = "") -> None:
    """Skip (locally) or fail (under CI) the calling test when ``name`` is unavailable."""
    if available:
        return
    message = f"{name} is not available" + (f": {why}" if why else "")
    if in_ci():
        pytest.fail(f"CI requires {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tcp_open(url: str, timeout: float = 1.0) -> bool:
    """True when the host and port of ``url`` accept a TCP connection."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=timeout):
            return True
    except OSError:
        return False


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def redis_server_available() -> bool:
    return shutil.which("redis-server") is not None
