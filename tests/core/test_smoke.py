"""Smoke tests of the foundation: role homes, language default, guards."""

import pytest
from django.urls import reverse

from healthcheck.core.roles import missing_permissions


def test_every_permission_in_the_role_matrix_exists(db):
    assert missing_permissions() == []


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("clara", "home-manager"),
        ("max_", "home-advisor"),
        ("rita", "home-approver"),
        ("cora", "home-compliance"),
        ("ada", "home-admin"),
    ],
)
def test_each_role_lands_on_its_own_home(client, request, persona, url_name):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(url_name)
    assert client.get(response["Location"]).status_code == 200
