"""Databases written in the earlier text format (``e1:<key id>:<base64>``) move to binary columns.

The migration re-frames values without keys; these tests build real legacy values from real
ciphertexts (the format change keeps nonce, ciphertext and tag) and check that the values read
back exactly, before and after the conversion, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import datetime
import decimal
from typing import Any

import pytest
from django.db import connection

from healthcheck.core.fields import DecryptionError, binary_from_text_token, encrypted_fields
from healthcheck.core.migration_ops import convert_values
from tests.encryption.conftest import make_client
from tests.encryption.testapp.models import RingSecret, Sample

pytestmark = pytest.mark.django_db

SAMPLE_VALUES = {
    "text": "空腹血糖 5.4 mmol/L",
    "char": "ř" * 50,
    "data": {"sbp": 142, "note": "复查"},
    "day": datetime.date(1970, 3, 1),
    "amount": decimal.Decimal("12.3400"),
}


def _raw(table: str, column: str, pk: int) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        value = cursor.fetchone()[0]
    return bytes(value) if isinstance(value, memoryview) else value


def _legacy(token: bytes) -> str:
    """The earlier text framing of a stored binary value (what the previous release wrote)."""
    if token[1] == 0:
        return "e1:@client:" + base64.b64encode(token[2:]).decode()
    n = token[1]
    return f"e1:{token[2 : 2 + n].decode()}:" + base64.b64encode(token[2 + n :]).decode()


def _store_legacy(table: str, column: str, pk: int, legacy: str) -> None:
    # SQLite kept the text in the rebuilt column; PostgreSQL's cast left its ASCII bytes.
    value = legacy if connection.vendor == "sqlite" else legacy.encode()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def test_the_text_framing_converts_to_the_same_stored_bytes(clara: Any, ring_a: str) -> None:
    sample = Sample.objects.create(client=make_client(clara), **SAMPLE_VALUES)
    secret = RingSecret.objects.create(label="lab", secret="fasting 5.4")
    for table, column, pk in (
        ("encryption_testapp_sample", "text", sample.pk),
        ("encryption_testapp_sample", "day", sample.pk),
        ("encryption_testapp_ringsecret", "secret", secret.pk),
    ):
        stored = _raw(table, column, pk)
        assert binary_from_text_token(_legacy(stored)) == stored
        assert binary_from_text_token(stored) == stored  # binary input is left as it is
    assert binary_from_text_token("") == b""
    for malformed in ("e1:@client:not base64!", "e2:@client:AAAA", "plain text"):
        with pytest.raises(DecryptionError):
            binary_from_text_token(malformed)


def test_legacy_rows_read_back_before_and_after_the_conversion(clara: Any, ring_a: str) -> None:
    sample = Sample.objects.create(client=make_client(clara), **SAMPLE_VALUES)
    untouched = Sample.objects.create(client=make_client(clara, "Other"), text="second row")
    secret = RingSecret.objects.create(label="lab", secret="fasting 5.4")
    binary = {name: _raw("encryption_testapp_sample", name, sample.pk) for name in SAMPLE_VALUES}
    for name, stored in binary.items():
        _store_legacy("encryption_testapp_sample", name, sample.pk, _legacy(stored))
    secret_stored = _raw("encryption_testapp_ringsecret", "secret", secret.pk)
    _store_legacy("encryption_testapp_ringsecret", "secret", secret.pk, _legacy(secret_stored))

    # Not migrated yet: the values still read back exactly (the load converts the framing).
    legacy = Sample.objects.get(pk=sample.pk)
    assert {name: getattr(legacy, name) for name in SAMPLE_VALUES} == SAMPLE_VALUES

    converted = convert_values(connection, Sample, encrypted_fields(Sample))
    converted += convert_values(connection, RingSecret, encrypted_fields(RingSecret))
    assert converted == len(SAMPLE_VALUES) + 1  # the other row was binary already
    for name, stored in binary.items():
        assert _raw("encryption_testapp_sample", name, sample.pk) == stored
    assert _raw("encryption_testapp_ringsecret", "secret", secret.pk) == secret_stored
    fresh = Sample.objects.get(pk=sample.pk)
    assert {name: getattr(fresh, name) for name in SAMPLE_VALUES} == SAMPLE_VALUES
    assert RingSecret.objects.get(pk=secret.pk).secret == "fasting 5.4"
    assert Sample.objects.get(pk=untouched.pk).text == "second row"

    # A second run finds nothing left to convert and changes nothing.
    assert convert_values(connection, Sample, encrypted_fields(Sample)) == 0
    assert _raw("encryption_testapp_sample", "text", sample.pk) == binary["text"]


def test_every_encrypted_column_is_binary_after_migrate() -> None:
    from healthcheck.core.fields import models_with_encrypted_fields

    with connection.cursor() as cursor:
        for model in models_with_encrypted_fields():
            table = model._meta.db_table
            columns = {
                c.name: connection.introspection.get_field_type(c.type_code, c)
                for c in connection.introspection.get_table_description(cursor, table)
            }
            for field in encrypted_fields(model):
                assert columns[field.column] == "BinaryField", f"{table}.{field.column}"
