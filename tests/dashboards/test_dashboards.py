"""Role dashboards: what each shows, no health value, and a constant number of queries whatever
the page size and the amount of data (two page sizes x two data sizes)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Case,
    CostAgreement,
    Decision,
    Emergency,
    EmergencyStep,
    FollowUp,
    Referral,
)
from clients.models import Client, Purpose
from healthcheck.core import audit
from healthcheck.core.audit import AuditAction
from tests.assessments.conftest import make_institution
from tests.clients.conftest import grant, make_client, publish_notice

RECOMMENDATIONS = itertools.cycle(("proceed", "refer", "emergency"))
STATES = itertools.cycle(("assessed", "referred", "results_received", "decision_proposed"))
HOMES = {"clara": "home-manager", "max_": "home-advisor", "rita": "home-approver",
         "cora": "home-compliance"}  # fmt: skip


def _referral(case: Case, manager: Any, institution: Any, n: int) -> Referral:
    agreement = CostAgreement.objects.create(
        case=case, payer="bank", approved_by_name="Branch head", recorded_by=manager
    )
    now = timezone.now()
    booked = n % 2 == 0
    return Referral.objects.create(
        case=case, institution=institution, cost_agreement=agreement, issued_by=manager,
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        status="booked" if booked else "attended",
        appointment_at=now - datetime.timedelta(days=2),
        attended_at=None if booked else now - datetime.timedelta(days=20),
    )  # fmt: skip


def _client_with_everything(manager: Any, approver_peer: Any, notice: Any, inst: Any, n: int):
    client = make_client(manager, name=f"测试客户{n}")
    grant(client, manager, notice)
    Client.objects.filter(pk=client.pk).update(next_review_on=timezone.localdate())
    case = Case.objects.create(
        client=client, purpose="loan", created_by=manager, status=next(STATES),
        recommendation=next(RECOMMENDATIONS),
    )  # fmt: skip
    emergency = Emergency.objects.create(
        case=case, client=client, trigger="suicide_risk", opened_by_label="engine"
    )
    EmergencyStep.objects.create(
        emergency=emergency, client=client, kind="contact",
        due_at=timezone.now() + datetime.timedelta(hours=2),
    )  # fmt: skip
    FollowUp.objects.create(
        client=client, case=case, assignee=manager, kind="recheck",
        due_on=timezone.localdate(), dedupe_key=f"test-{n}",
    )  # fmt: skip
    _referral(case, manager, inst, n)
    Decision.objects.create(
        case=case, client=client, outcome="proceed_with_controls", rationale="BP 150/95 cited",
        proposed_by=approver_peer,
    )  # fmt: skip
    audit.record(actor=manager, action=AuditAction.ACCESS_DENIED, target=client, client=client,
                 outcome="denied", reason="test")  # fmt: skip
    audit.record(actor=manager, action=AuditAction.HEALTH_RECORD_EXPORTED, target=client,
                 client=client)  # fmt: skip


@pytest.fixture
def world(clara: Any, carl: Any, ada: Any) -> Any:
    notice = publish_notice(ada)
    institution = make_institution()

    def grow(count: int) -> None:
        start = Client.objects.count()
        for n in range(start, start + count):
            _client_with_everything(clara, carl, notice, institution, n)

    return grow


def _queries(client: Any, url: str, size: int) -> int:
    client.get(url, {"size": size})  # warm caches that a first request fills (keys, perms)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"size": size})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", list(HOMES))
def test_each_dashboard_costs_the_same_queries_at_two_page_sizes_and_two_data_sizes(
    client: Any, request: Any, world: Any, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url = reverse(HOMES[persona])
    world(3)
    small = [_queries(client, url, size) for size in (10, 25)]
    world(14)
    large = [_queries(client, url, size) for size in (10, 25)]

    assert len(set(small + large)) == 1, (small, large)
    assert small[0] <= 30


def test_the_manager_sees_counts_of_each_recommendation_and_every_panel(
    client: Any, clara: Any, world: Any
) -> None:
    world(6)
    client.force_login(clara)

    html = client.get(reverse("home-manager"), {"size": 10}).content.decode()

    for key in ("proceed", "refer", "emergency"):
        assert f'data-testid="recommendation-{key}-count">2<' in html
    for key in ("emergencies", "cases", "overdue", "rechecks", "followups"):
        assert f'data-testid="panel-{key}"' in html
    assert "Urgent medical follow-up required" in html or "需要紧急医疗跟进" in html


def test_lists_are_paginated(client: Any, clara: Any, world: Any) -> None:
    world(12)
    client.force_login(clara)

    first = client.get(reverse("home-manager"), {"size": 10}).content.decode()
    second = client.get(reverse("home-manager"), {"size": 10, "cases-page": 2}).content.decode()

    assert first.count('data-testid="cases-row"') == 10
    assert second.count('data-testid="cases-row"') == 2
    assert 'data-testid="cases-pagination"' in first


@pytest.mark.parametrize("persona", list(HOMES))
def test_no_dashboard_shows_a_health_value_or_a_restricted_trigger(
    client: Any, request: Any, world: Any, persona: str
) -> None:
    world(3)
    client.force_login(request.getfixturevalue(persona))

    html = client.get(reverse(HOMES[persona])).content.decode()

    assert "150/95" not in html
    if persona != "max_":  # only the medical advisor sees what opened an emergency
        assert "Mental-health crisis item" not in html and "suicide_risk" not in html


def test_a_manager_sees_only_own_portfolio(client: Any, carl: Any, world: Any) -> None:
    world(3)
    client.force_login(carl)

    html = client.get(reverse("home-manager")).content.decode()

    assert 'data-testid="cases-row"' not in html
    assert 'data-testid="emergencies-row"' not in html


def test_the_compliance_officer_sees_denials_exports_and_consent_figures(
    client: Any, cora: Any, world: Any
) -> None:
    world(2)
    client.force_login(cora)

    html = client.get(reverse("home-compliance")).content.decode()

    assert html.count('data-testid="denied-row"') >= 2
    assert html.count('data-testid="exports-row"') == 2
    assert 'data-testid="consent-statistics"' in html and 'data-testid="chain-summary"' in html
    assert str(Purpose.HEALTH_CHECK.label) in html or "健康检查" in html
