"""Product suggestions from health findings need their own consent (product_recommendation),
never appear while an emergency is open, and never name a product whose health-data policy
forbids health inputs."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from assessments.models import Case
from assessments.services import care
from assessments.services.decisions import case_findings
from clients.models import Purpose
from tests.assessments.decide import assessed_client_case, product
from tests.clients.conftest import grant, publish_notice

pytestmark = pytest.mark.django_db


def _products() -> None:
    fit = product("bp-care", policy="allowed")
    fit.suits_findings = ["blood_pressure"]
    fit.save()
    forbidden = product("bp-loan", line="credit", policy="none")
    forbidden.suits_findings = ["blood_pressure"]
    forbidden.save()
    product("plain-deposit", line="wealth", policy="none")


def _suggested(case: Case) -> list[str]:
    return [p.code for p in care.products_for(case, case_findings(case))]


def _page(client: Any, user: Any, case: Case) -> str:
    client.force_login(user)
    response = client.get(reverse("assessments:health-file", args=[case.client.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_no_suggestion_with_only_the_health_check_consent(clara: Any, ada: Any, client: Any):
    _products()
    case = assessed_client_case(clara, ada, "150", "95")
    assert _suggested(case) == []
    html = _page(client, clara, case)
    assert "bp-care" not in html and "bp-loan" not in html and "plain-deposit" not in html


def test_with_the_recommendation_consent_only_health_allowed_fitting_products(
    clara: Any, ada: Any, client: Any
):
    _products()
    case = assessed_client_case(clara, ada, "150", "95")
    notice = publish_notice(ada, Purpose.PRODUCT_RECOMMENDATION, tag="pr")
    grant(case.client, clara, notice, purpose=Purpose.PRODUCT_RECOMMENDATION)
    assert _suggested(case) == ["bp-care"]
    html = _page(client, clara, case)
    assert "bp-care" in html
    assert "bp-loan" not in html and "plain-deposit" not in html


def test_never_while_an_emergency_is_open(
    clara: Any, ada: Any, max_: Any, client: Any, django_capture_on_commit_callbacks: Any
):
    _products()
    with django_capture_on_commit_callbacks(execute=True):
        case = assessed_client_case(clara, ada, "186", "124")
    assert case.emergency_open
    notice = publish_notice(ada, Purpose.PRODUCT_RECOMMENDATION, tag="pr")
    grant(case.client, clara, notice, purpose=Purpose.PRODUCT_RECOMMENDATION)
    assert _suggested(case) == []
    assert "bp-care" not in _page(client, clara, case)
