"""NHANES 2017-2018 sample rows -> FHIR R4 bundles and health-declaration answers. Pure Python.

Shared by ``benchmarks/bench_engine.py`` (engine speed on the whole file) and
``manage.py load_demo`` (the demo clients), so both read a survey row the same way.

A row becomes the bundle an examination centre would send: a Patient (birth date from the age at
the examination; optionally the diabetes answer as the documented extension), up to three
blood-pressure panels, pulse, weight, height, waist, total and HDL cholesterol (mg/dL), HbA1c (%),
and optionally the smoking status and a PHQ-9 QuestionnaireResponse (answers 7/9 = refused/don't
know are left out, RULES.md §1.10). The data's real quirks stay in: a diastolic 0 or a missing
reading is sent as recorded, and the FHIR reader refuses such a bundle.

The survey answers (self-rated health, smoking, diabetes / heart attack / stroke / cancer history,
PHQ-9) become the plain values of a health declaration (``declaration_answers``). No value is
cleaned by hand: an answer the declaration cannot hold is left out, never guessed.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from pathlib import Path
from typing import Any

CSV_NAME = "nhanes_2017_2018_adults_sample.csv"
SURVEY_EXAM = datetime.date(2018, 6, 30)
EXT = "https://healthcheck.example/fhir/StructureDefinition/"
SMOKING = {"Every day": "449868002", "Some days": "428041000124106", "Not at all": "8517006"}
PHQ = ["HaveLittleInterestInDoingThings", "FeelingDownDepressedOrHopeless",
       "TroubleSleepingOrSleepingTooMuch", "FeelingTiredOrHavingLittleEnergy",
       "PoorAppetiteOrOvereating", "FeelingBadAboutYourself", "TroubleConcentratingOnThings",
       "MovingOrSpeakingSlowlyOrTooFast", "ThoughtYouWouldBeBetterOffDead"]  # fmt: skip
PHQ_CODES = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
             "44253-3", "44260-8"]  # fmt: skip
SIMPLE = [  # (column, LOINC, UCUM)
    ("60SecPulse30SecPulse2", "8867-4", "/min"), ("WeightKg", "29463-7", "kg"),
    ("StandingHeightCm", "8302-2", "cm"), ("WaistCircumferenceCm", "8280-0", "cm"),
    ("TotalCholesterolMgdl", "2093-3", "mg/dL"), ("DirectHdlcholesterolMgdl", "2085-9", "mg/dL"),
    ("Glycohemoglobin", "4548-4", "%"),
]  # fmt: skip
BP_READINGS = ("1St", "2Nd", "3Rd")
# The package's labels (NHANES HSD010, truncated by the package) -> the declaration's choices.
SELF_RATED = {"Excellent": "excellent", "Very good": "very_good", "Good": "good",
              "Fair or": "fair", "Poor?": "poor"}  # fmt: skip
# "Do you now smoke" is asked only of people who smoked 100 cigarettes: "Not at all" is former.
SMOKING_STATUS = {"Every day": "current", "Some days": "current", "Not at all": "former"}
# History answers -> ICD-10 (WHO 2019) with the declaration's condition status.
HISTORY = (
    ("EverToldYouHadHeartAttack", "I25.2", "resolved"),  # old myocardial infarction
    ("EverToldYouHadAStroke", "I69.4", "resolved"),  # sequelae of stroke
    ("EverToldYouHadCancerOrMalignancy", "Z85", "resolved"),  # personal history of malignancy
)
DIABETES = {"1": ("E11", "active"), "Borderline": ("R73.0", "active")}
# Common surnames and given-name characters for the made-up demo names.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯丹琳晨雪梅"


def csv_path(root: Path) -> Path:
    """The sample in ``root/data/`` (the project's copy) or ``root/../shared/data/``."""
    for path in (root / "data" / CSV_NAME, root.parent / "shared" / "data" / CSV_NAME):
        if path.is_file():
            return path
    raise FileNotFoundError(f"{CSV_NAME} not found in data/ or ../shared/data/")


def read_rows(path: Path, limit: int | None = None, offset: int = 0) -> list[dict[str, str]]:
    """Rows ``offset .. offset+limit`` of the CSV, in file order, as read (no cleaning)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[offset : None if limit is None else offset + limit]


def quantity(value: str, code: str) -> dict[str, Any]:
    number = int(value) if value.isdigit() else float(value)  # "0" stays 0, "79.5" stays 79.5
    return {"value": number, "unit": code, "system": "http://unitsofmeasure.org", "code": code}


def observation(loinc: str, when: str, **value: object) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "effectiveDateTime": when,
            **value,
        }
    }


def blood_pressure(row: dict[str, str], exam: datetime.date) -> list[dict[str, Any]]:
    """One panel per complete reading, single observations for half a reading (as recorded)."""
    entries = []
    for n, label in enumerate(BP_READINGS):
        when = f"{exam.isoformat()}T09:{n * 3:02d}:00"
        sbp, dbp = row[f"SystolicBloodPres{label}RdgMmHg"], row[f"DiastolicBloodPres{label}RdgMmHg"]
        parts = [(c, v) for c, v in (("8480-6", sbp), ("8462-4", dbp)) if v]
        if len(parts) == 2:
            components = [
                {
                    "code": {"coding": [{"system": "http://loinc.org", "code": c}]},
                    "valueQuantity": quantity(v, "mm[Hg]"),
                }
                for c, v in parts
            ]
            entries.append(observation("85354-9", when, component=components))
        entries += [
            observation(c, when, valueQuantity=quantity(v, "mm[Hg]"))
            for c, v in parts
            if len(parts) == 1
        ]
    return entries


def birth_date(row: dict[str, str], exam: datetime.date) -> datetime.date:
    """A made-up birth date (1 January) giving the survey's age on the examination day."""
    return datetime.date(exam.year - int(row["AgeInYearsAtScreening"]), 1, 1)


def sex(row: dict[str, str]) -> str:
    return row["Gender"].lower()


def patient(row: dict[str, str], exam: datetime.date, answers: bool) -> dict[str, Any]:
    extensions = []
    diabetes = row["DoctorToldYouHaveDiabetes"]
    if answers and diabetes:  # "Borderline" (prediabetes) is not diabetes
        extensions.append({"url": EXT + "diabetes", "valueBoolean": diabetes == "1"})
    return {
        "resource": {
            "resourceType": "Patient",
            "gender": sex(row),
            "birthDate": birth_date(row, exam).isoformat(),
            "extension": extensions,
        }
    }


def questionnaire(row: dict[str, str], exam: datetime.date) -> list[dict[str, Any]]:
    items = [
        {"linkId": code, "answer": [{"valueInteger": int(row[col])}]}
        for col, code in zip(PHQ, PHQ_CODES, strict=True)
        if row[col] in ("0", "1", "2", "3")
    ]
    if not items:
        return []
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "authored": exam.isoformat(),
        "item": items,
    }
    return [{"resource": response}]


