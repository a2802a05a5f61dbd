"""Keep the append-only audit triggers compatible with Django's test flush (SQLite).

Transactional tests (``transactional_db``, ``live_server``) end with a flush. On PostgreSQL that
is TRUNCATE, which row triggers do not see; on SQLite it is ``DELETE FROM``, which the
append-only triggers refuse as soon as a test wrote one audit event (a login is enough). In the
test process only, the SQLite flush drops the triggers first and re-creates them after, so
every test still runs with them in place. Installed from ``tests/conftest.py``.
"""

from __future__ import annotations

from typing import Any

# Through the backend module: importing operations.py first is a circular import.
from django.db.backends.sqlite3.base import DatabaseOperations

from healthcheck.core.audit import triggers

_original_flush = DatabaseOperations.execute_sql_flush


def _flush_with_audit_triggers_lifted(self: DatabaseOperations, sql_list: Any) -> None:
    audited = triggers.TABLES[0] in self.connection.introspection.table_names()
    if audited:
        triggers.drop(self.connection)
    try:
        _original_flush(self, sql_list)
    finally:
        if audited:
            triggers.create(self.connection)


def allow_flush_of_audit_tables() -> None:
    """Let test flushes empty the audit tables on SQLite (never used outside tests)."""
    DatabaseOperations.execute_sql_flush = _flush_with_audit_triggers_lifted  # type: ignore[method-assign]
