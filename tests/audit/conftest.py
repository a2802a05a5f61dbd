"""Fixtures for the audit tests: PostgreSQL-only marker, the Widget table, trigger control."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection

from healthcheck.core.audit import triggers
from healthcheck.core.models import User
from tests.audit.widgets import Widget
from tests.harness.services import requires_service


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.postgres`` tests skip locally without PostgreSQL and FAIL under CI=true."""
    if item.get_closest_marker("postgres"):
        requires_service("PostgreSQL", on_postgres(), "set DATABASE_URL to run this test")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The project's test database plus the test-only Widget table."""
    with django_db_blocker.unblock():
        if Widget._meta.db_table not in connection.introspection.table_names():
            with connection.schema_editor() as editor:
                editor.create_model(Widget)


@pytest.fixture
def triggers_dropped(db: None) -> Iterator[None]:
    """Remove the append-only triggers for one test (a tamperer with DDL rights)."""
    triggers.drop(connection)
    yield
    # A `db` test's DDL rolls back with the test; on SQLite a transactional test gets them back
    # after its flush (tests/audit/plugin.py); a transactional one on PostgreSQL needs this.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        triggers.create(connection)


@pytest.fixture
def root(db: None) -> User:
    """A superuser (the admin tests need delete rights that the admin role lacks)."""
    return User.objects.create_superuser("root", "root@example.com", "pw-root")


@pytest.fixture
def widgets(db: None) -> list[Widget]:
    return [Widget.objects.create(name=f"w{i}") for i in range(3)]


def grant(user: User, *codes: str) -> User:
    for code in codes:
        app_label, codename = code.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # fresh permission cache
