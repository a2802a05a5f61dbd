"""Both catalogues are complete: every translatable string has a translation, none fuzzy."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
LANGUAGES = ("zh_Hans", "en")
_NOT_SOURCE = (".venv", ".git", "var", "test-artifacts", "__pycache__", "*.mo", "static", "data")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def _load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_translations", BASE_DIR / "scripts" / "check_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


checker = _load_checker()


def _catalogue(language: str, base: Path = BASE_DIR) -> Path:
    return base / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_has_no_empty_or_fuzzy_entry(language):
    path = _catalogue(language)

    assert path.exists()
    assert len(checker.parse(path)) > 50
    assert checker.problems(path) == []


def _source_text(entry) -> dict[str, str]:
    """The English msgstr fields of an entry: the msgid, or for a plural entry both forms."""
    if "msgid_plural" in entry.fields:
        return {"msgstr[0]": entry.msgid, "msgstr[1]": entry.fields["msgid_plural"]}
    return {"msgstr": entry.msgid}


def test_english_is_the_source_text():
    entries = [e for e in checker.parse(_catalogue("en")) if not e.is_header]

    def translations(entry) -> dict[str, str]:
        return {key: value for key, value in entry.fields.items() if key.startswith("msgstr")}

    assert [e.msgid for e in entries if translations(e) != _source_text(e)] == []


def test_chinese_translations_keep_every_placeholder_and_are_chinese():
    entries = [e for e in checker.parse(_catalogue("zh_Hans")) if not e.is_header]

    for entry in entries:
        for translation in entry.msgstrs:
            assert sorted(PLACEHOLDER.findall(translation)) == sorted(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid
            # Words outside the placeholders need Chinese ("%(class)s: %(measure)s" has none).
            words = PLACEHOLDER.sub("", entry.msgid)
            assert re.search(r"[\u4e00-\u9fff]", translation) or not re.search(
                r"[a-z]{3}", words
            ), f"not translated into Chinese: {entry.msgid!r}"


def test_the_parser_reads_multiline_plural_and_fuzzy_entries():
    text = (
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n'
        '#: a.py:1\nmsgid ""\n"two "\n"lines"\nmsgstr "两行"\n\n'
        '#, fuzzy\nmsgid "old"\nmsgstr "旧"\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] ""\n'
    )

    entries = checker.parse_text(text)

    assert [e.msgid for e in entries] == ["", "two lines", "old", "one"]
    assert [e.problem for e in entries] == [None, None, "fuzzy", "untranslated"]


def test_a_fresh_makemessages_finds_no_string_missing_from_the_catalogues(tmp_path):
    """Strings added to code or templates since the catalogues were made fail this test.

    makemessages writes into the catalogues beside the source, so it runs on a copy.
    """
    copy = tmp_path / "src"
    shutil.copytree(BASE_DIR, copy, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--ignore=.venv", "--ignore=tests"]
        + [f"-l{language}" for language in LANGUAGES],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": str(copy), "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    missing = [line for lang in LANGUAGES for line in checker.problems(_catalogue(lang, copy))]
    assert missing == [], "run makemessages and translate:\n" + "\n".join(missing)
