"""Layout: the declaration's measurements are a list, one per line, not run together."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from clients import services
from tests.clients.conftest import bp_declaration


def test_declaration_measurements_render_as_a_list(consent_c: Any, clara: Any, client: Any):
    owner = consent_c.client
    services.declaration_save(actor=clara, client=owner, data=bp_declaration("148", "94"))
    client.force_login(clara)

    page = client.get(reverse("clients:health-file", args=[owner.public_id])).content.decode()

    listing = re.search(r'data-testid="declaration-measurements">(.*?)</ul>', page, re.S)
    assert listing is not None
    assert listing.group(1).count("<li>") == 4  # height, weight, systolic, diastolic
    assert "style=" not in page  # CSP: classes from static/css/app.css only
