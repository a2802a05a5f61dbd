"""Tamper evidence for the audit trail: seals over committed events, and their verification.

Writers never lock: an audit event is a plain INSERT. The sealer (a beat task every minute,
``manage.py seal_audit`` on demand) appends ``AuditSeal`` rows, each covering the next batch of
events in **commit-safe order** and chaining the previous seal's hash, like the signed tree
heads of Certificate Transparency over freely appended entries.

Commit-safe order. Events are sealed in ``(txid, id)`` order, ``txid`` being the inserting
transaction's id (stamped by a PostgreSQL trigger). Each run computes a *horizon*: the oldest
transaction of this database still running, or the next transaction id if none. Every
transaction below the horizon has ended, so its events are all visible and final; the run seals
only events below it, continuing from the previous seal's last ``(txid, id)``. An event whose
transaction commits late has a txid at or above the horizon of every run that starts before it
commits, and the first run after its commit seals it: never skipped, never sealed twice.
(An event is thus sealable only once its transaction has ended: a test inside one transaction
cannot seal its own events on PostgreSQL; such tests run as transactional tests.)
The horizon is per database (in-progress xids of other databases, as ``pg_stat_activity`` shows
them, are ignored), so a long transaction elsewhere on the server does not hold sealing back;
one in this database does, until it ends (bound it with ``idle_in_transaction_session_timeout``).
On SQLite ``txid`` is 0 and the order is ``id``: the sealer's transaction takes the single
write lock (``BEGIN IMMEDIATE``), so no writer is in flight while it reads.

Seal content: ``entries`` = ``[txid, id, sha256(canonical event)]`` in order, and
``seal_hash = sha256(previous_hash + canonical seal)``. Sealers serialise on an advisory lock
(and the unique seal number); writers are never involved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from healthcheck.core.audit.actions import SystemActor
from healthcheck.core.models import AuditEvent, AuditSeal

GENESIS_HASH = "0" * 64
START = (-1, 0)
BATCH_SIZE = 2000
CANONICAL_FIELDS = (
    "id", "occurred_at", "actor_user_id", "actor_label", "action", "outcome", "target_type",
    "target_id", "target_label", "client_public_id", "fields", "purpose", "case_id",
    "request_id", "ip", "user_agent", "details",
)  # fmt: skip
_SEAL_LOCK = 7_401_130  # advisory lock key, sealers only
_NO_HORIZON = 2**62


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, UUID):
        return str(value)
    return value


def canonical_event(row: dict[str, Any]) -> bytes:
    """The bytes that an event's hash covers: every content field, in a fixed encoding."""
    data = {name: _plain(row[name]) for name in CANONICAL_FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_event(row)).hexdigest()


def seal_hash(seal: AuditSeal) -> str:
    """The hash chaining ``seal`` to its predecessor (over all of the seal's own fields)."""
    content = {
        "number": seal.number,
        "sealed_at": _plain(seal.sealed_at),
        "sealed_by": seal.sealed_by,
        "after": [seal.after_txid, seal.after_id],
        "last": [seal.last_txid, seal.last_id],
        "event_count": seal.event_count,
        "entries": seal.entries,
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(seal.previous_hash.encode() + b"\n" + encoded).hexdigest()


def events_after(key: tuple[int, int]) -> QuerySet[AuditEvent]:
    """Events strictly after ``(txid, id)`` in seal order."""
    txid, ident = key
    return AuditEvent.objects.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=ident))


def _widen(xid32: int, reference: int) -> int:
    # pg_stat_activity shows 32-bit xids; txid holds 64-bit ones (epoch in the high bits).
    full = (reference & ~0xFFFFFFFF) | xid32
    return full - 2**32 if full > reference else full


def horizon() -> int:
    """Events with a txid below this belong to ended transactions (see the module docstring).

    From one snapshot: its xmax (every xid below it was assigned before the snapshot) bounded
    by its in-progress xids, except those that pg_stat_activity shows in another database. An
    in-progress xid found nowhere (it ended since, or its session is hidden) counts as ours.
    """
    if connection.vendor != "postgresql":
        return _NO_HORIZON
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmax(s)::text::bigint, "
            "ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x) "
            "FROM pg_current_snapshot() AS s"
        )
        xmax, in_progress = cursor.fetchone()
        if not in_progress:
            return xmax
        # Read after the snapshot: a transaction still running shows its database here.
        cursor.execute(
            "SELECT backend_xid::text::bigint FROM pg_stat_activity "
            "WHERE datname IS DISTINCT FROM current_database() AND backend_xid IS NOT NULL"
        )
        elsewhere = {_widen(row[0], xmax) for row in cursor.fetchall()}
    return min([xmax, *(xid for xid in in_progress if xid not in elsewhere)])


def _lock_sealers() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK])


