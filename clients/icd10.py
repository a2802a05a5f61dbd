"""ICD-10 reference data for medical-history entries: chapters, common categories, search, and
the restricted class. Data and provenance: ``clients/data/icd10_common.json``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA_FILE = Path(__file__).resolve().parent / "data" / "icd10_common.json"
# A three-character category, optionally with a subdivision: I10, E11.9, K76.0.
CODE_RE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Chapter:
    number: str
    first: str
    last: str
    en: str
    zh: str

    def contains(self, category: str) -> bool:
        return self.first <= category <= self.last

    def title(self) -> str:
        return _localised(self.en, self.zh)


@dataclass(frozen=True)
class Category:
    code: str
    en: str
    zh: str
    chapter: str
    is_restricted: bool

    def title(self) -> str:
        return _localised(self.en, self.zh)


def _localised(en: str, zh: str) -> str:
    return zh if (get_language() or "").startswith("zh") else en


@cache
def _data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def chapters() -> tuple[Chapter, ...]:
    return tuple(Chapter(**c) for c in _data()["chapters"])


@cache
def categories() -> tuple[Category, ...]:
    return tuple(
        Category(
            code=c["code"],
            en=c["en"],
            zh=c["zh"],
            chapter=chapter_of(c["code"]).number,
            is_restricted=is_restricted(c["code"]),
        )
        for c in _data()["categories"]
    )


def normalise(code: str) -> str:
    """Upper-case, without spaces; 'e119' becomes 'E11.9'."""
    text = re.sub(r"\s", "", code or "").upper()
    if len(text) > 3 and "." not in text:
        text = f"{text[:3]}.{text[3:]}"
    return text


def is_valid(code: str) -> bool:
    """A well-formed code whose category falls in a chapter."""
    return bool(CODE_RE.match(code)) and chapter_of(code) is not None


def chapter_of(code: str) -> Chapter | None:
    category = code[:3]
    return next((c for c in chapters() if c.contains(category)), None)


def _in_ranges(code: str, key: str) -> bool:
    category = code[:3].upper()
    return any(first <= category <= last for first, last in _data()[key])


def is_restricted(code: str) -> bool:
    """Restricted class (mental, HIV, hepatitis, pregnancy, genetic): never shown to managers."""
    return _in_ranges(code, "restricted_ranges")


def title_of(code: str) -> str:
    category = code[:3]
    found = next((c for c in categories() if c.code == category), None)
    return found.title() if found else ""


def search(term: str, chapter: str = "") -> list[Category]:
    """Categories whose code starts with ``term`` or whose title (either language) contains it,
    optionally within one chapter (by number); at most ``SEARCH_LIMIT``."""
    term = (term or "").strip()
    upper = term.upper()
    found = []
    for category in categories():
        if chapter and category.chapter != chapter:
            continue
        if (
            not term
            or category.code.startswith(upper)
            or term.casefold() in category.en.casefold()
            or term in category.zh
        ):
            found.append(category)
    return found[:SEARCH_LIMIT]
