"""The client's explanation of an adverse or conditional decision (FAIR-04, CN-12), in
Simplified Chinese and English side by side, and its PDF (WeasyPrint, CJK via Noto/WQY fonts).

Fixed texts and per-finding reasons are data (``data/explanation.json``,
``data/interventions.json``): the explanation is bilingual by design, whatever the interface
language, and does not depend on the state of the UI catalogues.
"""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import formats, timezone, translation

from assessments import findings as fnd
from assessments import pdf
from assessments.models import Decision

TEXTS_PATH = Path(__file__).parent / "data" / "explanation.json"
LANGS = (("zh", "zh-hans"), ("en", "en"))


@functools.cache
def fixed_texts() -> dict[str, Any]:
    return json.loads(TEXTS_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Column:
    lang: str  # "zh" | "en"
    html_lang: str
    text: dict[str, str]
    outcome: str
    controls: list[str]
    postponed_until: str
    reasons: list[str]
    changes: list[str]


def _day(value: Any, lang: str) -> str:
    """A date, or the LOCAL date (current time zone, Asia/Shanghai) of an aware datetime, in the
    column's language: Django's DATE_FORMAT of that locale ("2026年12月4日", "Dec. 4, 2026"),
    whatever the interface language. Never a UTC date or a raw ISO timestamp."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    with translation.override(dict(LANGS)[lang]):
        return formats.date_format(value, "DATE_FORMAT")


def _measure(key: str) -> str:
    kind, _sep, rest = key.partition(":")
    return rest if kind in ("flag", "band") else "_default"


def _column(decision: Decision, lang: str, html_lang: str) -> Column:
    fixed = fixed_texts()
    cited = [k for k in (decision.cited_findings or []) if fnd.restricted_class(k) is None]
    measures = list(dict.fromkeys(_measure(k) for k in cited))
    controls = [
        f"{fixed['controls'][c['kind']][lang]}: {c['parameter']}"
        for c in (decision.controls or [])
        if c.get("kind") in fixed["controls"]
    ]
    return Column(
        lang=lang, html_lang=html_lang,
        text={k: v[lang] for k, v in fixed.items() if isinstance(v, dict) and lang in v},
        outcome=fixed["outcomes"][decision.outcome][lang], controls=controls,
        postponed_until=_day(decision.postpone_until, lang),
        reasons=[fnd.text_for(m)["reason"][lang] for m in measures],
        changes=[fnd.text_for(m)["change"][lang] for m in measures],
    )  # fmt: skip


def columns(decision: Decision) -> list[Column]:
    """One column per language (Chinese first)."""
    return [_column(decision, lang, html_lang) for lang, html_lang in LANGS]


def context(decision: Decision) -> dict[str, Any]:
    return {
        "decision": decision,
        "columns": columns(decision),
        "decided_on": {lang: _day(decision.decided_at, lang) for lang, _h in LANGS},
    }


def render_pdf(decision: Decision) -> bytes:
    """The explanation as PDF bytes (A4, both languages). Raises ImportError without
    WeasyPrint (pinned in requirements.txt)."""
    with translation.override("zh-hans"):
        return pdf.render_pdf(
            "assessments/decision_explanation_pdf.html", context(decision),
            stylesheet="explanation.css",
        )  # fmt: skip
