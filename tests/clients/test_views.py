"""Pages: list and exact search, creation, consent capture and withdrawal, health file, export,
reassignment, and the consent-required message."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import selectors, services
from clients.models import Client, Consent, Declaration
from healthcheck.core.models import User
from healthcheck.core.roles import Role
from tests.clients.conftest import PDF, bp_declaration, events, make_client
from tests.clients.forms_data import client_post

pytestmark = pytest.mark.django_db


def test_clara_creates_a_client_and_lands_on_its_page(clara, client):
    client.force_login(clara)
    response = client.post(reverse("clients:create"), client_post())
    new = Client.objects.get()
    assert response.url == reverse("clients:detail", args=[new.public_id])
    assert new.manager == clara and new.national_id == "11010519491231002X"
    assert events("client.created")[0].actor_label == "clara"


@pytest.mark.parametrize(
    "term", ["Li Na", "  li   na ", "11010519491231002x", "110105 19491231002X"]
)
def test_search_finds_the_exact_name_or_national_id_through_the_blind_index(clara, client, term):
    client.force_login(clara)
    client.post(reverse("clients:create"), client_post())
    make_client(clara, name="Li Nan")
    page = client.post(reverse("clients:list"), {"q": term}).context["page"]
    assert [c.name for c in page] == ["Li Na"]


def test_a_search_without_match_says_so_instead_of_an_empty_table(clara, client):
    client.force_login(clara)
    make_client(clara, name="Li Na")
    response = client.post(reverse("clients:list"), {"q": "Li"})
    assert 'data-testid="no-match"' in response.content.decode()


def test_search_never_reaches_another_portfolio(clara, carl, client):
    make_client(carl, name="Li Na")
    client.force_login(clara)
    assert not client.post(reverse("clients:list"), {"q": "Li Na"}).context["page"].object_list


def test_the_list_is_paginated_with_a_constant_number_of_queries(
    clara, client, django_assert_max_num_queries
):
    for i in range(selectors.PAGE_SIZE + 3):
        make_client(clara, name=f"Client {i}")
    client.force_login(clara)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("clients:list"))
    assert len(first.context["page"].object_list) == selectors.PAGE_SIZE
    second = client.get(reverse("clients:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 3


def test_a_search_and_its_pages_keep_the_term_out_of_every_url(clara, client):
    for _ in range(selectors.PAGE_SIZE + 2):
        make_client(clara, name="Wang Fang")
    client.force_login(clara)
    first = client.post(reverse("clients:list"), {"q": "Wang Fang"})
    html = first.content.decode()
    assert len(first.context["page"].object_list) == selectors.PAGE_SIZE
    # The next page is a POST button carrying the term in the body, never a link with it.
    assert 'name="page" value="2"' in html and "q=" not in html
    assert "Wang+Fang" not in html and "Wang%20Fang" not in html
    second = client.post(reverse("clients:list"), {"q": "Wang Fang", "page": "2"})
    assert len(second.context["page"].object_list) == 2
    # A term in the query string is not a search: the portfolio is listed as it is.
    make_client(clara, name="Li Lei")
    listed = client.get(reverse("clients:list"), {"q": "Wang Fang"}).context["page"]
    assert listed.paginator.count == selectors.PAGE_SIZE + 3 and listed.number == 1


def test_consent_is_captured_against_the_notice_shown(clara, client, client_c, ada_notice):
    client.force_login(clara)
    url = reverse("clients:consent-create", args=[client_c.public_id]) + "?purpose=health_check"
    page = client.get(url)
    assert ada_notice.text_sha256 in page.content.decode()
    data = {
        "notice_sha256": ada_notice.text_sha256, "channel": "in_branch",
        "expires_on": "2031-01-01", "confirmed": "on",
        "evidence": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.notice_sha256 == ada_notice.text_sha256 and consent.witnessed_by == clara


def test_consent_without_the_explicit_confirmation_is_not_recorded(
    clara, client, client_c, ada_notice
):
    client.force_login(clara)
    url = reverse("clients:consent-create", args=[client_c.public_id]) + "?purpose=health_check"
    data = {
        "notice_sha256": ada_notice.text_sha256, "channel": "in_branch",
        "expires_on": "2031-01-01",
        "evidence": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    response = client.post(url, data)
    assert 'id="error_1_id_confirmed"' in response.content.decode()
    assert not Consent.objects.exists()


def test_withdrawal_is_one_post_from_the_client_page(clara, client, client_c, consent_c):
    client.force_login(clara)
    detail = client.get(reverse("clients:detail", args=[client_c.public_id])).content.decode()
    assert detail.count('data-testid="withdraw-consent"') == 1
    url = reverse("clients:consent-withdraw", args=[client_c.public_id, consent_c.public_id])
    assert client.post(url, {"channel": "remote"}).status_code == 302
    consent_c.refresh_from_db()
    assert consent_c.withdrawn_at is not None and consent_c.withdrawal_channel == "remote"


def test_without_consent_the_health_pages_explain_and_link_to_consent(clara, client, client_c):
    client.force_login(clara)
    for name in ("clients:declaration-create", "clients:health-file", "clients:health-export"):
        response = client.get(reverse(name, args=[client_c.public_id]))
        assert response.status_code == 403
        html = response.content.decode()
        assert 'data-testid="record-consent-link"' in html


def test_the_health_file_shows_bmi_and_blood_pressure(clara, client, client_c, consent_c):
    services.declaration_save(actor=clara, client=client_c, data=bp_declaration("140", "90"))
    client.force_login(clara)
    html = client.get(reverse("clients:health-file", args=[client_c.public_id])).content.decode()
    assert 'data-testid="bmi">24.0 kg/m²' in html
    assert 'data-testid="bp-value">140/90' in html


def test_the_export_is_csv_and_audited(clara, client, client_c, consent_c):
    services.declaration_save(actor=clara, client=client_c, data=bp_declaration())
    client.force_login(clara)
    response = client.get(reverse("clients:health-export", args=[client_c.public_id]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("effective_at,kind,loinc_code,value") and len(lines) == 5
    [event] = events("health_record.exported")
    assert event.actor_label == "clara" and event.client_public_id == client_c.public_id


def test_icd10_search_returns_json(clara, client):
    client.force_login(clara)
    data = client.post(reverse("clients:icd10-search"), {"q": "I10"}).json()
    assert data["results"][0]["code"] == "I10"


def test_icd10_search_refuses_get_so_typed_conditions_stay_out_of_urls(clara, client):
    client.force_login(clara)
    assert client.get(reverse("clients:icd10-search"), {"q": "I10"}).status_code == 405


# -- reassignment ----------------------------------------------------------------------------


@pytest.fixture
def supervisor(db) -> User:
    boss = User.objects.create_user(username="sam", password="pw-sam")
    boss.groups.add(Group.objects.get(name=Role.CLIENT_MANAGER))
    return boss


def test_a_supervisor_reassigns_a_client_of_the_team_and_it_is_audited(
    clara, carl, supervisor, client, client_c
):
    clara.supervisor = carl.supervisor = supervisor
    clara.save(), carl.save()
    client.force_login(supervisor)
    url = reverse("clients:reassign", args=[client_c.public_id])
    assert client.post(url, {"new_manager": carl.pk}).status_code == 302
    client_c.refresh_from_db()
    assert client_c.manager == carl
    [event] = events("client.reassigned")
    assert event.details == {"from_manager_id": clara.pk, "to_manager_id": carl.pk}


def test_a_manager_who_is_not_the_supervisor_cannot_reassign(clara, carl, client, client_c):
    client.force_login(carl)
    url = reverse("clients:reassign", args=[client_c.public_id])
    assert client.post(url, {"new_manager": carl.pk}).status_code == 404
    client_c.refresh_from_db()
    assert client_c.manager == clara and not events("client.reassigned", outcome="success")
    with pytest.raises(Exception) as caught:
        services.client_reassign(actor=carl, client=client_c, new_manager=carl)
    assert type(caught.value).__name__ == "PermissionDenied"
    assert events("client.reassigned", outcome="denied")


def test_declaration_page_saves_a_new_version(clara, client, client_c, consent_c):
    from tests.clients.forms_data import declaration_post

    client.force_login(clara)
    url = reverse("clients:declaration-create", args=[client_c.public_id])
    client.post(url, declaration_post())
    client.post(url, declaration_post(**{"bp-0-systolic": "150"}))
    assert list(Declaration.objects.values_list("version", flat=True).order_by("version")) == [
        1,
        2,
    ]
