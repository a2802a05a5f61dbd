"""SQL for the database triggers that keep the audit tables append-only.

Used by migration 0003 (which creates them) and by tests (which drop them to prove that
``verify_audit`` catches tampering). On PostgreSQL a BEFORE INSERT trigger also stamps each
event with its inserting transaction id, the order in which the sealer may safely seal events.

SQLite rebuilds a table on most ALTERs and loses its triggers: a migration that alters these
tables must call ``create(schema_editor.connection)`` again
(``test_append_only_triggers_exist_after_all_migrations`` catches a forgotten one).
"""

from __future__ import annotations

from typing import Any

TABLES = ("core_auditevent", "core_auditseal")

_PG_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION core_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""
_PG_TXID_FUNCTION = """
CREATE OR REPLACE FUNCTION core_auditevent_stamp_txid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.txid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$;
"""


def _pg_create(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION core_audit_refuse_change();"
    )


def _sqlite_create(table: str, operation: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END;"
    )


def create_statements(vendor: str) -> list[str]:
    """Statements that make both audit tables append-only (and stamp txid on PostgreSQL)."""
    if vendor == "postgresql":
        return [
            _PG_REFUSE_FUNCTION,
            *(_pg_create(table) for table in TABLES),
            _PG_TXID_FUNCTION,
            "CREATE TRIGGER core_auditevent_txid BEFORE INSERT ON core_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION core_auditevent_stamp_txid();",
        ]
    if vendor == "sqlite":
        return [_sqlite_create(t, op) for t in TABLES for op in ("UPDATE", "DELETE")]
    raise NotImplementedError(f"no append-only triggers for database vendor {vendor!r}")


def drop_statements(vendor: str, *, keep_txid: bool = False) -> list[str]:
    """Statements that remove the append-only triggers (the txid stamp too, unless kept)."""
    if vendor == "postgresql":
        statements = [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in TABLES]
        if not keep_txid:
            statements += [
                "DROP TRIGGER IF EXISTS core_auditevent_txid ON core_auditevent;",
                "DROP FUNCTION IF EXISTS core_auditevent_stamp_txid();",
                "DROP FUNCTION IF EXISTS core_audit_refuse_change();",
            ]
        return statements
    return [
        f"DROP TRIGGER IF EXISTS {t}_no_{op.lower()};"
        for t in TABLES
        for op in ("UPDATE", "DELETE")
    ]


def create(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in create_statements(connection.vendor):
            cursor.execute(statement)


def drop(connection: Any, *, keep_txid: bool = False) -> None:
    with connection.cursor() as cursor:
        for statement in drop_statements(connection.vendor, keep_txid=keep_txid):
            cursor.execute(statement)


def existing(connection: Any) -> set[str]:
    """Names of the triggers currently defined on the audit tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid::regclass::text = ANY(%s)",
                [list(TABLES)],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                list(TABLES),
            )
        return {row[0] for row in cursor.fetchall()}


def expected(vendor: str) -> set[str]:
    if vendor == "postgresql":
        return {f"{t}_append_only" for t in TABLES} | {"core_auditevent_txid"}
    return {f"{t}_no_{op}" for t in TABLES for op in ("update", "delete")}
