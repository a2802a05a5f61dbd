"""/healthz: 200 when the database and the broker answer, 503 when the broker does not."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.harness.worker import real_broker


def test_healthz_needs_no_login_and_reports_the_embedded_profile(db, client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}


@pytest.mark.redis
def test_healthz_is_200_with_a_broker_and_503_without(transactional_db, stoppable_broker):
    client = Client()
    with real_broker(stoppable_broker.url):
        up = client.get(reverse("healthz"))
        stoppable_broker.stop()
        down = client.get(reverse("healthz"))

    assert (up.status_code, up.json()) == (200, {"database": "ok", "broker": "ok"})
    assert down.status_code == 503
    assert down.json()["database"] == "ok"
    assert down.json()["broker"].startswith("error")
