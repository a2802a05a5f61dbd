"""``manage.py backtest --pack NEW [--against OLD]``: how stored assessments would change."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.rules import PackError, load_pack
from assessments.rules.backtest import iter_stored_inputs


class Command(BaseCommand):
    help = (
        "Re-evaluate stored assessments with another rule pack and print how many "
        "recommendations and outcome floors would change, by measure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pack", required=True, help="the new rule pack id")
        parser.add_argument(
            "--against", default=None, help="compare with this pack instead of the stored results"
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            pack = load_pack(options["pack"])
            against = load_pack(options["against"]) if options["against"] else None
        except PackError as exc:
            raise CommandError(str(exc)) from None
        pairs = stored_pairs()
        if pairs is None:
            self.stdout.write("no stored assessments")
            return
        report = iter_stored_inputs(pairs, pack, against)
        if report.cases == 0:
            self.stdout.write("no stored assessments")
            return
        self.stdout.write("\n".join(report.lines()))


def stored_pairs():
    """(CaseInputs, stored result dict) per stored assessment, or None before the model exists.

    Contract with ``assessments.models.Assessment``: ``case_inputs()`` returns the CaseInputs the
    assessment was evaluated on and ``result`` holds the stored ``Result.to_dict()``.
    """
    try:
        from assessments.models import Assessment  # lazily: the model may not exist yet
    except ImportError:
        return None
    if not hasattr(Assessment, "case_inputs") or not hasattr(Assessment, "result"):
        raise CommandError("Assessment does not expose case_inputs() and result yet")
    return ((a.case_inputs(), a.result) for a in Assessment.objects.iterator())
