"""Fixtures for the assessments tests: a consented client with a declaration, a qualified
institution offering the catalogue, a sharing consent, and cases at each step."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Case, CheckupItem, CostAgreement, InstitutionOffer
from clients import services as client_services
from clients.models import Client, Institution, Purpose
from healthcheck.core import audit, keys
from healthcheck.core.models import AuditEvent
from tests.clients.conftest import PDF, bp_declaration, grant, make_client, publish_notice

__all__ = ["PDF"]


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    keys.reset_state()


def events(action: str, **filters: Any) -> list[AuditEvent]:
    audit.flush_deferred()
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("pk"))


def make_institution(name: str = "Ruijin Health Centre", **extra: Any) -> Institution:
    values = {
        "licence_number": f"PDY-{name[:6]}",
        "qualification_expires_on": timezone.localdate() + datetime.timedelta(days=365),
    } | extra
    institution = Institution.objects.create(name=name, **values)
    for item in CheckupItem.objects.all():
        InstitutionOffer.objects.create(institution=institution, item=item)
    return institution


@pytest.fixture
def notices(ada: Any) -> dict[str, Any]:
    return {
        Purpose.HEALTH_CHECK: publish_notice(ada),
        Purpose.SHARE_WITH_INSTITUTION: publish_notice(ada, Purpose.SHARE_WITH_INSTITUTION),
    }


@pytest.fixture
def institution(db: Any) -> Institution:
    return make_institution()


@pytest.fixture
def client_c(clara: Any, notices: dict) -> Client:
    """Clara's client with a health-check consent and a declaration (BP 150/95)."""
    client = make_client(clara)
    grant(client, clara, notices[Purpose.HEALTH_CHECK])
    client_services.declaration_save(actor=clara, client=client, data=bp_declaration("150", "95"))
    return client


@pytest.fixture
def sharing(client_c: Client, clara: Any, notices: dict, institution: Institution) -> Any:
    return grant(
        client_c, clara, notices[Purpose.SHARE_WITH_INSTITUTION],
        purpose=Purpose.SHARE_WITH_INSTITUTION, institution=institution,
    )  # fmt: skip


@pytest.fixture
def draft_case(client_c: Client, clara: Any) -> Case:
    return services.case_create(actor=clara, client=client_c, purpose="insurance")


@pytest.fixture
def assessed_case(draft_case: Case, clara: Any) -> Case:
    services.case_collect(case=draft_case, actor=clara)
    services.assessment_run(case=draft_case, actor=clara)
    draft_case.refresh_from_db()
    return draft_case


@pytest.fixture
def agreement(assessed_case: Case, clara: Any) -> CostAgreement:
    return services.cost_agreement_record(
        case=assessed_case, actor=clara, payer="split", cap=Decimal("800"),
        approved_by_name="Branch head Li",
    )  # fmt: skip


def items(*codes: str) -> list[CheckupItem]:
    return list(CheckupItem.objects.filter(code__in=codes or ("vitals", "fasting_glucose")))


@pytest.fixture
def referral(assessed_case: Case, clara: Any, institution: Institution, sharing: Any,
             agreement: CostAgreement) -> Any:  # fmt: skip
    return services.referral_issue(
        case=assessed_case, actor=clara, institution=institution, items=items(),
        cost_agreement=agreement,
    )  # fmt: skip
