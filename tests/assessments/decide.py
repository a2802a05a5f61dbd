"""Helpers for the decision, emergency and follow-up tests: a second approver, products,
proposals, frozen time, and clients whose readings trigger the emergency protocol."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from assessments import services
from assessments.models import Case, Product
from assessments.services import Proposal
from assessments.services.decisions import case_findings
from clients import services as client_services
from healthcheck.core.roles import Role
from tests.clients.conftest import bp_declaration, grant, make_client, publish_notice


def second_approver() -> Any:
    from tests.conftest import _persona

    return _persona("rob", Role.RISK_APPROVER)


def product(code: str = "term-life", line: str = "insurance", policy: str = "allowed") -> Product:
    return Product.objects.create(
        code=code, name_en=code, name_zh=code, business_line=line, health_policy=policy
    )


def finding_keys(case: Case) -> list[str]:
    return [f.key for f in case_findings(case)]


def proposal(case: Case, outcome: str = "decline", **extra: Any) -> Proposal:
    cited = [k for k in finding_keys(case) if "blood_pressure" in k][:1]
    values: dict[str, Any] = {
        "outcome": outcome,
        "rationale": "Grade 2 hypertension untreated.",
        "cited": cited,
        "override_reason": "",
    }
    if outcome == "proceed_with_controls":
        values["controls"] = ({"kind": "premium_loading", "parameter": "+50%"},)
    if outcome == "postpone":
        values["postpone_until"] = timezone.localdate() + datetime.timedelta(days=90)
    return Proposal(**(values | extra))


def freeze(monkeypatch: Any, moment: datetime.datetime) -> None:
    """Freeze ``timezone.now`` (and so ``localdate``) at ``moment`` for every service."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def assessed_client_case(
    manager: Any, admin: Any, sbp: str = "150", dbp: str = "95", **declaration: Any
) -> Case:
    """A new client of ``manager`` with consent and a declaration, assessed once."""
    client = make_client(manager, name="Li Na")
    grant(client, manager, publish_notice(admin, tag=f"t{sbp}{dbp}{len(declaration)}"))
    data = bp_declaration(sbp, dbp, **declaration)
    client_services.declaration_save(actor=manager, client=client, data=data)
    case = services.case_create(actor=manager, client=client, purpose="insurance")
    services.case_collect(case=case, actor=manager)
    services.assessment_run(case=case, actor=manager)
    case.refresh_from_db()
    return case
