"""The referral letter as a PDF (issue 7): WeasyPrint with a CJK font; the same scope,
capability and consent checks as the printable letter; one audited print per download; served
as a no-store attachment."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from assessments.models import Referral
from clients import services as client_services
from clients.models import Purpose
from tests.assessments.conftest import events

pytestmark = pytest.mark.django_db


def _url(referral: Referral) -> str:
    return reverse("assessments:referral-letter-pdf", args=[referral.public_id])


def _in_chinese(user: Any) -> None:
    user.language = "zh-hans"  # the PDF follows the interface language, like the page
    user.save(update_fields=["language"])


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_letter_pdf_names_the_institution_and_the_items_in_chinese(
    referral: Referral, clara: Any, client: Any
) -> None:
    pytest.importorskip("weasyprint")
    _in_chinese(clara)
    client.force_login(clara)
    response = client.get(_url(referral))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.pdf"')
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000
    text = _text(response.content)
    assert referral.institution.name in text
    labels = [item.name_zh for item in referral.items.all()]
    assert labels and all(label in text.replace("\n", "") for label in labels)
    assert "转诊" in text  # the letter's own Chinese text: the CJK font is embedded


def test_one_download_is_one_audited_print_of_the_letter(
    referral: Referral, clara: Any, client: Any
) -> None:
    pytest.importorskip("weasyprint")
    client.force_login(clara)
    assert client.get(_url(referral)).status_code == 200
    (event,) = events("referral.letter_printed")
    assert event.details.get("format") == "pdf" and event.actor_user_id == clara.pk
    assert event.client_public_id == referral.case.client.public_id
    assert client.get(_url(referral)).status_code == 200
    assert len(events("referral.letter_printed")) == 2  # a second download, a second event


def test_out_of_portfolio_manager_gets_404_and_nothing_is_printed(
    referral: Referral, carl: Any, client: Any
) -> None:
    client.force_login(carl)
    assert client.get(_url(referral)).status_code == 404
    assert not events("referral.letter_printed")


def test_a_role_without_the_referral_capability_gets_403(
    referral: Referral, rita: Any, client: Any
) -> None:
    client.force_login(rita)
    assert client.get(_url(referral)).status_code == 403
    assert not events("referral.letter_printed")


@pytest.mark.parametrize("purpose", [Purpose.HEALTH_CHECK, Purpose.SHARE_WITH_INSTITUTION])
def test_without_consent_the_letter_is_refused_and_not_printed(
    referral: Referral, clara: Any, client: Any, purpose: str
) -> None:
    consent = referral.case.client.consents.get(purpose=purpose, withdrawn_at__isnull=True)
    client_services.consent_withdraw(actor=clara, consent=consent, channel="in_branch")
    client.force_login(clara)
    for url in (_url(referral), reverse("assessments:referral-letter", args=[referral.public_id])):
        response = client.get(url)
        assert response.status_code == 403 and not response.content.startswith(b"%PDF")
    assert not events("referral.letter_printed")
    assert len(events("access.denied")) == 2


def test_the_letter_page_links_to_its_pdf(referral: Referral, clara: Any, client: Any) -> None:
    client.force_login(clara)
    page = client.get(reverse("assessments:referral-letter", args=[referral.public_id]))
    assert f'href="{_url(referral)}"' in page.content.decode()
    assert 'data-testid="letter-pdf"' in page.content.decode()
