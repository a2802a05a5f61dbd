"""Benchmark: cases per second the rule engine evaluates on the NHANES 2017-2018 sample, beside
the time to merely parse the same FHIR bundles, in one run.

Usage: ``python benchmarks/bench_engine.py [--pack cn] [--repeat 3]``

Each CSV row becomes one FHIR R4 Bundle (JSON text) before timing starts, the way an institution
would send it: a Patient (birth date from the age at a 2018-06-30 examination, the diabetes answer
as the documented extension), up to three blood-pressure panels, pulse, weight, height, waist,
total and HDL cholesterol (mg/dL), HbA1c (%), smoking status and a PHQ-9 QuestionnaireResponse
(answers 7/9 = refused/don't know are left out, RULES.md §1.10). The data's real quirks stay in:
a diastolic 0 or a missing reading is sent as recorded, and the reader refuses such a bundle,
which the report counts. The data file is ``data/nhanes_2017_2018_adults_sample.csv`` in the repo,
or ``../shared/data/`` beside it.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessments.fhir import BundleError, parse_bundle  # noqa: E402
from assessments.rules import InputError, evaluate, load_pack  # noqa: E402

CSV_NAME = "nhanes_2017_2018_adults_sample.csv"
EXAM = "2018-06-30"
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


def csv_path() -> Path:
    for path in (ROOT / "data" / CSV_NAME, ROOT.parent / "shared" / "data" / CSV_NAME):
        if path.is_file():
            return path
    raise SystemExit(f"{CSV_NAME} not found in data/ or ../shared/data/")


def quantity(value: str, code: str) -> dict:
    number = int(value) if value.isdigit() else float(value)  # "0" stays 0, "79.5" stays 79.5
    return {"value": number, "unit": code, "system": "http://unitsofmeasure.org", "code": code}


def observation(loinc: str, when: str, **value: object) -> dict:
    return {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "effectiveDateTime": when,
            **value,
        }
    }


def blood_pressure(row: dict) -> list[dict]:
    entries = []
    for n, label in enumerate(("1St", "2Nd", "3Rd")):
        when = f"{EXAM}T09:{n * 3:02d}:00"
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


def patient(row: dict) -> dict:
    extensions = []
    diabetes = row["DoctorToldYouHaveDiabetes"]
    if diabetes:  # "Borderline" (prediabetes) is not diabetes
        extensions.append({"url": EXT + "diabetes", "valueBoolean": diabetes == "1"})
    birth_year = 2018 - int(row["AgeInYearsAtScreening"])
    return {
        "resource": {
            "resourceType": "Patient",
            "gender": row["Gender"].lower(),
            "birthDate": f"{birth_year}-01-01",
            "extension": extensions,
        }
    }


def questionnaire(row: dict) -> list[dict]:
    items = [
        {"linkId": code, "answer": [{"valueInteger": int(row[col])}]}
        for col, code in zip(PHQ, PHQ_CODES, strict=True)
        if row[col] in ("0", "1", "2", "3")
    ]
    if not items:
        return []
    return [
        {
            "resource": {
                "resourceType": "QuestionnaireResponse",
                "status": "completed",
                "authored": EXAM,
                "item": items,
            }
        }
    ]


def to_bundle(row: dict) -> str:
    entries = [patient(row), *blood_pressure(row), *questionnaire(row)]
    entries += [
        observation(loinc, EXAM, valueQuantity=quantity(row[col], unit))
        for col, loinc, unit in SIMPLE
        if row[col]
    ]
    if row["DoYouNowSmokeCigarettes"] in SMOKING:
        coding = {
            "system": "http://snomed.info/sct",
            "code": SMOKING[row["DoYouNowSmokeCigarettes"]],
        }
        entries.append(observation("72166-2", EXAM, valueCodeableConcept={"coding": [coding]}))
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


def timed(fn, items):
    start = time.perf_counter()
    out = [fn(item) for item in items]
    return time.perf_counter() - start, out


def try_parse(text: str):
    try:
        return parse_bundle(text)
    except BundleError as exc:
        return exc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="cn")
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    args = parser.parse_args()
    pack = load_pack(args.pack)
    with csv_path().open(newline="", encoding="utf-8") as f:
        bundles = [to_bundle(row) for row in csv.DictReader(f)]

    parse_times, eval_times = [], []
    for _ in range(args.repeat):
        seconds, parsed = timed(try_parse, bundles)
        parse_times.append(seconds)
        inputs = [p.inputs for p in parsed if not isinstance(p, BundleError)]
        seconds, results = timed(lambda i: evaluate(i, pack=pack), inputs)
        eval_times.append(seconds)
    report(bundles, parsed, results, min(parse_times), min(eval_times), args)


def report(bundles, parsed, results, parse_s, eval_s, args) -> None:
    refused = [p for p in parsed if isinstance(p, BundleError)]
    reasons = Counter(p.problems[0].split(": ", 1)[-1].split(" (")[0] for p in refused)
    n = len(results)
    print(
        f"NHANES 2017-2018 sample: {len(bundles)} bundles, pack {args.pack}, best of {args.repeat}"
    )
    print(f"parse only        : {parse_s:7.3f} s  {len(bundles) / parse_s:8.0f} bundles/s")
    print(f"evaluate only     : {eval_s:7.3f} s  {n / eval_s:8.0f} cases/s")
    total = parse_s + eval_s
    print(f"parse + evaluate  : {total:7.3f} s  {n / total:8.0f} cases/s")
    print(f"accepted {n}, refused {len(refused)}; most common refusals:")
    for reason, count in reasons.most_common(5):
        print(f"  {count:4d}  {reason}")
    outcomes = Counter((r.recommendation, r.outcome_floor) for r in results)
    print("recommendation / outcome floor:")
    for (rec, floor), count in sorted(outcomes.items()):
        print(f"  {count:4d}  {rec} / {floor}")


if __name__ == "__main__":
    try:
        main()
    except InputError as exc:  # pragma: no cover - the reader validates first
        raise SystemExit(str(exc)) from None