def to_bundle(row: dict[str, str], exam: datetime.date = SURVEY_EXAM, answers: bool = True) -> str:
    """The row as a FHIR R4 collection Bundle (JSON text), examined on ``exam``.

    ``answers=False`` leaves out what the client declares rather than what is measured (the
    diabetes extension, smoking status, PHQ-9): the demo sends those in the declaration.
    """
    day = exam.isoformat()
    entries = [patient(row, exam, answers), *blood_pressure(row, exam)]
    if answers:
        entries += questionnaire(row, exam)
    entries += [
        observation(loinc, day, valueQuantity=quantity(row[col], unit))
        for col, loinc, unit in SIMPLE
        if row[col]
    ]
    smoking = row["DoYouNowSmokeCigarettes"]
    if answers and smoking in SMOKING:
        coding = {"system": "http://snomed.info/sct", "code": SMOKING[smoking]}
        entries.append(observation("72166-2", day, valueCodeableConcept={"coding": [coding]}))
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


def conditions(row: dict[str, str]) -> list[dict[str, str]]:
    """ICD-10 entries for the history answers that are "1" (diabetes: 1 or Borderline)."""
    found = []
    if row["DoctorToldYouHaveDiabetes"] in DIABETES:
        code, status = DIABETES[row["DoctorToldYouHaveDiabetes"]]
        found.append({"code": code, "status": status})
    found += [{"code": code, "status": status} for col, code, status in HISTORY if row[col] == "1"]
    return found


def phq9_answers(row: dict[str, str]) -> dict[str, int | None] | None:
    """PHQ-9 items "1".."9" -> 0-3; refused / don't know / missing -> None (not answered)."""
    answers = {
        str(i): int(row[col]) if row[col] in ("0", "1", "2", "3") else None
        for i, col in enumerate(PHQ, start=1)
    }
    return answers if any(v is not None for v in answers.values()) else None


def declaration_answers(row: dict[str, str]) -> dict[str, Any]:
    """The survey's answers as the declaration's plain values (only what the survey holds)."""
    # NHANES is a US survey: region (north/south of the Yangtze) and urban/rural residence have
    # no meaning for it and stay unknown (so China-PAR answers "not applicable" for the demo
    # clients); the sample has no blood-pressure-medication column, so treatment stays unknown.
    return {
        "self_rated_health": SELF_RATED.get(row["GeneralHealthCondition"], ""),
        "smoking": SMOKING_STATUS.get(row["DoYouNowSmokeCigarettes"], ""),
        "conditions": conditions(row),
        "phq9": phq9_answers(row),
    }


def _digest(seqn: str) -> bytes:
    return hashlib.sha256(f"nhanes-demo-name:{seqn}".encode()).digest()


def demo_name(seqn: str) -> str:
    """A made-up Chinese name, the same for the same survey id on every run."""
    d = _digest(seqn)
    given = GIVEN[d[1] % len(GIVEN)] + (GIVEN[d[2] % len(GIVEN)] if d[3] % 3 else "")
    return SURNAMES[d[0] % len(SURNAMES)] + given


def external_id(seqn: str) -> str:
    """The survey id as the client's external reference (ID type "other")."""
    return f"NHANES-{seqn}"


def critical_bp(row: dict[str, str], threshold: int = 180) -> bool:
    """True when any recorded systolic reading is at or above ``threshold`` mmHg."""
    values = (row[f"SystolicBloodPres{label}RdgMmHg"] for label in BP_READINGS)
    return any(v and float(v) >= threshold for v in values)
