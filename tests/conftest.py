"""Shared fixtures: personas (one per role, plus carl outside the portfolio)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from healthcheck.core.models import User
from healthcheck.core.roles import Role, sync_roles


def _persona(username: str, role: str, **extra: object) -> User:
    sync_roles()
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def clara(db) -> User:
    """Client manager."""
    return _persona("clara", Role.CLIENT_MANAGER)


@pytest.fixture
def carl(db) -> User:
    """Client manager of another portfolio."""
    return _persona("carl", Role.CLIENT_MANAGER)


@pytest.fixture
def max_(db) -> User:
    """Medical advisor."""
    return _persona("max", Role.MEDICAL_ADVISOR)


@pytest.fixture
def rita(db) -> User:
    """Risk approver."""
    return _persona("rita", Role.RISK_APPROVER)


@pytest.fixture
def cora(db) -> User:
    """Compliance officer."""
    return _persona("cora", Role.COMPLIANCE_OFFICER)


@pytest.fixture
def ada(db) -> User:
    """Administrator (staff, not superuser)."""
    return _persona("ada", Role.ADMINISTRATOR, is_staff=True)
