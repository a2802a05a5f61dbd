"""A real Celery worker subprocess for tests, and a switch of the test process onto its broker.

The worker runs ``celery -A healthcheck worker -P prefork -c 1`` with ``tests.worker_settings``:
the suite's settings, but with the real broker and the test database that pytest-django created
(its name is passed in the environment, since the worker cannot see the test process's rename).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import kombu.pools

from healthcheck.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
# PostgreSQL application_name of the worker's connections (tests wait for them to close).
WORKER_APPLICATION_NAME = "hc-test-worker"


class Worker:
    """One ``celery worker`` process; its log is kept in a file for failure messages."""

    def __init__(self, broker_url: str, database_name: str, log_dir: Path) -> None:
        self.broker_url = broker_url
        self.database_name = database_name
        self.name = f"hc-test-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = log_dir / f"{self.name.split('@')[0]}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        """Start the worker and wait for its 'ready' line."""
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.worker_settings",
            HC_WORKER_BROKER_URL=self.broker_url,
            HC_WORKER_DATABASE_NAME=self.database_name,
            PYTHONPATH=str(BASE_DIR),
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    "healthcheck",
                    "worker",
                    "-P",
                    "prefork",
                    "-c",
                    "1",
                    "-n",
                    self.name,
                    "-l",
                    "INFO",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for(lambda: "ready." in self.log(), timeout, "worker did not become ready")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition: Callable[[], object], timeout: float, what: str) -> None:
        """Poll ``condition`` until true; on timeout raise with the worker's log attached."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{what} (within {timeout}s). Worker log:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        """Stop the worker and its pool children (they share its process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


@contextlib.contextmanager
def real_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at ``url`` with eager mode off, restoring it afterwards."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _drop_pools()
    app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield
    finally:
        _drop_pools()
        app.conf.update(saved)


def _drop_pools() -> None:
    # The app caches its connection pool and its producer pool (bound to the old broker's
    # connection), and kombu keeps both in global groups keyed by URL: all must go, or the next
    # publish reaches the previous broker or a closed pool.
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
