"""Pytest hooks that keep the append-only audit triggers compatible with Django's test flush.

Transactional tests end with a flush. On PostgreSQL that is TRUNCATE, which row triggers do not
see; on SQLite it is ``DELETE FROM``, which the append-only triggers refuse as soon as a test
wrote one audit event (a login is enough). Around the flush of such a test the SQLite triggers
are dropped and then re-created, so every test still starts with them in place. Registered
from ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from django.db import connection
from pytest_django.plugin import blocking_manager_key

from healthcheck.core.audit import triggers


def _flushes_sqlite(item: pytest.Item) -> bool:
    if connection.vendor != "sqlite":
        return False
    # A test case's own atomic block means the test rolls back instead of flushing.
    return not connection.atomic_blocks and "_django_db_helper" in item.fixturenames


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: Any) -> Generator[None, None, None]:
    unlock = _flushes_sqlite(item)
    if unlock:
        with item.config.stash[blocking_manager_key].unblock():
            triggers.drop(connection)
    try:
        return (yield)
    finally:
        # After the last test the test database itself is gone: nothing to restore.
        if unlock and nextitem is not None:
            with item.config.stash[blocking_manager_key].unblock():
                triggers.create(connection)
