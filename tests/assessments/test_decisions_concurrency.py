"""Case B21 (decisions): two approvers act on the same proposal at the same moment, on two
PostgreSQL connections. Exactly one wins; the other gets "already decided"; one decision, one
audit entry, one notification."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from assessments import services
from assessments.models import Case, Decision, InboxMessage
from assessments.workflow import TransitionNotAllowed
from healthcheck.core.models import AuditEvent
from tests.assessments.decide import assessed_client_case, proposal, second_approver
from tests.harness.services import requires_service


@pytest.mark.django_db(transaction=True)
def test_b21_two_approvers_at_once_make_exactly_one_decision(
    clara: Any, rita: Any, ada: Any, max_: Any
) -> None:
    requires_service("PostgreSQL", connection.vendor == "postgresql", "two connections at once")
    rob = second_approver()
    case = assessed_client_case(clara, ada)
    decision = services.decision_propose(case=case, actor=clara, proposal=proposal(case))
    version = Case.objects.get(pk=case.pk).version
    barrier, outcomes = threading.Barrier(2), {}

    def approve(user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            services.decision_approve(decision=decision, actor=user, expected_version=version)
            outcomes[user.username] = "won"
        except (services.VersionConflict, TransitionNotAllowed, services.DecisionRefused):
            outcomes[user.username] = "already decided"
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (rita, rob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["already decided", "won"]
    decision.refresh_from_db()
    winner = next(name for name, result in outcomes.items() if result == "won")
    assert decision.status == Decision.Status.APPROVED and decision.decided_by.username == winner
    assert Case.objects.get(pk=case.pk).status == Case.Status.DECIDED
    assert AuditEvent.objects.filter(action="decision.approved", outcome="success").count() == 1
    assert InboxMessage.objects.filter(kind="decision_decided").count() == 1
