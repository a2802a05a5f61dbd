"""Compliance pages: search, keyset pagination, CSV export, access report, chain status."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from healthcheck.core import audit, compliance
from healthcheck.core.models import AuditEvent, OutboxMessage

COMPLIANCE_URLS = [
    ("compliance:audit-list", []),
    ("compliance:audit-export", []),
    ("compliance:client-access", [uuid.uuid4()]),
    ("compliance:chain", []),
]


def listed(response) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(response.context["page"].events)


@pytest.fixture
def trail(clara, carl, max_) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A small trail: clara reads a client twice, carl is refused, max changes something."""
    client_id = uuid.uuid4()
    audit.record_read(clara, client_id, "observations", "loan")
    audit.record_read(clara, client_id, "declaration", "loan", case="case-1")
    audit.record_denied(actor=carl, action="access.out_of_scope", client=client_id)
    audit.record(actor=max_, action="client.changed", client=uuid.uuid4())
    return client_id


@pytest.mark.parametrize(("name", "args"), COMPLIANCE_URLS)
@pytest.mark.parametrize("persona", ["clara", "ada"])
def test_only_compliance_may_open_the_compliance_pages(client, request, persona, name, args):
    client.force_login(request.getfixturevalue(persona))
    before = AuditEvent.objects.exclude(action="access.denied").count()
    assert client.get(reverse(name, args=args)).status_code == 403
    assert AuditEvent.objects.exclude(action="access.denied").count() == before


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, 4),
        ({"user": "clara"}, 2),
        ({"action": "access.out_of_scope"}, 1),
        ({"outcome": "denied"}, 1),
        ({"client": "TRAIL"}, 3),
        ({"client": "TRAIL", "user": "clara", "outcome": "success"}, 2),
        ({"date_from": "TODAY", "date_to": "TODAY"}, 4),
        ({"date_to": "YESTERDAY"}, 0),
    ],
)
def test_the_audit_search_filters(client, cora, trail, query, expected):
    today = timezone.localdate()
    values = {"TRAIL": str(trail), "TODAY": str(today), "YESTERDAY": str(today - timedelta(1))}
    query = {key: values.get(value, value) for key, value in query.items()}
    client.force_login(cora)
    response = client.get(reverse("compliance:audit-list"), query)
    assert response.status_code == 200
    found = [e for e in listed(response) if e.action != "user.logged_in"]
    assert len(found) == expected


def test_keyset_pages_walk_every_event_once_newest_first(client, cora):
    for i in range(2 * compliance.PAGE_SIZE + 20):
        audit.record(actor="system:audit-sealer", action="client.changed", n=i)
    client.force_login(cora)
    seen, cursor, queries = [], "", []
    while True:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                reverse("compliance:audit-list"), {"action": "client.changed", "cursor": cursor}
            )
        queries.append(len(captured))
        seen += [e.details["n"] for e in listed(response)]
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    assert seen == list(reversed(range(2 * compliance.PAGE_SIZE + 20)))
    assert len(set(queries)) == 1  # the same queries on the first page and the deepest


def test_the_csv_export_neutralises_formulas(client, cora):
    audit.record(actor=cora, action="client.changed", purpose="=HYPERLINK(1)")
    client.force_login(cora)
    response = client.get(reverse("compliance:audit-export"))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"] == "text/csv"
    assert "attachment;" in response["Content-Disposition"]
    assert "'=HYPERLINK(1)" in body


def test_the_access_report_lists_who_read_and_who_was_refused(client, cora, trail):
    client.force_login(cora)
    response = client.get(reverse("compliance:client-access", args=[trail]))
    assert response.status_code == 200
    readers = response.context["readers"]
    assert [(r["actor_label"], r["reads"]) for r in readers] == [("clara", 2)]
    assert sorted(e.actor_label for e in listed(response)) == ["carl", "clara", "clara"]
    assert "case-1" in response.content.decode()
    [viewed] = AuditEvent.objects.filter(action="audit.access_report_viewed")
    assert (viewed.actor_label, viewed.client_public_id) == ("cora", trail)


def test_the_chain_page_shows_seal_counts_and_seal_now_queues_a_run(client, cora, trail):
    client.force_login(cora)
    response = client.get(reverse("compliance:chain"))
    assert response.status_code == 200
    status = response.context["status"]
    assert (status.seals, status.unsealed_events) == (0, AuditEvent.objects.count())
    response = client.post(reverse("compliance:seal-now"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="audit.seal_requested", actor_label="cora").exists()
    assert OutboxMessage.objects.filter(task_name="core.audit_seal_task").exists()
