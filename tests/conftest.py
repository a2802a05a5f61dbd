"""Shared fixtures: personas (one per role, plus carl outside the portfolio), and the harness
for real services: Chromium through Playwright, a private Redis, and a real Celery worker.

Service-dependent fixtures go through ``requires_service``: locally a missing service skips the
test, under CI (``CI=true``) it fails it.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import translation

from healthcheck.core.models import User
from healthcheck.core.roles import Role, sync_roles
from tests.audit.plugin import allow_flush_of_audit_tables
from tests.harness.redis import RedisServer
from tests.harness.services import (
    CHROMIUM,
    chromium_available,
    redis_server_available,
    requires_service,
    tcp_open,
)
from tests.harness.worker import WORKER_APPLICATION_NAME, Worker, real_broker

# Test flushes must empty the append-only audit tables on SQLite (tests/audit/plugin.py).
allow_flush_of_audit_tables()

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = BASE_DIR / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _persona(username: str, role: str, **extra: object) -> User:
    sync_roles()
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def clara(db) -> User:
    """Client manager."""
    return _persona("clara", Role.CLIENT_MANAGER)


@pytest.fixture
def carl(db) -> User:
    """Client manager of another portfolio."""
    return _persona("carl", Role.CLIENT_MANAGER)


@pytest.fixture
def max_(db) -> User:
    """Medical advisor."""
    return _persona("max", Role.MEDICAL_ADVISOR)


@pytest.fixture
def rita(db) -> User:
    """Risk approver."""
    return _persona("rita", Role.RISK_APPROVER)


@pytest.fixture
def cora(db) -> User:
    """Compliance officer."""
    return _persona("cora", Role.COMPLIANCE_OFFICER)


@pytest.fixture
def ada(db) -> User:
    """Administrator (staff, not superuser)."""
    return _persona("ada", Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Code run outside a request (commands, services, str() of lazy text) speaks English in
    tests, so assertions can quote the source text. Requests still get the product's default,
    Simplified Chinese, from LanguageMiddleware; a test may override either."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _checkup_catalogue_after_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests (``transactional_db``, ``live_server``) end with a flush, which also
    empties the check-up catalogue seeded by migration 0002: the next one would find no items
    to refer to. Seed it again (idempotent) before each of them."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if not (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction"))
    ):
        return
    request.getfixturevalue("transactional_db")
    import_module("assessments.migrations.0002_seed_checkup_catalogue").seed(django_apps, None)


# ---------------------------------------------------------------------------------------------
# Browser: pytest-playwright's fixtures (page, context, browser) on Debian's Chromium.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch /usr/bin/chromium (never a downloaded browser) with the CI flags."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # beside one unless told that it is safe. Set in the test process only, never for servers.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    requires_service("Chromium", chromium_available(), CHROMIUM)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """An English-speaking browser: the app must still default to Simplified Chinese."""
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """test-artifacts/screenshots/ (gitignored; CI keeps what is written there)."""
    path = ARTIFACTS_DIR / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------------------------------------
# Broker and worker


@pytest.fixture(scope="session")
def worker_broker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis that only this test session uses.

    A private redis-server keeps worker tests from consuming (or being consumed by) another
    suite's messages on the shared Redis; without the binary, the CI Redis is used.
    """
    if redis_server_available():
        server = RedisServer(tmp_path_factory.mktemp("redis"))
        server.start()
        try:
            yield server.url
        finally:
            server.stop()
        return
    url = settings.TEST_BROKER_URL
    requires_service("Redis", bool(url) and tcp_open(url), "no redis-server, no broker URL")
    yield url


def _worker_database_name() -> str:
    name = str(connection.settings_dict["NAME"])
    in_memory = name == ":memory:" or "mode=memory" in name
    requires_service("a test database a worker process can open", not in_memory, name)
    return name


def _wait_for_worker_sessions_to_end(timeout: float = 10) -> None:
    """PostgreSQL ends a dead client's session a moment after it exits; a test's flush waits on
    a worker's session that is left (see also _no_session_left_on_the_test_database)."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = %s",
                [WORKER_APPLICATION_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[None]:
    """Torn down just before pytest-django drops the test database, which fails while any other
    session is open on it.

    Django keeps one connection per context, and pytest-django closes only the current
    context's before the drop: a connection a test opened in another context (Playwright's sync
    API runs in greenlets, each with its own context) stays open, idle and unused. Those carry
    this run's application name and are ended here. Any other session (a stopped worker's ends
    a moment after the process exits) is waited for, and named in a warning if it stays.
    """
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        others = (
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        cursor.execute(
            f"SELECT pg_terminate_backend(pid) {others} AND application_name = %s",
            [settings.TEST_RUN_APPLICATION_NAME],
        )
        deadline = time.monotonic() + 15
        while True:
            cursor.execute(f"SELECT pid, application_name, state, left(query, 120) {others}")
            left = cursor.fetchall()
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    if left:
        warnings.warn(f"sessions left on the test database: {left!r}", stacklevel=1)


@pytest.fixture(scope="session")
def session_worker(
    django_db_setup: None,
    worker_broker_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Worker]:
    """One real Celery worker (prefork, one child) for the session."""
    worker = Worker(worker_broker_url, _worker_database_name(), tmp_path_factory.mktemp("worker"))
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()  # its sessions end a moment later: _no_session_left_... waits for them


@pytest.fixture
def worker(session_worker: Worker, transactional_db: None) -> Iterator[Worker]:
    """A real worker on a real broker; this process publishes there for the test's duration.

    Uses ``transactional_db`` so that rows the test writes are committed and the worker sees them.
    """
    with real_broker(session_worker.broker_url):
        yield session_worker


@pytest.fixture
def stoppable_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server that the test may stop and start (never the shared one)."""
    requires_service("redis-server", redis_server_available())
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_worker(transactional_db: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Factory: start a real worker on a given broker URL; all are stopped after the test."""
    started: list[Worker] = []

    def start(broker_url: str) -> Worker:
        worker = Worker(broker_url, _worker_database_name(), tmp_path_factory.mktemp("worker"))
        started.append(worker)
        worker.start()
        return worker

    yield start
    for worker in started:
        worker.stop()
    _wait_for_worker_sessions_to_end()
