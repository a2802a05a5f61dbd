"""Fixtures for the clients tests: published notices, clients, consents, declarations."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from clients import services
from clients.models import NOTICE_LANGUAGES, NOTICE_SECTIONS, Client, Consent, Notice, Purpose
from healthcheck.core import audit, keys
from healthcheck.core.models import AuditEvent

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
NOW = timezone.now


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    keys.reset_state()


def notice_text(purpose: str = Purpose.HEALTH_CHECK, tag: str = "v") -> dict[str, str]:
    values = {}
    for name, _label in NOTICE_SECTIONS:
        for _code, suffix in NOTICE_LANGUAGES:
            values[f"{name}_{suffix}"] = f"{name} {suffix} {tag}"
    values.update(title_zh=f"健康信息处理告知书 {tag}", title_en=f"Health data notice {tag}")
    return values


def publish_notice(actor: Any, purpose: str = Purpose.HEALTH_CHECK, tag: str = "v") -> Notice:
    notice = Notice.objects.create(purpose=purpose, **notice_text(purpose, tag))
    return services.notice_publish(actor=actor, notice=notice)


def make_client(manager: Any, name: str = "Zhang Wei", **extra: Any) -> Client:
    values: dict[str, Any] = {
        "sex": Client.Sex.MALE,
        "id_type": Client.IdType.PASSPORT,
        "national_id": None,
        "date_of_birth": datetime.date(1975, 3, 2),
    }
    values.update(extra)
    return services.client_create(actor=manager, manager=manager, name=name, **values)


def grant(
    client: Client, actor: Any, notice: Notice, purpose: str = Purpose.HEALTH_CHECK, **extra: Any
) -> Consent:
    return services.consent_record(
        actor=actor, client=client, purpose=purpose, notice=notice,
        notice_sha256=notice.text_sha256, channel=Consent.Channel.IN_BRANCH,
        expires_at=NOW() + datetime.timedelta(days=365), evidence_name="signed.pdf",
        evidence_data=PDF, **extra,
    )  # fmt: skip


def bp_declaration(
    sbp: str = "135", dbp: str = "85", phq9: dict | None = None, **extra: Any
) -> services.DeclarationInput:
    import uuid

    when = NOW() - datetime.timedelta(minutes=5)
    reading = uuid.uuid4()
    items = [
        services.ObservationInput("height", Decimal("160"), "cm", when),
        services.ObservationInput("weight", Decimal("61.44"), "kg", when),
        services.ObservationInput("sbp", Decimal(sbp), "mm[Hg]", when, reading),
        services.ObservationInput("dbp", Decimal(dbp), "mm[Hg]", when, reading),
    ]
    values = {
        "self_rated_health": "good", "smoking": "never", "alcohol": "occasional",
        "medications": "Amlodipine 5 mg", "measured_at": when, "observations": items,
        "phq9": phq9,
    }  # fmt: skip
    return services.DeclarationInput(**{**values, **extra})


@pytest.fixture
def ada_notice(ada: Any) -> Notice:
    return publish_notice(ada)


@pytest.fixture
def client_c(clara: Any) -> Client:
    """Clara's client."""
    return make_client(clara)


@pytest.fixture
def consent_c(client_c: Client, clara: Any, ada_notice: Notice) -> Consent:
    return grant(client_c, clara, ada_notice)


def events(action: str, **filters: Any) -> list[AuditEvent]:
    """Audit events of ``action``; denials deferred past a rolled-back transaction (SQLite) are
    written first, as the end of a request or task would."""
    audit.flush_deferred()
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("pk"))


PHQ9_ITEM9 = {str(i): 0 for i in range(1, 9)} | {"9": 2}
