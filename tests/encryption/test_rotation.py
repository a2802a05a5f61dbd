"""Acceptance 3: key rotation. Data under A; ring B,A; rotate_keys; ring B alone: everything reads
back exactly. A second rotate_keys changes nothing. Batches are resumable after a crash."""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection

from clients import services
from clients.models import Client, Document
from healthcheck.core import files, keys
from healthcheck.core.models import AuditEvent
from tests.encryption.conftest import make_client, sample_values
from tests.encryption.testapp.models import RingSecret, Sample

pytestmark = pytest.mark.django_db

TABLES = ("clients_client", "clients_document", "encryption_testapp_sample",
          "encryption_testapp_ringsecret")  # fmt: skip


def _raw_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    snapshot = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            snapshot[table] = [
                tuple(bytes(c) if isinstance(c, memoryview) else c for c in row)
                for row in cursor.fetchall()
            ]
    return snapshot


def _everything(clients: list[Client]) -> dict[str, Any]:
    """Every value read back from the database through fresh instances."""
    values: dict[str, Any] = {}
    for client in Client.objects.filter(pk__in=[c.pk for c in clients]).order_by("pk"):
        values[f"client-{client.pk}"] = (client.name, client.national_id, client.phone,
                                         client.address, client.date_of_birth)  # fmt: skip
    for sample in Sample.objects.order_by("pk"):
        values[f"sample-{sample.pk}"] = (sample.text, sample.char, sample.data, sample.day,
                                         sample.amount)  # fmt: skip
    for secret in RingSecret.objects.order_by("pk"):
        values[f"secret-{secret.pk}"] = (secret.secret, secret.settings)
    for document in Document.objects.select_related("client").order_by("pk"):
        values[f"doc-{document.pk}"] = (
            document.original_name,
            files.read_decrypted(document, document.stored_name),
        )
    return values


def _populate(user: Any, n: int = 5) -> list[Client]:
    clients = []
    for i in range(n):
        client = make_client(
            user, f"Client {i} 客户", national_id=f"P{i:08d}", phone=f"+86 138 0000 {i:04d}",
            address=f"{i} Huaihai Road",
        )  # fmt: skip
        Sample.objects.create(client=client, **sample_values(str(i)))
        services.document_store(actor=user, client=client, kind="consent_evidence",
                                name=f"consent-{i}.png", data=_png(i))  # fmt: skip
        clients.append(client)
    for i in range(3):
        RingSecret.objects.create(label=f"s{i}", secret=f"api-token-{i}", settings={"i": i})
    return clients


def _png(i: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes([i]) * 20


def _rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def test_rotation_from_a_to_b_keeps_every_value_readable_and_retires_a(
    clara, settings, key_a, key_b, media_root
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    clients = _populate(clara)
    before = _everything(clients)

    settings.FIELD_ENCRYPTION_KEYS = f"{key_b},{key_a}"
    output = _rotate("--batch-size", "2")
    assert "Rewrapped 5 data keys and re-encrypted 6 values under master key B." in output
    assert set(Client.objects.values_list("data_key_id", flat=True)) == {"B"}
    assert AuditEvent.objects.filter(action="key.rotated").count() == 1

    settings.FIELD_ENCRYPTION_KEYS = key_b
    assert _everything(clients) == before


def test_a_second_rotation_changes_nothing(clara, settings, key_a, key_b, media_root) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    _populate(clara, n=3)
    settings.FIELD_ENCRYPTION_KEYS = f"{key_b},{key_a}"
    _rotate()
    snapshot, events = _raw_snapshot(), AuditEvent.objects.count()

    output = _rotate()

    assert "Rewrapped 0 data keys and re-encrypted 0 values" in output
    assert _raw_snapshot() == snapshot
    assert AuditEvent.objects.count() == events


def test_rotation_interrupted_mid_way_resumes_where_it_stopped(
    clara, settings, key_a, key_b, media_root
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    clients = _populate(clara, n=5)
    before = _everything(clients)
    settings.FIELD_ENCRYPTION_KEYS = f"{key_b},{key_a}"
    real, calls = keys.rewrap_data_key, {"n": 0}

    def crash_on_the_third(owner: Any, ring: Any = None) -> bool:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(owner, ring)

    with (
        mock.patch.object(keys, "rewrap_data_key", crash_on_the_third),
        pytest.raises(RuntimeError),
    ):
        _rotate("--batch-size", "2")
    # The first batch (2 clients) committed; the second rolled back as a whole.
    assert sorted(Client.objects.values_list("data_key_id", flat=True)) == ["A", "A", "A", "B", "B"]

    output = _rotate("--batch-size", "2")
    assert "Rewrapped 3 data keys" in output
    settings.FIELD_ENCRYPTION_KEYS = key_b
    assert _everything(clients) == before


def test_rotation_shows_a_progress_bar_and_a_final_count(clara, settings, key_a, key_b) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    for i in range(3):
        make_client(clara, f"C{i}")
    settings.FIELD_ENCRYPTION_KEYS = f"{key_b},{key_a}"

    output = _rotate("--batch-size", "1")

    assert "clients.Client keys: [##########....................] 1/3" in output
    assert "clients.Client keys: [##############################] 3/3" in output
    assert output.strip().endswith("under master key B.")


def test_rotation_skips_erased_clients(clara, settings, key_a, key_b) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    kept, erased = make_client(clara, "Kept"), make_client(clara, "Erased")
    services.client_shred(actor=clara, client=erased)
    settings.FIELD_ENCRYPTION_KEYS = f"{key_b},{key_a}"

    assert "Rewrapped 1 data keys" in _rotate()
    settings.FIELD_ENCRYPTION_KEYS = key_b
    assert Client.objects.get(pk=kept.pk).name == "Kept"
