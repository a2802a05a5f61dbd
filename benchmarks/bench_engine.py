"""Benchmark: cases per second the rule engine evaluates on the NHANES 2017-2018 sample, beside
the time to merely parse the same FHIR bundles, in one run.

Usage: ``python benchmarks/bench_engine.py [--pack cn] [--repeat 3]``

Each CSV row becomes one FHIR R4 Bundle (JSON text) before timing starts, the way an institution
would send it (``assessments/nhanes.py``, shared with ``manage.py load_demo``: a Patient, up to
three blood-pressure panels, pulse, body measures, lipids, HbA1c, smoking status and PHQ-9). The
data's real quirks stay in: a diastolic 0 or a missing reading is sent as recorded, and the reader
refuses such a bundle, which the report counts. The data file is
``data/nhanes_2017_2018_adults_sample.csv`` in the repo, or ``../shared/data/`` beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessments.fhir import BundleError, parse_bundle  # noqa: E402
from assessments.nhanes import csv_path, read_rows, to_bundle  # noqa: E402
from assessments.rules import InputError, evaluate, load_pack  # noqa: E402


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
    try:
        rows = read_rows(csv_path(ROOT))
    except FileNotFoundError as exc:
        raise SystemExit(str(exc)) from None
    bundles = [to_bundle(row) for row in rows]

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
