"""Navigation: the manager reaches follow-ups from the menu and a client's cases from the client
page; the two health pages have different titles and link to each other."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation


def _text(name: str) -> str:
    with translation.override("zh-hans"):
        return str(translation.gettext(name))


def test_manager_menu_links_follow_ups_not_the_advisors_emergencies(clara: Any, client: Any):
    client.force_login(clara)
    page = client.get(reverse("home-manager")).content.decode()
    assert reverse("assessments:follow-up-inbox") in page
    assert reverse("assessments:emergency-list") not in page


def test_advisor_menu_links_emergencies(max_: Any, client: Any):
    client.force_login(max_)
    page = client.get(reverse("home-advisor")).content.decode()
    assert reverse("assessments:emergency-list") in page


def test_client_page_links_cases_and_both_health_pages(consent_c: Any, clara: Any, client: Any):
    client_row = consent_c.client
    client.force_login(clara)
    page = client.get(reverse("clients:detail", args=[client_row.public_id])).content.decode()
    assert reverse("assessments:case-list", args=[client_row.public_id]) in page
    assert reverse("clients:health-file", args=[client_row.public_id]) in page
    assert reverse("assessments:health-file", args=[client_row.public_id]) in page


def test_health_records_and_health_file_are_different_pages_linked_to_each_other(
    consent_c: Any, clara: Any, client: Any
):
    public_id = consent_c.client.public_id
    client.force_login(clara)
    records = client.get(reverse("clients:health-file", args=[public_id])).content.decode()
    timeline = client.get(reverse("assessments:health-file", args=[public_id])).content.decode()
    assert f"<title>{_text('Health records')}" in records
    assert f"<title>{_text('Health file')}" in timeline
    assert reverse("assessments:health-file", args=[public_id]) in records
    assert reverse("clients:health-file", args=[public_id]) in timeline
