"""Cases tagged ``consent`` in shared/cases/cases.md."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from clients import selectors, services, tasks
from clients.gate import ConsentRequired
from clients.models import Declaration, Observation
from healthcheck.core.models import OutboxMessage, User
from tests.clients.conftest import events

pytestmark = pytest.mark.django_db

MEDICATION = "Zolpidem-CANARY-31"
PHQ9 = {"1": 1, "2": 2, "3": 1, "4": 0, "5": 1, "6": 0, "7": 1, "8": 0, "9": 1}


@pytest.fixture
def withdrawn_c(clara, client_c, consent_c, django_capture_on_commit_callbacks):
    """C consents; clara records BP 135/85 and a PHQ-9; the re-check is queued but not yet run;
    then C withdraws consent (today)."""
    from tests.clients.conftest import bp_declaration

    with django_capture_on_commit_callbacks(execute=False):
        services.declaration_save(
            actor=clara, client=client_c,
            data=bp_declaration("135", "85", phq9=PHQ9, medications=MEDICATION),
        )  # fmt: skip
    assert OutboxMessage.objects.filter(
        task_name="clients.health_recheck_task", completed_at__isnull=True
    ).exists()
    services.consent_withdraw(actor=clara, consent=consent_c, channel="in_branch")
    return client_c


def _html(response) -> str:
    return response.content.decode()


def _shows_no_health_value(html: str) -> bool:
    # Whole values only: "135" alone could occur inside a random token or uuid.
    markers = (MEDICATION, "135/85", ">135<", ">85<", "135.0000", "61.44")
    return not any(marker in html for marker in markers)


def test_b31_after_withdrawal_no_manager_sees_health_records_in_any_page_or_export(
    clara, client, withdrawn_c
):
    client.force_login(clara)
    c = withdrawn_c.public_id
    for name in ("clients:health-file", "clients:health-export", "clients:declaration-create"):
        response = client.get(reverse(name, args=[c]))
        assert response.status_code == 403, name
        assert 'data-testid="consent-required"' in _html(response)
        assert _shows_no_health_value(_html(response))
    # List, search and detail show identifiers only, and now no active consent.
    for response in (
        client.get(reverse("clients:list")),
        client.post(reverse("clients:list"), {"q": "Zhang Wei"}),
        client.get(reverse("clients:detail", args=[c])),
    ):
        assert response.status_code == 200
        assert _shows_no_health_value(_html(response))
    assert 'data-testid="no-health-consent"' in _html(
        client.get(reverse("clients:detail", args=[c]))
    )
    assert not events("health_record.viewed") and not events("health_record.exported")


def test_b31_selectors_refuse_for_every_reader(clara, withdrawn_c):
    for read in (selectors.health_file_get, selectors.observation_list,
                 selectors.health_export_rows):  # fmt: skip
        with pytest.raises(ConsentRequired):
            read(viewer=clara, client=withdrawn_c)


def test_b31_admin_lists_no_health_rows_after_withdrawal_not_even_to_a_superuser(
    client, withdrawn_c
):
    root = User.objects.create_superuser(username="root", password="pw-root-long-enough")
    client.force_login(root)
    for model in ("declaration", "observation"):
        changelist = client.get(reverse(f"admin:clients_{model}_changelist"))
        assert changelist.status_code == 200
        assert changelist.context["cl"].result_count == 0
    row = Observation.objects.filter(client=withdrawn_c).first()
    change = client.get(reverse("admin:clients_observation_change", args=[row.pk]))
    assert change.status_code in (302, 404)  # "doesn't exist" redirect: nothing shown
    client_page = client.get(reverse("admin:clients_client_change", args=[withdrawn_c.pk]))
    assert _shows_no_health_value(_html(client_page))


def test_b31_the_admin_masks_health_values_while_consent_is_active(
    clara, client, client_c, consent_c
):
    from tests.clients.conftest import bp_declaration

    services.declaration_save(
        actor=clara, client=client_c, data=bp_declaration(medications=MEDICATION)
    )
    root = User.objects.create_superuser(username="root", password="pw-root-long-enough")
    client.force_login(root)
    changelist = client.get(reverse("admin:clients_observation_changelist"))
    assert changelist.context["cl"].result_count == 4
    assert _shows_no_health_value(_html(changelist)) and "•••" in _html(changelist)
    declaration = Declaration.objects.get()
    change = client.get(reverse("admin:clients_declaration_change", args=[declaration.pk]))
    assert MEDICATION not in _html(change)


def test_b31_a_pending_recheck_task_for_c_exits_without_processing(withdrawn_c):
    result = tasks.health_recheck_task.apply(args=[withdrawn_c.pk]).get()
    assert result == "skipped_no_consent"
    withdrawn_c.refresh_from_db()
    assert withdrawn_c.next_review_on is None
    [denied] = events("access.denied", actor_label="system:recheck-scheduler")
    assert denied.details["operation"] == "health.recheck"


def test_b31_the_withdrawal_is_audited_with_actor_and_time(clara, withdrawn_c):
    [event] = events("consent.withdrawn", client_public_id=withdrawn_c.public_id)
    consent = withdrawn_c.consents.get()
    assert event.actor_label == "clara" and event.outcome == "success"
    assert abs((event.occurred_at - consent.withdrawn_at).total_seconds()) < 5
    assert consent.retention_started_at == consent.withdrawn_at


def test_b31_compliance_sees_the_audit_trail_but_no_health_values(cora, client, withdrawn_c):
    client.force_login(cora)
    trail = client.get(reverse("compliance:audit-list"))
    assert trail.status_code == 200
    html = _html(trail)
    assert "consent.withdrawn" in html or "Consent withdrawn" in html or "撤回" in html
    report = client.get(reverse("compliance:client-access", args=[withdrawn_c.public_id]))
    assert report.status_code == 200
    for page in (html, _html(report)):
        assert _shows_no_health_value(page)
    # Health pages stay closed to compliance (out of scope: 404).
    assert client.get(reverse("clients:health-file", args=[withdrawn_c.public_id])).status_code in (
        403,
        404,
    )
    from healthcheck.core.models import AuditEvent

    for event in AuditEvent.objects.filter(client_public_id=withdrawn_c.public_id):
        assert MEDICATION not in str(event.details)
        assert Decimal("135") not in [v for v in event.details.values() if isinstance(v, int)]
