#!/usr/bin/env python3
"""List untranslated and fuzzy entries of the project's gettext catalogues; exit 1 if any.

    python scripts/check_translations.py                 # check locale/*/LC_MESSAGES/django.po
    python scripts/check_translations.py --fill-english  # English = source: copy msgid to msgstr

After ``manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests`` run it with
``--fill-english``, translate what it still lists for zh_Hans, and run it again. The header is
also normalised (no fuzzy flag, a Language line), since msgfmt skips fuzzy entries. Stdlib only,
so that the test suite can import it.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(BASE_DIR.glob("locale/*/LC_MESSAGES/django.po"))
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


@dataclass
class Entry:
    """One message of a .po file (obsolete ``#~`` entries are not returned).

    ``line`` is its first line (1-based); ``msgstr_line`` the line of its first msgstr and
    ``end_line`` its last line, so that a writer can replace the translation in place.
    """

    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    msgstr_line: int = 0
    end_line: int = 0

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and "msgctxt" not in self.fields

    @property
    def problem(self) -> str | None:
        """Why this entry would not be translated at run time, or None."""
        if "fuzzy" in self.flags:
            return "fuzzy"
        if not self.is_header and (not self.msgstrs or any(not s for s in self.msgstrs)):
            return "untranslated"
        return None


def parse(path: Path) -> list[Entry]:
    """Parse a .po file into entries; raises ValueError on a line it cannot read."""
    return parse_text(path.read_text(encoding="utf-8"), str(path))


def parse_text(text: str, name: str = "<po>") -> list[Entry]:
    """Parse .po text into entries.

    An entry ends at a blank line, or where a comment or msgid follows a msgstr (Django's
    makemessages writes no blank line after the header).
    """
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            current, key = None, ""
            continue
        starts_entry = line.startswith(("#", "msgctxt", "msgid ")) and key.startswith("msgstr")
        if current is None or starts_entry:
            current, key = Entry(line=number), ""
            entries.append(current)
        current.end_line = number
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            key = match.group(1)
            current.fields[key] = ast.literal_eval(match.group(2))
            if key.startswith("msgstr") and not current.msgstr_line:
                current.msgstr_line = number
        elif line.startswith('"') and key:
            current.fields[key] += ast.literal_eval(line)
        else:
            raise ValueError(f"{name}:{number}: cannot parse {raw!r}")
    return entries


def problems(path: Path) -> list[str]:
    """'file:line: kind: msgid' for every entry that is fuzzy or lacks a translation."""
    shown = path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path
    return [
        f"{shown}:{entry.line}: {entry.problem}: {entry.msgid!r}"
        for entry in parse(path)
        if entry.problem
    ]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def normalise_header(path: Path, language: str) -> None:
    """Drop the header's fuzzy flag and name the language (makemessages leaves both open)."""
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition('msgid ""\nmsgstr ""\n')
    head = head.replace("#, fuzzy\n", "")
    rest = re.sub(r'"Language: [^"]*\\n"', f'"Language: {language}\\\\n"', rest, count=1)
    path.write_text(head + sep + rest, encoding="utf-8")


def fill_english(path: Path) -> int:
    """Set msgstr = msgid (and msgstr[1] = msgid_plural) where empty. Returns how many."""
    lines = path.read_text(encoding="utf-8").splitlines()
    todo = [e for e in parse(path) if not e.is_header and e.problem == "untranslated"]
    for entry in reversed(todo):  # from the end, so earlier line numbers stay valid
        if "msgid_plural" in entry.fields:
            translation = [
                f"msgstr[0] {_quote(entry.msgid)}",
                f"msgstr[1] {_quote(entry.fields['msgid_plural'])}",
            ]
        else:
            translation = [f"msgstr {_quote(entry.msgid)}"]
        lines[entry.msgstr_line - 1 : entry.end_line] = translation
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(todo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill-english", action="store_true", help="copy msgid to empty en msgstr")
    args = parser.parse_args(argv)
    for path in CATALOGUES:
        language = path.parent.parent.name
        normalise_header(path, language)
        if args.fill_english and language == "en":
            print(f"{path.relative_to(BASE_DIR)}: filled {fill_english(path)} English entries")
    found = [line for path in CATALOGUES for line in problems(path)]
    print("\n".join(found) if found else f"All {len(CATALOGUES)} catalogues are complete.")
    return 1 if found or not CATALOGUES else 0


if __name__ == "__main__":
    sys.exit(main())