def seal_once(*, actor: str = SystemActor.AUDIT_SEALER, batch_size: int = BATCH_SIZE):  # type: ignore[no-untyped-def]
    """Append one seal over the next batch of sealable events. Returns it, or None if none."""
    with transaction.atomic():
        _lock_sealers()
        last = AuditSeal.objects.order_by("-number").first()
        after = (last.last_txid, last.last_id) if last else START
        limit = horizon()
        rows = list(
            events_after(after)
            .filter(txid__lt=limit)
            .order_by("txid", "id")
            .values("txid", *CANONICAL_FIELDS)[:batch_size]
        )
        if not rows:
            return None
        seal = AuditSeal(
            number=(last.number + 1) if last else 1,
            sealed_at=timezone.now(),
            sealed_by=str(actor),
            after_txid=after[0],
            after_id=after[1],
            last_txid=rows[-1]["txid"],
            last_id=rows[-1]["id"],
            event_count=len(rows),
            entries=[[row["txid"], row["id"], event_hash(row)] for row in rows],
            previous_hash=last.seal_hash if last else GENESIS_HASH,
        )
        seal.seal_hash = seal_hash(seal)
        seal.save()
        return seal


def seal_pending(*, actor: str = SystemActor.AUDIT_SEALER, max_seals: int = 1000) -> int:
    """Seal until nothing sealable is left (or ``max_seals``). Returns the events sealed."""
    sealed = 0
    for _ in range(max_seals):
        seal = seal_once(actor=actor)
        if seal is None:
            break
        sealed += seal.event_count
    return sealed


@dataclass(frozen=True)
class ChainStatus:
    """Result of a verification (or, with ``verified=False``, just the counts)."""

    ok: bool
    seals: int
    sealed_events: int
    unsealed_events: int
    broken_event_id: int | None = None
    broken_seal: int | None = None
    message: str = ""
    verified: bool = True


def status() -> ChainStatus:
    """Counts only, without recomputing hashes (for the chain status page)."""
    last = AuditSeal.objects.order_by("-number").first()
    after = (last.last_txid, last.last_id) if last else START
    sealed = AuditSeal.objects.aggregate(total=Sum("event_count"))["total"] or 0
    return ChainStatus(
        ok=True,
        seals=last.number if last else 0,
        sealed_events=sealed,
        unsealed_events=events_after(after).count(),
        verified=False,
    )


def verify() -> ChainStatus:
    """Recompute every seal and every sealed event's hash; report the first broken link."""
    previous_hash, after, count, sealed = GENESIS_HASH, START, 0, 0
    for seal in AuditSeal.objects.order_by("number").iterator(chunk_size=50):
        count += 1
        problem = _check_seal(seal, count, previous_hash, after)
        if problem is not None:
            event_id, message = problem
            unsealed = events_after(after).count()
            return ChainStatus(False, count - 1, sealed, unsealed, event_id, seal.number, message)
        previous_hash, after = seal.seal_hash, (seal.last_txid, seal.last_id)
        sealed += seal.event_count
    return ChainStatus(True, count, sealed, events_after(after).count())


def _check_seal(
    seal: AuditSeal, number: int, previous_hash: str, after: tuple[int, int]
) -> tuple[int | None, str] | None:
    if seal.number != number or seal.previous_hash != previous_hash:
        return None, f"seal {seal.number} does not follow seal {number - 1}"
    if (seal.after_txid, seal.after_id) != after or seal.event_count != len(seal.entries):
        return None, f"seal {seal.number} does not continue where seal {number - 1} ended"
    if seal_hash(seal) != seal.seal_hash:
        return None, f"seal {seal.number} does not match its own hash"
    rows = list(
        events_after(after)
        .filter(Q(txid__lt=seal.last_txid) | Q(txid=seal.last_txid, id__lte=seal.last_id))
        .order_by("txid", "id")
        .values("txid", *CANONICAL_FIELDS)
    )
    return _first_mismatch(seal, rows)


def _first_mismatch(seal: AuditSeal, rows: list[dict[str, Any]]) -> tuple[int, str] | None:
    entries, i, j = seal.entries, 0, 0
    while i < len(entries) or j < len(rows):
        entry = entries[i] if i < len(entries) else None
        row = rows[j] if j < len(rows) else None
        row_key = (row["txid"], row["id"]) if row else None
        if entry is not None and row_key == (entry[0], entry[1]):
            if event_hash(row) != entry[2]:  # type: ignore[arg-type]
                return entry[1], f"event {entry[1]} no longer matches seal {seal.number}"
            i, j = i + 1, j + 1
        elif row_key is None or (entry is not None and (entry[0], entry[1]) < row_key):
            return entry[1], f"event {entry[1]} of seal {seal.number} is missing"  # type: ignore[index]
        else:
            return row["id"], f"event {row['id']} was inserted among seal {seal.number}'s events"  # type: ignore[index]
    return None
