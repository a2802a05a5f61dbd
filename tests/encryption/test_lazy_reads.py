"""Values read from the database stay sealed until first read, like Django's deferred fields.

These tests pin the behaviour the hot path relies on: what a loaded row holds before and after a
read, refresh and deferred loading, saving unread values, and owners reached through the foreign
key's cache or loaded on demand.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from clients.models import Client
from healthcheck.core import keys
from healthcheck.core.fields import EncryptedFieldError, is_set, iter_sealed
from tests.encryption.conftest import make_client
from tests.encryption.testapp.models import Sample

pytestmark = pytest.mark.django_db


def _unread(instance: Any) -> set[str]:
    return {field.name for field, _ in iter_sealed(instance)}


def _raw(column: str, pk: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM encryption_testapp_sample WHERE id = %s", [pk])
        return bytes(cursor.fetchone()[0])


def test_a_loaded_row_decrypts_each_value_once_on_first_read(clara: Any, ring_a: str) -> None:
    sample = Sample.objects.create(client=make_client(clara), text="note", char="短文本", data=[1])
    loaded = Sample.objects.get(pk=sample.pk)
    assert _unread(loaded) == {"text", "char", "data"}  # day and amount are NULL: nothing sealed
    assert loaded.__dict__["day"] is None and "text" not in loaded.__dict__
    assert is_set(loaded, "text") and not is_set(loaded, "day")

    assert loaded.char == "短文本"
    assert _unread(loaded) == {"text", "data"}
    assert loaded.__dict__["char"] == "短文本"  # later reads are plain attribute reads
    loaded.text = "changed"  # an assignment is a plain attribute write
    assert loaded.text == "changed" and _unread(loaded) == {"data"}


def test_saving_unread_values_keeps_their_stored_bytes(clara: Any, ring_a: str) -> None:
    sample = Sample.objects.create(client=make_client(clara), text="kept", char="also kept")
    before = (_raw("text", sample.pk), _raw("char", sample.pk))
    loaded = Sample.objects.get(pk=sample.pk)
    loaded.char  # noqa: B018 - read one value; the other stays sealed
    loaded.save()
    assert _raw("text", sample.pk) == before[0]  # unread: not rewritten
    assert _raw("char", sample.pk) != before[1]  # read: encrypted afresh (new nonce)
    assert Sample.objects.get(pk=sample.pk).char == "also kept"


def test_refresh_replaces_read_values_with_what_the_database_holds(clara: Any, ring_a: str) -> None:
    sample = Sample.objects.create(client=make_client(clara), text="first", char="one")
    mine = Sample.objects.get(pk=sample.pk)
    assert mine.text == "first"
    other = Sample.objects.get(pk=sample.pk)
    other.text, other.char = "second", "two"
    other.save()

    mine.refresh_from_db(fields=["text"])
    assert mine.text == "second"
    mine.refresh_from_db()
    assert (mine.text, mine.char) == ("second", "two")


def test_deferred_encrypted_fields_load_and_decrypt_on_access(clara: Any, ring_a: str) -> None:
    sample = Sample.objects.create(client=make_client(clara), text="deferred", char=None)
    only_id = Sample.objects.only("id", "public_id", "client").get(pk=sample.pk)
    assert "text" in only_id.get_deferred_fields()
    assert only_id.text == "deferred"
    assert only_id.char is None
    assert "text" not in only_id.get_deferred_fields()


def test_the_owner_key_comes_from_the_foreign_key_cache_or_is_loaded(
    clara: Any, ring_a: str
) -> None:
    owner = make_client(clara)
    Sample.objects.create(client=owner, text="through the cache")
    with_owner = Sample.objects.select_related("client").get(client=owner)
    keys.data_key_cache.clear()
    assert with_owner.text == "through the cache"
    assert with_owner.client.__dict__["_data_aead"][0] is with_owner.client.data_key_wrapped

    without_owner = Sample.objects.get(client=owner)  # the owner is loaded on first read
    assert not Sample.client.is_cached(without_owner)
    assert without_owner.text == "through the cache"
    assert Sample.client.is_cached(without_owner)


def test_a_client_reassigned_to_another_owner_encrypts_under_the_new_key(
    clara: Any, ring_a: str
) -> None:
    first, second = make_client(clara, "First"), make_client(clara, "Second")
    sample = Sample.objects.create(client=first, text="moves with the record")
    sample.client = second
    sample.text = "now the second client's"
    sample.save()
    assert Sample.objects.get(pk=sample.pk).text == "now the second client's"
    keys.shred_data_key(first)
    first.save(update_fields=["data_key_wrapped", "data_key_id", "data_key_shredded_at"])
    assert Sample.objects.get(pk=sample.pk).text == "now the second client's"
    assert Client.objects.get(pk=first.pk).is_shredded


def test_empty_values_stay_empty_after_refresh_and_deferred_loads(clara: Any, ring_a: str) -> None:
    sample = Sample.objects.create(client=make_client(clara), text="", char=None)
    loaded = Sample.objects.get(pk=sample.pk)
    assert (loaded.text, loaded.char) == ("", None)
    loaded.refresh_from_db()
    assert (loaded.text, loaded.char) == ("", None)
    loaded.refresh_from_db(fields=["text"])
    assert loaded.text == ""
    assert Sample.objects.only("id", "public_id").get(pk=sample.pk).text == ""
    loaded.save()  # nothing read back as bytes, so nothing refuses to save
    assert Sample.objects.get(pk=sample.pk).text == ""


def test_values_and_values_list_refuse_encrypted_fields_and_change_nothing(
    clara: Any, ring_a: str
) -> None:
    owner = make_client(clara, "Values")
    for call in (
        lambda: Client.objects.values_list("name", flat=True),
        lambda: Client.objects.values("pk", "phone"),
        lambda: Client.objects.values(),
        lambda: Sample.objects.values_list("client__name"),
    ):
        with pytest.raises(EncryptedFieldError, match="model instances"):
            call()
    assert list(Client.objects.filter(pk=owner.pk).values_list("branch", flat=True)) == [
        owner.branch
    ]
    assert Client.objects.get(pk=owner.pk).name == "Values"
