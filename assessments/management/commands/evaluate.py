"""``manage.py evaluate FILE``: evaluate a FHIR R4 Bundle with a rule pack and print the result."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.fhir import BundleError, parse_bundle
from assessments.rules import DEFAULT_PACK, InputError, PackError, Result, evaluate, load_pack


class Command(BaseCommand):
    help = (
        "Evaluate a FHIR R4 Bundle (Patient, Observations by LOINC with UCUM units, "
        "QuestionnaireResponse, Conditions) and print the engine's result. Exits non-zero "
        "naming each problem of an invalid file, unit or value."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the Bundle JSON file")
        parser.add_argument("--pack", default=DEFAULT_PACK, help="rule pack id (default: cn)")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="evaluation date YYYY-MM-DD (default: latest observation)",
        )
        parser.add_argument("--format", choices=("json", "text"), default="json")

    def handle(self, *args: object, **options: object) -> None:
        try:
            raw = Path(options["file"]).read_bytes()
            result = evaluate(
                parse_bundle(raw).inputs, pack=load_pack(options["pack"]), as_of=options["as_of"]
            )
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from None
        except (BundleError, InputError, PackError) as exc:
            raise CommandError(str(exc)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(text_lines(result)))


def text_lines(result: Result) -> list[str]:
    """A short human-readable rendering of a result (the JSON form is the full record)."""
    lines = [f"pack {result.pack_id} {result.pack_version}, as of {result.as_of}"]
    for m in result.measures:
        shown = m.display or ("-" if m.value is None else str(m.value))
        lines.append(f"  {m.measure:<18} {shown:>10} {m.unit:<18} {m.band or m.status}")
    for r in result.cvd_risk:
        outcome = f"{r.percent} %" if r.percent is not None else f"n/a ({r.not_applicable})"
        lines.append(f"  risk {r.model:<20} {outcome}")
    lines += [f"  flag {f.cls} {f.measure}: {f.reason}" for f in result.flags]
    lines.append(
        f"debits {result.debits}; outcome floor {result.outcome_floor}; "
        f"recommendation {result.recommendation}"
    )
    return lines
