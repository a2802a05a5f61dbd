"""Acceptance 1: no plaintext at rest. Canary values go into every encrypted field of every
installed model (found through the app registry, so future models are covered) and into an
uploaded file; then every column of every table and every file under MEDIA_ROOT is scanned."""

from __future__ import annotations

import datetime
import decimal
import itertools
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, models
from django.utils import timezone

from clients import services
from clients.models import Client
from healthcheck.core.fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedDecimalField,
    EncryptedJSONField,
    EncryptedMixin,
    encrypted_fields,
    models_with_encrypted_fields,
)
from healthcheck.core.keys import DataKeyOwner

_serial = itertools.count(1)


class Canaries:
    """Distinctive plaintexts and the strings that would betray each of them at rest."""

    def __init__(self) -> None:
        self.needles: list[str] = []

    def token(self) -> str:
        token = f"CNRY{next(_serial):04d}Z"
        self.needles.append(token)
        return token

    def value_for(self, field: EncryptedMixin) -> Any:
        if isinstance(field, EncryptedDateField):
            day = datetime.date(1911, 10, 10 + next(_serial) % 15)
            self.needles += [day.isoformat(), day.strftime("%Y%m%d")]
            return day
        if isinstance(field, EncryptedDecimalField):
            value = decimal.Decimal(f"7391.{next(_serial):04d}")
            self.needles.append(str(value))
            return value
        if isinstance(field, EncryptedJSONField):
            return {"note": self.token(), "list": [self.token()]}
        token = self.token()
        if isinstance(field, EncryptedCharField) and field.max_length < len(token) + 3:
            return token[: field.max_length]
        return token + " 空腹ř"


def _plain_value(field: models.Field, owner: Client, user: Any) -> Any:
    """A valid value for a required plain field (generic, so new models need no changes)."""
    if field.is_relation:
        model = field.related_model
        if issubclass(model, DataKeyOwner):
            return owner
        if model is type(user):
            return user
        # Any other required relation (a declaration's consent): build one generically.
        return _fill(model, owner, user, Canaries())[0]
    if field.choices:
        return field.choices[0][0]
    by_type: list[tuple[type, Any]] = [
        (models.BooleanField, False),
        (models.DateTimeField, timezone.now()),
        (models.DateField, datetime.date(2020, 1, 1)),
        (models.DecimalField, decimal.Decimal("1")),
        (models.UUIDField, uuid.uuid4()),
        (models.JSONField, {}),
        (models.BinaryField, b""),
        (models.IntegerField, 1),
        (models.CharField, uuid.uuid4().hex[: min(field.max_length or 32, 32)]),
        (models.TextField, "plain"),
    ]
    for kind, value in by_type:
        if isinstance(field, kind):
            return value
    raise NotImplementedError(f"no generic value for {field!r}")


def _fill(model: type[models.Model], owner: Client, user: Any, canaries: Canaries) -> Any:
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, EncryptedMixin):
            values[field.attname] = canaries.value_for(field)
        elif not (
            field.primary_key
            or field.has_default()
            or field.null
            or isinstance(field, BlindIndexField)
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
            or field.attname.startswith("data_key")
        ):
            values[field.name] = _plain_value(field, owner, user)
    instance = model(**values)
    instance.save()
    return instance, {f.attname: values[f.attname] for f in encrypted_fields(model)}


def _scan_database(needles: list[str]) -> list[str]:
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            for row in cursor.fetchall():
                for cell in row:
                    text = _as_text(cell)
                    found += [f"{table}: {n}" for n in needles if n in text]
    return found


def _as_text(cell: Any) -> str:
    if isinstance(cell, memoryview | bytes | bytearray):
        return bytes(cell).decode("utf-8", "replace")
    return str(cell)


def _scan_files(root: Path, needles: list[str]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {n}" for n in needles if n.encode() in data]
    return found


@pytest.mark.django_db
def test_no_canary_reaches_any_table_column_or_media_file(
    clara: Any, ring_a: str, media_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = Canaries()
    owner, _ = _fill(Client, None, clara, canaries)  # type: ignore[arg-type]
    written = {}
    for model in models_with_encrypted_fields():
        if model is not Client:
            written[model] = _fill(model, owner, clara, canaries)
    file_token = canaries.token()
    name_token = canaries.token()
    document = services.document_store(
        actor=clara,
        client=owner,
        kind="checkup_report",
        name=f"{name_token}.pdf",
        data=b"%PDF-1.7\n1 0 obj << /Title (" + file_token.encode() + b") >>\n%%EOF\n",
    )

    assert _scan_database(canaries.needles) == []
    assert _scan_files(Path(media_root), canaries.needles) == []
    assert not [n for n in canaries.needles if n in caplog.text]
    # The canaries were really stored: each model reads every value back exactly.
    assert set(written) | {Client} == set(models_with_encrypted_fields())
    for model, (instance, values) in written.items():
        fresh = model._default_manager.get(pk=instance.pk)
        assert {name: getattr(fresh, name) for name in values} == values
    assert Client.objects.get(pk=owner.pk).name.startswith("CNRY")
    assert name_token in type(document).objects.get(pk=document.pk).original_name
