"""Admin: institutions and notice drafts are edited there; publishing is an audited action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import Notice, Purpose
from tests.clients.conftest import events, notice_text

pytestmark = pytest.mark.django_db


def _publish(client, notice: Notice):
    return client.post(
        reverse("admin:clients_notice_changelist"),
        {"action": "publish_notices", "_selected_action": [notice.pk]},
        follow=True,
    )


def test_the_administrator_publishes_a_notice_from_admin_and_it_is_audited(ada, client):
    notice = Notice.objects.create(purpose=Purpose.HEALTH_CHECK, **notice_text())
    client.force_login(ada)
    _publish(client, notice)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and len(notice.text_sha256) == 64
    [event] = events("notice.published")
    assert event.actor_label == "ada"


def test_publishing_from_admin_names_the_empty_section_and_changes_nothing(ada, client):
    notice = Notice.objects.create(
        purpose=Purpose.HEALTH_CHECK, **{**notice_text(), "recipients_zh": ""}
    )
    client.force_login(ada)
    response = _publish(client, notice)
    assert "recipients_zh" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DRAFT and not events("notice.published")


def test_a_published_notice_is_read_only_in_admin(ada, client, ada_notice):
    client.force_login(ada)
    url = reverse("admin:clients_notice_change", args=[ada_notice.pk])
    response = client.post(url, {**notice_text(tag="changed"), "purpose": "health_check"})
    ada_notice.refresh_from_db()
    assert response.status_code == 403 or "changed" not in ada_notice.purpose_en
    assert ada_notice.purpose_en == "purpose en v"


def test_a_manager_cannot_publish_or_open_notice_admin(clara, client):
    client.force_login(clara)
    assert client.get(reverse("admin:clients_notice_changelist")).status_code == 302
