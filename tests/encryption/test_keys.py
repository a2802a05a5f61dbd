"""The key ring, start-up verification, the data-key cache and blind indexes."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients import selectors, services
from clients.models import Client
from healthcheck.core import keys
from healthcheck.core.keys import KeyConfigurationError
from healthcheck.core.models import KeyCheck
from tests.encryption.conftest import make_client, new_key

GOOD = base64.b64encode(b"k" * 32).decode()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "is empty"),
        ("nocolon", "malformed"),
        ("bad id:" + GOOD, "malformed"),
        ("A:not-base64!", "not valid base64"),
        ("A:" + base64.b64encode(b"short").decode(), "must decode to 32 bytes"),
        (f"A:{GOOD},A:{GOOD}", "twice"),
    ],
)
def test_a_malformed_key_ring_is_refused_naming_the_problem(spec: str, message: str) -> None:
    with pytest.raises(KeyConfigurationError, match=message) as excinfo:
        keys.parse_key_ring(spec)
    assert GOOD not in str(excinfo.value)  # never echo key material


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old = keys.parse_key_ring(new_key("old"))
    blob = old.seal(b"payload", b"aad")
    ring = keys.KeyRing((keys.parse_key_ring(new_key("new")).keys[0], old.keys[0]))
    assert ring.open(blob, b"aad") == b"payload"
    assert keys.split_ring_blob(ring.seal(b"payload", b"aad"))[0] == "new"


@pytest.mark.django_db
def test_start_up_registers_new_keys_and_rejects_a_wrong_key(settings, key_a) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    keys.key_ring()
    assert list(KeyCheck.objects.values_list("key_id", flat=True)) == ["A"]

    settings.FIELD_ENCRYPTION_KEYS = new_key("A")  # same id, other bytes
    with pytest.raises(KeyConfigurationError, match="'A' does not match its stored check value"):
        keys.key_ring()
    assert [m.id for m in keys.check_key_ring()] == ["core.E102"]


@pytest.mark.django_db
def test_start_up_rejects_a_missing_key_that_data_still_needs(clara, settings, key_a) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    make_client(clara)
    settings.FIELD_ENCRYPTION_KEYS = new_key("B")
    with pytest.raises(
        KeyConfigurationError, match="wrapped under master key 'A', which is missing"
    ):
        keys.key_ring()


def test_the_format_check_reports_a_malformed_ring_and_a_reused_blind_index_key(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = "A:???"
    assert [m.id for m in keys.check_key_ring_format()] == ["core.E100"]
    settings.FIELD_ENCRYPTION_KEYS = f"A:{GOOD}"
    settings.BLIND_INDEX_KEY = GOOD
    assert [m.id for m in keys.check_key_ring_format()] == ["core.E103"]


@pytest.mark.django_db
def test_the_database_check_is_silent_before_the_key_table_exists(settings, monkeypatch) -> None:
    monkeypatch.setattr(connection.introspection, "table_names", lambda *a, **k: [])
    settings.FIELD_ENCRYPTION_KEYS = new_key("A")
    assert keys.check_key_ring() == []


def test_the_ring_is_independent_of_secret_key(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = f"A:{GOOD}"
    before = keys.key_ring(verify=False).primary.secret
    settings.SECRET_KEY = "changed"
    assert keys.key_ring(verify=False).primary.secret == before == b"k" * 32


@pytest.mark.django_db
def test_a_list_page_of_50_clients_unwraps_each_key_once_with_one_query(clara, ring_a) -> None:
    for i in range(50):
        make_client(clara, f"Client {i}")
    keys.data_key_cache.clear()
    keys.data_key_cache.unwraps = 0

    with CaptureQueriesContext(connection) as queries:
        page = selectors.client_list(viewer=clara)
        names = [c.name for c in page]
    assert len(queries) == 1
    assert len(names) == 50 and keys.data_key_cache.unwraps == 50

    with CaptureQueriesContext(connection) as queries:
        [c.phone for c in selectors.client_list(viewer=clara)]
    assert len(queries) == 1 and keys.data_key_cache.unwraps == 50  # all cache hits


def test_the_data_key_cache_is_bounded_and_expires(monkeypatch) -> None:
    cache = keys.DataKeyCache(max_entries=2, ttl_seconds=10)
    now = [100.0]
    monkeypatch.setattr(keys.time, "monotonic", lambda: now[0])
    for name in (b"a", b"b", b"c"):
        cache.put(name, object())  # type: ignore[arg-type]
    assert len(cache) == 2 and cache.get(b"a") is None
    now[0] += 11
    assert cache.get(b"c") is None


@pytest.mark.django_db
def test_blind_index_is_keyed_normalised_and_separate_per_field(clara, ring_a, settings) -> None:
    client = make_client(clara, "Adams", national_id="e123-456 78", phone="+86 138 0013 8000")
    assert list(Client.objects.with_national_id("E12345678")) == [client]
    assert list(Client.objects.matching("phone", "+8613800138000")) == [client]
    assert client.national_id_index != keys.blind_index("clients.client.phone", "E12345678")
    settings.BLIND_INDEX_KEY = base64.b64encode(b"z" * 32).decode()
    assert (
        Client.objects.model._meta.get_field("national_id_index").index_for("E12345678")
        != client.national_id_index
    )


@pytest.mark.django_db
def test_resident_id_numbers_are_checksum_validated(clara, ring_a) -> None:
    from django.core.exceptions import ValidationError

    valid = "11010519491231002X"
    created = services.client_create(actor=clara, manager=clara, name="Li", sex="male",
                                     national_id=valid)  # fmt: skip
    assert Client.objects.get(pk=created.pk).national_id == valid
    with pytest.raises(ValidationError) as excinfo:
        services.client_create(actor=clara, manager=clara, name="Wang", sex="male",
                               national_id="110105194912310021")  # fmt: skip
    assert "national_id" in excinfo.value.message_dict
    assert Client.objects.count() == 1
