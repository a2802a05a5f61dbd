"""The emergency protocol's "never the value": for a client whose BP 186/124 raised an A-class
flag, a client manager (no ``clients.view_restricted_healthdata``) sees "urgent medical
follow-up required" on the assessment page, both health files (tables and charts) and the CSV
export, and never the value, band, flag reason or trace rows; the medical advisor sees them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from assessments.models import Case
from clients.models import Observation
from tests.assessments.decide import assessed_client_case
from tests.harness.text import shows_number

pytestmark = pytest.mark.django_db

URGENT = "Urgent medical follow-up required"


@pytest.fixture
def crisis(clara: Any, ada: Any, max_: Any, django_capture_on_commit_callbacks: Any) -> Case:
    with django_capture_on_commit_callbacks(execute=True):
        return assessed_client_case(clara, ada, "186", "124")


def _urgent() -> str:
    from django.utils.translation import gettext, override

    with override("zh-hans"):  # the pages' language
        return gettext(URGENT)


def _value_shown(body: str) -> bool:
    return shows_number(body, "186", "124")


def _reasons(case: Case) -> list[str]:
    flags = case.assessments.get().result["flags"]
    reasons = [f["reason"] for f in flags if f["class"] == "A" and f["reason"]]
    assert reasons  # the fixture really raised an A-class flag with a reason
    return reasons


def _pages(case: Case) -> dict[str, str]:
    client_id = case.client.public_id
    return {
        "assessment": reverse("assessments:assessment-detail",
                              args=[case.assessments.get().public_id]),
        "clients-health-file": reverse("clients:health-file", args=[client_id]),
        "assessments-health-file": reverse("assessments:health-file", args=[client_id]),
        "export": reverse("clients:health-export", args=[client_id]),
    }  # fmt: skip


def test_the_triggering_observations_are_marked_critical(crisis: Case):
    kinds = set(
        Observation.objects.filter(client=crisis.client, is_critical=True).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"sbp", "dbp"}
    assert not Observation.objects.filter(client=crisis.client, kind="height", is_critical=True)


def test_the_manager_sees_the_urgent_message_and_never_the_value_reason_or_trace(
    crisis: Case, clara: Any, client: Any
):
    client.force_login(clara)
    reasons = _reasons(crisis)
    for name, url in _pages(crisis).items():
        response = client.get(url)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert not _value_shown(body), name
        for reason in reasons:
            assert reason not in body, (name, reason)
        assert "grade_3" not in body and "sbp=" not in body, name
        if name == "export":
            assert "critical" in body
        else:
            assert _urgent() in body, name
    chart = client.get(_pages(crisis)["assessments-health-file"]).content.decode()
    assert "<svg" not in chart or not _value_shown(chart)


def test_the_medical_advisor_still_sees_everything(crisis: Case, max_: Any):
    from assessments import selectors
    from clients import selectors as client_selectors

    view = selectors.assessment_view(viewer=max_, assessment=crisis.assessments.get())
    bp = next(m for m in view.measures if m["measure"] == "blood_pressure")
    assert "186" in str(bp["value"]) and bp["band"]
    assert all(f["reason"] for f in view.flags if f["class"] == "A")
    assert any("sbp" in t["inputs"] for t in view.trace)
    assert not view.critical_follow_up
    rows = client_selectors.health_export_rows(viewer=max_, client=crisis.client)
    values = {r[1]: r[3] for r in rows[1:]}
    assert values["sbp"].startswith("186") and values["dbp"].startswith("124")


def test_the_advisor_pages_show_the_values(crisis: Case, max_: Any, client: Any):
    client.force_login(max_)
    body = client.get(_pages(crisis)["assessment"]).content.decode()
    assert "186" in body and "124" in body
    for reason in _reasons(crisis):
        assert reason in body
