"""Seals and verify_audit: tampering is found and named (acceptance 3); concurrency (4)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction

from healthcheck.core import audit, sealing
from healthcheck.core.audit import triggers
from healthcheck.core.models import AuditEvent, AuditSeal

# On PostgreSQL only events of ended transactions can be sealed: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

raw_events = models.QuerySet(AuditEvent)  # the ORM without the append-only guard: a tamperer


def make_events(actor, n: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return [
        audit.record(actor=actor, action="client.changed", fields=["phone"], n=i) for i in range(n)
    ]


def verify_fails_naming(event_id: int) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", "--no-alert")
    assert f"event {event_id} " in str(failure.value)
    return str(failure.value)


def test_seals_cover_every_event_once_and_verify(clara, capsys):
    make_events(clara, 5)
    assert sealing.seal_pending() == 5
    make_events(clara, 3)
    assert sealing.seal_pending() == 3
    assert sealing.seal_pending() == 0  # nothing new: no empty seal
    seals = list(AuditSeal.objects.order_by("number"))
    assert [s.event_count for s in seals] == [5, 3]
    assert seals[1].previous_hash == seals[0].seal_hash
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "sealed events: 8" in out and "not yet sealed: 0" in out
    assert "OK" in out


def test_verify_reports_not_yet_sealed_events(clara):
    make_events(clara, 2)
    result = sealing.verify()
    assert (result.ok, result.sealed_events, result.unsealed_events) == (True, 0, 2)


def test_seals_are_batched_in_commit_order(clara, monkeypatch):
    make_events(clara, 7)
    monkeypatch.setattr(sealing, "BATCH_SIZE", 3)
    assert sealing.seal_once(batch_size=3).event_count == 3
    assert sealing.seal_pending() == 4
    assert sealing.verify().ok


TAMPERED_VALUES = {
    "occurred_at": lambda e: e.occurred_at - timedelta(days=1),
    "actor_user_id": lambda e: 999_999,
    "actor_label": lambda e: "mallory",
    "action": lambda e: "client.viewed",
    "outcome": lambda e: "denied",
    "target_type": lambda e: "core.user",
    "target_id": lambda e: "1",
    "target_label": lambda e: "someone",
    "client_public_id": lambda e: uuid.uuid4(),
    "fields": lambda e: ["address"],
    "purpose": lambda e: "marketing",
    "case_id": lambda e: "case-9",
    "request_id": lambda e: "forged",
    "ip": lambda e: "10.9.9.9",
    "user_agent": lambda e: "curl",
    "details": lambda e: {"n": 42},
    "txid": lambda e: e.txid + 5,
    "id": lambda e: e.pk + 100_000,
}


class _Undo(Exception):
    """Rolls one tampering back so the next field starts from the sealed original."""


def test_changing_any_single_field_of_a_sealed_event_is_named_by_verify(clara, triggers_dropped):
    events = make_events(clara, 5)
    sealing.seal_pending()
    victim = AuditEvent.objects.get(pk=events[2].pk)
    for field, tampered in TAMPERED_VALUES.items():
        with pytest.raises(_Undo), transaction.atomic():
            raw_events.filter(pk=victim.pk).update(**{field: tampered(victim)})
            result = sealing.verify()
            assert (result.ok, result.broken_event_id) == (False, victim.pk), field
            verify_fails_naming(victim.pk)
            raise _Undo
        assert sealing.verify().ok, field


def test_deleting_a_sealed_event_is_named_by_verify(clara, triggers_dropped):
    events = make_events(clara, 5)
    sealing.seal_pending()
    raw_events.filter(pk=events[1].pk).delete()
    assert "missing" in verify_fails_naming(events[1].pk)


def test_inserting_an_event_among_sealed_events_is_named_by_verify(clara, triggers_dropped):
    events = make_events(clara, 5)
    gap = events[2]
    raw_events.filter(pk=gap.pk).delete()  # a gap in the ids before sealing
    sealing.seal_pending()
    neighbour = AuditEvent.objects.get(pk=events[1].pk)
    forged = AuditEvent(id=gap.pk, txid=neighbour.txid, actor_label="clara", action="client.viewed")
    forged.save()
    assert "inserted" in verify_fails_naming(gap.pk)


def test_changing_a_seal_is_reported(clara, triggers_dropped):
    make_events(clara, 2)
    sealing.seal_pending()
    models.QuerySet(AuditSeal).update(sealed_by="mallory")
    result = sealing.verify()
    assert (result.ok, result.broken_seal) == (False, 1)
    with pytest.raises(CommandError, match="seal 1"):
        call_command("verify_audit", "--no-alert")


def test_a_failed_nightly_verification_emails_compliance_a_link_only(
    clara, cora, triggers_dropped, mailoutbox
):
    cora.email = "cora@bank.example"
    cora.save(update_fields=["email"])
    [event] = make_events(clara, 1)
    sealing.seal_pending()
    raw_events.filter(pk=event.pk).update(purpose="BP stage 2")
    from healthcheck.core.tasks import audit_verify_task

    audit_verify_task.apply()
    [mail] = mailoutbox
    assert mail.to == ["cora@bank.example"]
    assert "/compliance/chain/" in mail.body and str(event.pk) in mail.body
    assert "BP stage 2" not in mail.body + str(mail.alternatives)
    assert AuditEvent.objects.filter(action="audit.verified", outcome="failed").exists()


# ---------------------------------------------------------------------------------------------
# Concurrency, on PostgreSQL (real transactions; SQLite has a single writer)


def _sealed_ids() -> list[int]:
    return [entry[1] for seal in AuditSeal.objects.all() for entry in seal.entries]


@pytest.mark.postgres
def test_eight_writers_and_a_running_sealer_seal_every_event_exactly_once(clara):
    per_thread, stop = 60, threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record(actor=f"system:writer-{n}", action="client.changed", i=i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def sealer() -> None:
        try:
            while not stop.is_set():
                sealing.seal_once(batch_size=25)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    seal_thread = threading.Thread(target=sealer)
    seal_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    seal_thread.join()
    assert not errors
    sealing.seal_pending()
    sealed = _sealed_ids()
    assert len(sealed) == len(set(sealed)) == 8 * per_thread
    assert set(sealed) == set(AuditEvent.objects.values_list("id", flat=True))
    assert AuditSeal.objects.count() > 1
    assert sealing.verify().ok


@pytest.mark.postgres
def test_an_event_committing_late_is_sealed_by_the_next_run_not_skipped(clara):
    inserted, release = threading.Event(), threading.Event()
    late: dict[str, int] = {}

    def slow_transaction() -> None:
        try:
            with transaction.atomic():
                late["id"] = audit.record(actor="system:slow", action="client.changed").pk
                inserted.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_transaction)
    thread.start()
    assert inserted.wait(timeout=10)
    after = audit.record(actor=clara, action="client.changed").pk  # commits before the slow one
    sealing.seal_pending()
    assert late["id"] not in _sealed_ids() and after not in _sealed_ids()
    release.set()
    thread.join()
    sealing.seal_pending()
    sealed = _sealed_ids()
    assert sorted(sealed) == sorted({late["id"], after}) and len(sealed) == 2
    assert sealing.verify().ok


@pytest.mark.postgres
def test_a_writer_in_another_database_does_not_hold_sealing_back(clara):
    import psycopg

    params = connection.get_connection_params()
    params["dbname"] = "postgres"  # same server, another database
    with psycopg.connect(**params) as other:
        other.execute("SELECT pg_current_xact_id()")  # an open transaction holding an xid
        make_events(clara, 2)
        assert sealing.seal_pending() == 2
        other.rollback()


def test_the_triggers_fixture_drops_the_append_only_triggers(triggers_dropped):
    assert not triggers.existing(connection) & triggers.expected(connection.vendor)
