"""PHQ-9 and GAD-7: standard item wording (English and Simplified Chinese), answers and scoring.

Sources: PHQ-9, Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606-613. GAD-7,
Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092-1097. Both were
developed by Drs Spitzer, Williams, Kroenke and colleagues with an educational grant from
Pfizer Inc.; no permission is required to reproduce, translate, display or distribute them
(RULES.md §1.10). The Chinese renderings follow the widely used Simplified Chinese versions of
both instruments. Scoring and bands: RULES.md §1.10; a questionnaire with any item unanswered is
stored but never scored (no prorating, case B27).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ANSWERS_EN = ("Not at all", "Several days", "More than half the days", "Nearly every day")
ANSWERS_ZH = ("完全不会", "好几天", "一半以上的天数", "几乎每天")

PHQ9_EN = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being "
    "so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
PHQ9_ZH = (
    "做事时提不起劲或没有兴趣",
    "感到心情低落、沮丧或绝望",
    "入睡困难、睡不安稳或睡眠过多",
    "感觉疲倦或没有活力",
    "食欲不振或吃太多",
    "觉得自己很糟，或觉得自己很失败，或让自己或家人失望",
    "对事物专注有困难，例如阅读报纸或看电视时",
    "动作或说话速度缓慢到别人已经察觉？或正好相反——烦躁或坐立不安、动来动去的情况更胜于平常",
    "有不如死掉或用某种方式伤害自己的念头",
)
GAD7_EN = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)
GAD7_ZH = (
    "感觉紧张、焦虑或急切",
    "不能够停止或控制担忧",
    "对各种各样的事情担忧过多",
    "很难放松下来",
    "由于不安而无法静坐",
    "变得容易烦恼或急躁",
    "感到似乎将有可怕的事情发生而害怕",
)

# (upper bound exclusive, band id); RULES.md §1.10 and the cn pack's phq9/gad7 measures.
PHQ9_BANDS = ((5, "minimal"), (10, "mild"), (15, "moderate"), (20, "moderately_severe"))
GAD7_BANDS = ((5, "minimal"), (10, "mild"), (15, "moderate"))
POSITIVE_SCREEN = 10  # default cut-off for both instruments (RULES.md §1.10; configurable later)
BAND_LABELS = {
    "minimal": _("Minimal"),
    "mild": _("Mild"),
    "moderate": _("Moderate"),
    "moderately_severe": _("Moderately severe"),
    "severe": _("Severe"),
}


@dataclass(frozen=True)
class Instrument:
    name: str
    items_en: tuple[str, ...]
    items_zh: tuple[str, ...]
    bands: tuple[tuple[int, str], ...]

    @property
    def size(self) -> int:
        return len(self.items_en)

    def items(self) -> list[tuple[int, str, str]]:
        """(item number, text in the active language, text in the other language)."""
        zh = (get_language() or "").startswith("zh")
        return [
            (i, z if zh else e, e if zh else z)
            for i, (e, z) in enumerate(zip(self.items_en, self.items_zh, strict=True), start=1)
        ]


PHQ9 = Instrument("phq9", PHQ9_EN, PHQ9_ZH, PHQ9_BANDS)
GAD7 = Instrument("gad7", GAD7_EN, GAD7_ZH, GAD7_BANDS)
INSTRUMENTS = {"phq9": PHQ9, "gad7": GAD7}


def answer_choices() -> list[tuple[int, str]]:
    zh = (get_language() or "").startswith("zh")
    labels = ANSWERS_ZH if zh else ANSWERS_EN
    return [(i, f"{i} · {label}") for i, label in enumerate(labels)]


def score(instrument: Instrument, answers: Mapping[str, int | None]) -> dict:
    """``{"complete", "answered", "total", "band"}``: a total only when every item is 0-3.

    Raises: ValueError for an answer outside 0-3 (forms never let one through).
    """
    values = [answers.get(str(i)) for i in range(1, instrument.size + 1)]
    for value in values:
        if value is not None and (isinstance(value, bool) or value not in (0, 1, 2, 3)):
            raise ValueError(f"{instrument.name}: an answer is not 0-3")
    answered = sum(v is not None for v in values)
    if answered < instrument.size:
        return {"complete": False, "answered": answered, "total": None, "band": None}
    total = sum(values)  # type: ignore[arg-type]
    band = next((b for limit, b in instrument.bands if total < limit), "severe")
    return {"complete": True, "answered": answered, "total": total, "band": band}


def needs_follow_up(phq9: Mapping[str, int | None] | None, scores: Mapping[str, dict]) -> str:
    """ "urgent" when PHQ-9 item 9 > 0 (answered, whatever the total; RULES.md §1.10/§2.3),
    "recommended" for a positive screen (complete total >= 10), else ""."""
    if phq9 and (phq9.get("9") or 0) > 0:
        return "urgent"
    for result in scores.values():
        if result.get("complete") and result["total"] >= POSITIVE_SCREEN:
            return "recommended"
    return ""
