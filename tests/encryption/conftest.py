"""Fixtures for the encryption tests: key rings, clients and samples with every field type."""

from __future__ import annotations

import base64
import datetime
import secrets
from decimal import Decimal
from typing import Any

import pytest

from clients import services
from clients.models import Client
from healthcheck.core import keys
from tests.harness.services import requires_service


def new_key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@pytest.fixture
def key_a() -> str:
    return new_key("A")


@pytest.fixture
def key_b() -> str:
    return new_key("B")


@pytest.fixture
def ring_a(settings: Any, key_a: str) -> str:
    """A fresh single-key ring A, so each test starts from known keys and an empty cache."""
    settings.FIELD_ENCRYPTION_KEYS = key_a
    return key_a


@pytest.fixture(autouse=True)
def _fresh_key_state():
    keys.reset_state()
    yield
    keys.reset_state()


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_client(manager: Any, name: str = "Adams", **extra: Any) -> Client:
    values: dict[str, Any] = {
        "sex": Client.Sex.FEMALE,
        "id_type": Client.IdType.PASSPORT,
        "national_id": None,
        "phone": "",
        "address": "",
        "date_of_birth": datetime.date(1980, 5, 17),
    }
    values.update(extra)
    return services.client_create(actor=manager, manager=manager, name=name, **values)


def sample_values(tag: str) -> dict[str, Any]:
    return {
        "text": f"glucose note {tag}: fasting 5.4 · 空腹血糖",
        "char": f"char {tag} ř",
        "data": {"systolic": 141, "note": f"json {tag}", "nested": [1, "二"]},
        "day": datetime.date(2024, 2, 29),
        "amount": Decimal("12345678.1234"),
    }


REQUIRES_POSTGRES = (
    "PostgreSQL only (set DATABASE_URL); with CI=true this fails instead of skipping"
)


def require_postgres(connection: Any) -> None:
    """Skip locally on SQLite, but fail under CI: a PostgreSQL check must never be skipped."""
    requires_service("PostgreSQL", connection.vendor == "postgresql", REQUIRES_POSTGRES)
