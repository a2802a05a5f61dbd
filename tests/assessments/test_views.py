"""Views: scope (out of portfolio 404), capabilities (403), and a denied POST changes nothing."""

from __future__ import annotations

from typing import Any

from assessments.models import Case, Opinion, Referral


def test_out_of_portfolio_manager_gets_404_on_the_case(
    assessed_case: Case, carl: Any, client: Any
) -> None:
    client.force_login(carl)
    assert client.get(f"/health-check/cases/{assessed_case.public_id}/").status_code == 404


def test_denied_withdraw_by_the_advisor_changes_nothing(
    assessed_case: Case, max_: Any, client: Any
) -> None:
    client.force_login(max_)
    url = f"/health-check/cases/{assessed_case.public_id}/action/"
    assert client.post(url, {"action": "withdraw"}).status_code == 404  # not in scope yet
    assessed_case.refresh_from_db()
    assert assessed_case.status == Case.Status.ASSESSED


def test_manager_cannot_post_an_opinion(referral: Referral, clara: Any, client: Any) -> None:
    client.force_login(clara)
    url = f"/health-check/cases/{referral.case.public_id}/review/"
    assert client.post(url, {"interpretation": "x"}).status_code == 403
    assert not Opinion.objects.exists()


def test_case_page_offers_only_allowed_actions(
    assessed_case: Case, clara: Any, client: Any
) -> None:
    client.force_login(clara)
    page = client.get(f"/health-check/cases/{assessed_case.public_id}/").content.decode()
    assert 'data-testid="action-refer"' in page and 'data-testid="action-collect"' not in page


def test_referral_form_preselects_recommended_items(
    assessed_case: Case, clara: Any, client: Any, institution: Any
) -> None:
    client.force_login(clara)
    page = client.get(f"/health-check/cases/{assessed_case.public_id}/refer/").content.decode()
    assert 'value="vitals"' not in page  # items are chosen by id, labelled by name
    assert page.count("checked") >= 3  # base items + BP findings + insurance items


def test_letter_renders_and_its_printing_is_audited(
    referral: Referral, clara: Any, client: Any
) -> None:
    from tests.assessments.conftest import events

    client.force_login(clara)
    response = client.get(f"/health-check/referrals/{referral.public_id}/letter/")
    assert response.status_code == 200 and b"Branch head Li" in response.content
    assert events("referral.letter_printed")
