"""The explanation's decision date: the LOCAL (Asia/Shanghai) date, in each column's language,
on the page and in the PDF; never the UTC date nor a raw ISO timestamp."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from assessments import explanation
from assessments.models import Case, Decision
from tests.assessments.test_decisions_views import _declined

DECIDED = datetime.datetime(2026, 12, 3, 18, 27, 43, 512000, tzinfo=datetime.UTC)  # 02:27 +08
ZH, EN = "决定日期: 2026年12月4日", "Decided on: Dec. 4, 2026"


def _decided_late_utc(case: Case, clara: Any, rita: Any) -> Decision:
    decision = _declined(case, clara, rita)
    decision.decided_at = DECIDED
    decision.save(update_fields=["decided_at"])
    decision.refresh_from_db()
    return decision


def _no_utc_date(text: str) -> None:
    assert "2026-12-03" not in text and "12月3日" not in text and "Dec. 3" not in text
    assert "T18:27" not in text and "+00:00" not in text


@pytest.mark.parametrize("ui_language", ["zh-hans", "en"])
def test_the_page_shows_the_local_decision_date_in_each_language(
    assessed_case: Case, client: Any, clara: Any, rita: Any, ui_language: str
) -> None:
    decision = _decided_late_utc(assessed_case, clara, rita)
    client.force_login(clara)
    client.cookies["hc_language"] = ui_language
    url = reverse("assessments:decision-explanation", args=[decision.public_id])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=ui_language).content.decode()
    zh_col, en_col = html.split('data-testid="explanation-zh"')[1].split(
        'data-testid="explanation-en"'
    )
    assert ZH in zh_col and EN not in zh_col
    assert EN in en_col and ZH not in en_col
    _no_utc_date(html)


def test_the_context_dates_do_not_depend_on_the_interface_language(
    assessed_case: Case, clara: Any, rita: Any
) -> None:
    decision = _decided_late_utc(assessed_case, clara, rita)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            dates = explanation.context(decision)["decided_on"]
        assert dates == {"zh": "2026年12月4日", "en": "Dec. 4, 2026"}


def test_the_pdf_shows_the_local_decision_date_on_both_sides(
    assessed_case: Case, client: Any, clara: Any, rita: Any
) -> None:
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    decision = _decided_late_utc(assessed_case, clara, rita)
    client.force_login(clara)
    url = reverse("assessments:decision-explanation-pdf", args=[decision.public_id])
    pdf = client.get(url).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = text.replace("\n", " ").replace("  ", " ")
    assert "2026年12月4日" in flat.replace(" ", "") and "Dec. 4, 2026" in flat
    _no_utc_date(flat)
