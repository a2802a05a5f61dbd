"""Referral services: every refusal (audited, nothing changed), issue, moves, suspension."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Case, CostAgreement, InstitutionOffer, Referral
from tests.assessments.conftest import events, items, make_institution


def _issue(case: Case, clara: Any, institution: Any, agreement: Any, **kw: Any) -> Referral:
    return services.referral_issue(
        case=case, actor=clara, institution=institution, items=kw.pop("items", items()),
        cost_agreement=agreement, **kw,
    )  # fmt: skip


def _unchanged(case: Case, reason: str) -> None:
    case.refresh_from_db()
    assert case.status == Case.Status.ASSESSED
    assert not Referral.objects.exists()
    denied = events("referral.issued", outcome="denied")
    assert [e.details["reason"] for e in denied] == [reason]


def test_refuses_a_referral_without_a_cost_agreement(
    assessed_case: Case, clara: Any, institution: Any, sharing: Any
) -> None:
    with pytest.raises(services.ReferralRefused, match="cost agreement"):
        _issue(assessed_case, clara, institution, None)
    _unchanged(assessed_case, "cost_agreement_missing")


def test_refuses_a_referral_to_an_expired_institution(
    assessed_case: Case, clara: Any, notices: Any, agreement: CostAgreement
) -> None:
    from tests.clients.conftest import grant

    expired = make_institution("Old Clinic")
    grant(assessed_case.client, clara, notices["share_with_institution"],
          purpose="share_with_institution", institution=expired)  # fmt: skip
    expired.qualification_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    expired.save()  # expired after the client consented to share with it
    with pytest.raises(services.ReferralRefused):
        _issue(assessed_case, clara, expired, agreement)
    _unchanged(assessed_case, "institution_not_qualified")


def test_refuses_a_referral_to_a_suspended_institution(
    assessed_case: Case, clara: Any, institution: Any, sharing: Any, agreement: Any
) -> None:
    institution.status = "suspended"
    institution.save()
    with pytest.raises(services.ReferralRefused):
        _issue(assessed_case, clara, institution, agreement)
    _unchanged(assessed_case, "institution_not_qualified")


def test_refuses_a_referral_without_sharing_consent_for_that_institution(
    assessed_case: Case, clara: Any, sharing: Any, agreement: Any
) -> None:
    other = make_institution("Huashan Check-up")  # consent names the first institution only
    with pytest.raises(services.ReferralRefused, match="consented"):
        _issue(assessed_case, clara, other, agreement)
    _unchanged(assessed_case, "sharing_consent_missing")


def test_refuses_items_the_institution_does_not_offer(
    assessed_case: Case, clara: Any, institution: Any, sharing: Any, agreement: Any
) -> None:
    InstitutionOffer.objects.filter(institution=institution, item__code="ecg").delete()
    with pytest.raises(services.ReferralRefused):
        _issue(assessed_case, clara, institution, agreement, items=items("vitals", "ecg"))
    _unchanged(assessed_case, "items_not_offered")


def test_issues_a_referral_and_refers_the_case(referral: Referral, assessed_case: Case) -> None:
    assessed_case.refresh_from_db()
    assert assessed_case.status == Case.Status.REFERRED
    assert referral.status == Referral.Status.ISSUED
    assert sorted(referral.items.values_list("code", flat=True)) == ["fasting_glucose", "vitals"]
    (event,) = events("referral.issued", outcome="success")
    assert event.details["items"] == ["vitals", "fasting_glucose"]
    assert events("case.referred")


def test_a_restricted_item_is_named_restricted_in_the_audit_trail(
    assessed_case: Case, clara: Any, institution: Any, sharing: Any, agreement: Any
) -> None:
    referral = _issue(assessed_case, clara, institution, agreement, items=items("vitals", "phq9"))
    assert sorted(referral.items.values_list("code", flat=True)) == ["phq9", "vitals"]
    (event,) = events("referral.issued", outcome="success")
    assert sorted(event.details["items"]) == ["restricted", "vitals"]


def test_a_cost_agreement_serves_one_referral_only(
    referral: Referral, assessed_case: Case, clara: Any, institution: Any
) -> None:
    with pytest.raises(services.ReferralRefused):
        _issue(assessed_case, clara, institution, referral.cost_agreement)
    assert Referral.objects.count() == 1


def test_split_cost_agreement_needs_a_cap(assessed_case: Case, clara: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.cost_agreement_record(
            case=assessed_case, actor=clara, payer="split", approved_by_name="Li"
        )
    assert not CostAgreement.objects.exists()


def test_referral_moves_book_attend_and_refuses_going_back(referral: Referral, clara: Any) -> None:
    from django.core.exceptions import ValidationError

    when = timezone.now() + datetime.timedelta(days=2)
    services.referral_move(referral=referral, move="book", actor=clara, appointment_at=when)
    services.referral_move(referral=referral, move="attend", actor=clara)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ATTENDED and referral.attended_at
    with pytest.raises(ValidationError):
        services.referral_move(referral=referral, move="decline", actor=clara)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ATTENDED
    assert events("referral.booked") and events("referral.attended")
    assert events("referral.declined_by_client", outcome="denied")


def test_daily_task_suspends_expired_institutions_and_flags_open_referrals(
    referral: Referral, institution: Any, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    referral.case.client.manager.email = "clara@bank.example"
    referral.case.client.manager.save()
    institution.qualification_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    institution.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.institutions_suspend_expired() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.institutions_suspend_expired() == 0  # idempotent
    institution.refresh_from_db()
    referral.refresh_from_db()
    assert institution.status == "suspended" and referral.institution_flagged_at
    assert len(mailoutbox) == 1
    assert str(referral.public_id) in mailoutbox[0].body
    assert events("institution.suspended") and events("referral.flagged")
