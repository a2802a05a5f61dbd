"""FHIR R4 Bundle -> engine inputs (``CaseInputs``). Pure Python, no Django imports.

The web app's upload and ``manage.py evaluate`` call ``parse_bundle(raw)`` and then
``rules.evaluate(parsed.inputs)``, so both read a bundle the same way.

What is read (everything else is listed in ``ParsedBundle.ignored``):

* ``Patient``: ``gender`` (male/female; other values leave sex unknown), ``birthDate`` (a full date)
  and these extensions, all with the base ``https://healthcheck.example/fhir/StructureDefinition/``:

  ====================== ============== ====================================================
  ``region``             valueCode      ``north`` / ``south`` of the Yangtze (China-PAR)
  ``residence``          valueCode      ``urban`` / ``rural`` (China-PAR)
  ``family-history-ascvd`` valueBoolean first-degree family history of ASCVD (China-PAR)
  ``bp-treatment``       valueBoolean   currently on antihypertensive treatment
  ``diabetes``           valueBoolean   declared diabetes (a Condition E10-E14 also means yes)
  ====================== ============== ====================================================

  No identifier, name or address is read or returned.
* ``Observation`` with status final/amended/corrected and a LOINC code of RULES.md §5.1, a
  ``valueQuantity`` with a UCUM ``code`` (or the display ``unit`` when no code is given; the
  display "mmHg" is accepted for ``mm[Hg]``) and an ``effectiveDateTime``/``effectivePeriod``.
  Blood pressure as panel 85354-9 with components 8480-6/8462-4, or as separate observations.
  PHQ-9 / GAD-7 item observations (valueInteger or LOINC answer codes LA6568-5..LA6571-9).
  Smoking status 72166-2 (SNOMED CT codes for current / former / never smoker).
* ``QuestionnaireResponse`` (completed/amended) whose item ``linkId`` values are the PHQ-9 or GAD-7
  item LOINC codes; the latest ``authored`` response per instrument is used.
* ``Condition`` with an ICD-10 code (system ``http://hl7.org/fhir/sid/icd-10``) that is not
  refuted, entered in error, inactive or resolved.

Why no FHIR library: we read about twenty codes from four resource types, need every problem of a
file at once (not the first validation error), and must keep decimals exactly as written
(``parse_float=Decimal``: 5.50 stays 5.50, 1769.859285 is not rounded, case B30). A general model
library such as fhir.resources would add a dependency without doing either of those for us.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from assessments.rules import units
from assessments.rules.inputs import CaseInputs, Observation, case_problems

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm")
EXTENSION_BASE = "https://healthcheck.example/fhir/StructureDefinition/"

# RULES.md §5.1: LOINC code -> observation kind (mass and molar codes map to one kind; the unit
# of the value decides the conversion).
KIND_BY_LOINC = {
    "8302-2": "height", "29463-7": "weight", "39156-5": "bmi", "8280-0": "waist",
    "8480-6": "sbp", "8462-4": "dbp", "8867-4": "heart_rate",
    "2345-7": "glucose", "14749-6": "glucose", "1558-6": "fasting_glucose",
    "14771-0": "fasting_glucose", "4548-4": "hba1c", "17856-6": "hba1c", "59261-8": "hba1c",
    "2093-3": "total_cholesterol", "14647-2": "total_cholesterol", "2085-9": "hdl_c",
    "14646-4": "hdl_c", "13457-7": "ldl_c", "18262-6": "ldl_c", "2089-1": "ldl_c",
    "39469-2": "ldl_c", "69419-0": "ldl_c", "2571-8": "triglycerides", "14927-8": "triglycerides",
    "2160-0": "creatinine", "14682-9": "creatinine", "98979-8": "egfr", "3084-1": "uric_acid",
    "14933-6": "uric_acid", "2823-3": "potassium", "6298-4": "potassium", "2951-2": "sodium",
    "718-7": "haemoglobin", "777-3": "platelets",
}  # fmt: skip
BP_PANEL = "85354-9"
SMOKING_STATUS = "72166-2"
ITEM_CODES = {
    "phq9": ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
             "44253-3", "44260-8"),  # RULES.md §5.1, questionnaire order; item 9 = 44260-8
    "gad7": ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
}  # fmt: skip
ITEM_BY_CODE = {code: (q, i + 1) for q, codes in ITEM_CODES.items() for i, code in enumerate(codes)}
ANSWER_SCORES = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}  # PHQ answer list
CURRENT_SMOKER = {"449868002", "428041000124106", "77176002", "428071000124103",
                  "428061000124105"}  # fmt: skip
NOT_SMOKER = {"8517006", "266919005"}  # former, never
NOT_USED = {
    "44261-6": "reported PHQ-9 total not used; the items are scored",
    "70274-6": "reported GAD-7 total not used; the items are scored",
    "62238-1": "older CKD-EPI eGFR, not the 2021 equation",
    "33914-3": "MDRD eGFR, not CKD-EPI 2021",
}
USABLE_STATUS = ("final", "amended", "corrected")
PATIENT_EXTENSIONS = {
    "region": ("valueCode", "region", ("north", "south")),
    "residence": ("valueCode", "residence", ("urban", "rural")),
    "family-history-ascvd": ("valueBoolean", "family_history_ascvd", (True, False)),
    "bp-treatment": ("valueBoolean", "on_bp_treatment", (True, False)),
    "diabetes": ("valueBoolean", "diabetes", (True, False)),
}


class BundleError(ValueError):
    """The bundle cannot be read; ``problems`` names every problem found in it."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid FHIR bundle:\n- " + "\n- ".join(problems))


@dataclass(frozen=True)
class PatientInfo:
    """The only patient facts kept from a bundle."""

    birth_date: date | None
    sex: str | None


@dataclass(frozen=True)
class ParsedBundle:
    inputs: CaseInputs
    patient: PatientInfo
    ignored: tuple[str, ...]


def parse_bundle(raw: bytes | str | Mapping) -> ParsedBundle:
    """Read a FHIR R4 Bundle into engine inputs. Raises BundleError listing every problem.

    Pass the raw bytes or text when you have them: a dict decoded without ``parse_float=Decimal``
    has already lost trailing zeros (5.50 -> 5.5), which this function cannot restore.
    """
    reader = _Reader()
    reader.read(_decode(raw))
    if reader.problems:
        raise BundleError(reader.problems)
    inputs = reader.case_inputs()
    problems = case_problems(inputs)
    if problems:
        raise BundleError(problems)
    patient = PatientInfo(inputs.birth_date, inputs.sex)
    return ParsedBundle(inputs, patient, tuple(dict.fromkeys(reader.ignored)))


def _decode(raw: bytes | str | Mapping) -> Mapping:
    if isinstance(raw, Mapping):
        return raw
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        doc = json.loads(text, parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise BundleError([f"file is not UTF-8 text: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise BundleError([f"file is not valid JSON: {exc}"]) from None
    if not isinstance(doc, Mapping):
        raise BundleError(["file is not a JSON object"])
    return doc


def _list(value: object) -> list:
    """A FHIR array element, or [] when absent or not an array (null, an object...)."""
    return value if isinstance(value, list) else []


def _codes(concept: object, system: str) -> list[str]:
    codings = _list(concept.get("coding")) if isinstance(concept, Mapping) else []
    return [c.get("code") for c in codings if isinstance(c, Mapping) and c.get("system") == system]


def _when(resource: Mapping, where: str) -> date | datetime | str:
    """The resource's effective date/time, or a problem message (str)."""
    text = resource.get("effectiveDateTime") or resource.get("effectiveInstant")
    period = resource.get("effectivePeriod")
    if text is None and isinstance(period, Mapping):
        text = period.get("start")
    if not isinstance(text, str):
        return f"{where}: no effectiveDateTime"
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return f"{where}: effective date {text!r} is not a full date or date-time"


class _Reader:
    """Walks a bundle once, collecting inputs, ignored items and problems."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.ignored: list[str] = []
        self.observations: list[Observation] = []
        self.answers: dict[str, dict[object, dict[int, object]]] = {"phq9": {}, "gad7": {}}
        self.conditions: list[str] = []
        self.facts: dict[str, object] = {}
        self.smoking: list[tuple[object, bool]] = []
        self.patients = 0

    def read(self, doc: Mapping) -> None:
        if doc.get("resourceType") != "Bundle":
            self.problems.append(f"resourceType is {doc.get('resourceType')!r}, expected 'Bundle'")
            return
        entries = doc.get("entry")
        if not isinstance(entries, list) or not entries:
            self.problems.append("Bundle has no entries")
            return
        for i, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if not isinstance(resource, Mapping):
                self.problems.append(f"entry[{i}]: no resource")
                continue
            where = f"entry[{i}] {resource.get('resourceType')}"
            # One rule for every element of the wrong JSON type (null, a number or a list where
            # an object is expected...): the entry is reported as a problem of the file, like
            # any other, never an exception (a 500) halfway through reading the bundle.
            try:
                self.resource(resource, where)
            except (TypeError, AttributeError, KeyError, ValueError, ArithmeticError):
                self.problems.append(f"{where}: an element has the wrong type for FHIR R4")
        if self.patients != 1:
            self.problems.append(f"Bundle must hold exactly one Patient, found {self.patients}")

    def resource(self, resource: Mapping, where: str) -> None:
        handler = {
            "Patient": self.patient,
            "Observation": self.observation,
            "QuestionnaireResponse": self.questionnaire_response,
            "Condition": self.condition,
        }.get(resource.get("resourceType"))
        if handler is None:
            self.ignored.append(f"{resource.get('resourceType')} resources (not read)")
        else:
            handler(resource, where)

    # --- Patient ---------------------------------------------------------------------------------

    def patient(self, resource: Mapping, where: str) -> None:
        self.patients += 1
        gender = resource.get("gender")
        self.facts["sex"] = gender if gender in ("male", "female") else None
        birth = resource.get("birthDate")
        if birth is not None:
            try:
                self.facts["birth_date"] = date.fromisoformat(birth)
            except (TypeError, ValueError):
                self.problems.append(f"{where}: birthDate {birth!r} must be a full date")
        for ext in _list(resource.get("extension")):
            url = ext.get("url", "") if isinstance(ext, Mapping) else ""
            if url.startswith(EXTENSION_BASE):
                self.patient_extension(ext, url.removeprefix(EXTENSION_BASE), where)

    def patient_extension(self, ext: Mapping, name: str, where: str) -> None:
        if name not in PATIENT_EXTENSIONS:
            self.problems.append(f"{where}: unknown extension {EXTENSION_BASE}{name}")
            return
        element, fact, allowed = PATIENT_EXTENSIONS[name]
        value = ext.get(element)
        if value not in allowed or isinstance(value, bool) != (element == "valueBoolean"):
            shown = " or ".join(str(a).lower() for a in allowed)
            self.problems.append(f"{where}: extension {name} needs {element} {shown}")
            return
        self.facts[fact] = value

    # --- Observation -----------------------------------------------------------------------------

    def observation(self, resource: Mapping, where: str) -> None:
        codes = _codes(resource.get("code"), LOINC)
        code = next((c for c in codes if c in KIND_BY_LOINC or c in ITEM_BY_CODE), None)
        code = code or next((c for c in codes if c in (BP_PANEL, SMOKING_STATUS)), None)
        where = f"{where} {code or (codes[0] if codes else 'without LOINC code')}"
        status = resource.get("status")
        if status not in USABLE_STATUS:
            if status is None:
                self.problems.append(f"{where}: no status")
            else:
                self.ignored.append(f"{where} (status {status})")
            return
        if code is None:
            reason = NOT_USED.get(codes[0], "no rule reads it") if codes else "no LOINC code"
            self.ignored.append(f"Observation {codes[0] if codes else ''} ({reason})".strip())
            return
        when = _when(resource, where)
        if isinstance(when, str):
            self.problems.append(when)
        elif code == BP_PANEL:
            self.bp_panel(resource, when, where)
        elif code == SMOKING_STATUS:
            self.smoking_status(resource, when, where)
        elif code in ITEM_BY_CODE:
            self.item_observation(resource, code, when, where)
        else:
            self.measurement(resource, KIND_BY_LOINC[code], code, when, where)

    def bp_panel(self, resource: Mapping, when: date | datetime, where: str) -> None:
        found = False
        for i, component in enumerate(_list(resource.get("component"))):
            codes = _codes(component.get("code") if isinstance(component, Mapping) else None, LOINC)
            code = next((c for c in codes if c in ("8480-6", "8462-4")), None)
            if code:
                found = True
                self.measurement(
                    component, KIND_BY_LOINC[code], code, when, f"{where} component[{i}] {code}"
                )
        if not found:
            self.problems.append(f"{where}: blood-pressure panel without 8480-6/8462-4 components")

    def measurement(self, element: Mapping, kind: str, code: str, when: object, where: str) -> None:
        quantity = self.quantity(element, where)
        if quantity is None:
            return
        value, unit = quantity
        problem = units.plausibility_problem(kind, value, unit)
        if problem:
            self.problems.append(f"{where}: {problem}")
            return
        self.observations.append(Observation(kind, value, unit, when, code))

    def quantity(self, element: Mapping, where: str) -> tuple[Decimal, str] | None:
        """The exact value and UCUM unit of ``valueQuantity``, or None (problem recorded)."""
        if "valueQuantity" not in element:
            if "dataAbsentReason" in element:
                self.ignored.append(f"{where} (data absent)")
                return None
            text = element.get("valueString")
            shown = f"text instead of a number ({text!r})" if text is not None else "no value"
            self.problems.append(f"{where}: {shown}; expected valueQuantity")
            return None
        q = element["valueQuantity"]
        value = self.number(q.get("value") if isinstance(q, Mapping) else None, where)
        unit = self.unit(q, where) if isinstance(q, Mapping) else None
        if isinstance(q, Mapping) and q.get("comparator"):
            self.problems.append(f"{where}: value with comparator {q['comparator']!r} is not exact")
            return None
        return (value, unit) if value is not None and unit is not None else None

    def number(self, value: object, where: str) -> Decimal | None:
        if isinstance(value, bool) or value is None:
            self.problems.append(f"{where}: valueQuantity has no numeric value")
        elif isinstance(value, str):
            self.problems.append(f"{where}: text instead of a number ({value!r})")
        elif isinstance(value, int | Decimal):
            return Decimal(value)
        elif isinstance(value, float):  # only from a pre-decoded dict; see parse_bundle
            return Decimal(repr(value))
        else:
            self.problems.append(f"{where}: value {value!r} is not a number")
        return None

    def unit(self, q: Mapping, where: str) -> str | None:
        system, code = q.get("system"), q.get("code")
        if system is not None and system != UCUM and code is not None:
            self.problems.append(f"{where}: unit system {system!r} is not UCUM ({UCUM})")
            return None
        try:
            return units.normalise_unit(code if code is not None else q.get("unit"))
        except units.UnitError as exc:
            self.problems.append(f"{where}: {exc}")
            return None

    def smoking_status(self, resource: Mapping, when: object, where: str) -> None:
        codes = set(_codes(resource.get("valueCodeableConcept"), SNOMED))
        if codes & CURRENT_SMOKER:
            self.smoking.append((when, True))
        elif codes & NOT_SMOKER:
            self.smoking.append((when, False))
        else:
            self.ignored.append(f"{where} (smoking status code not recognised)")

    # --- Questionnaires --------------------------------------------------------------------------

    def item_observation(self, resource: Mapping, code: str, when: object, where: str) -> None:
        answer = self.answer(resource, where)
        if answer is not None:
            instrument, item = ITEM_BY_CODE[code]
            day = when.date() if isinstance(when, datetime) else when
            self.answers[instrument].setdefault(day, {})[item] = answer

    def answer(self, element: Mapping, where: str) -> object | None:
        """An item answer as an int (range checked later), or None with the problem recorded."""
        if "valueInteger" in element:
            return element["valueInteger"]
        coding = element.get("valueCoding") or next(
            iter(element.get("valueCodeableConcept", {}).get("coding", [])), None
        )
        if isinstance(coding, Mapping) and coding.get("code") in ANSWER_SCORES:
            return ANSWER_SCORES[coding["code"]]
        if "valueQuantity" in element:
            return self.number(element["valueQuantity"].get("value"), where)
        shown = element.get("valueString", coding.get("code") if coding else None)
        self.problems.append(f"{where}: answer {shown!r} is not a score 0-3")
        return None

    def questionnaire_response(self, resource: Mapping, where: str) -> None:
        if resource.get("status") not in ("completed", "amended"):
            self.ignored.append(f"{where} (status {resource.get('status')})")
            return
        authored = resource.get("authored", "")
        found: dict[str, dict[int, object]] = {}
        for item in _walk_items(resource.get("item", [])):
            code = str(item.get("linkId", "")).lstrip("/")
            answers = item.get("answer") or []
            if code in ITEM_BY_CODE and answers:
                instrument, number = ITEM_BY_CODE[code]
                answer = self.answer(answers[0], f"{where} item {code}")
                if answer is not None:
                    found.setdefault(instrument, {})[number] = answer
        for instrument, items in found.items():
            self.answers[instrument][authored] = items

    # --- Condition -------------------------------------------------------------------------------

    def condition(self, resource: Mapping, where: str) -> None:
        clinical = _codes(resource.get("clinicalStatus"), _CLINICAL)
        verification = _codes(resource.get("verificationStatus"), _VERIFICATION)
        if set(clinical) & {"inactive", "resolved", "remission"} or set(verification) & {
            "refuted",
            "entered-in-error",
        }:
            self.ignored.append(f"{where} (not active or not confirmed)")
            return
        codes = [c for system in ICD10_SYSTEMS for c in _codes(resource.get("code"), system)]
        if not codes:
            self.ignored.append("Condition without ICD-10 code")
        self.conditions.extend(str(c).strip().upper() for c in codes)

    # --- Result ----------------------------------------------------------------------------------

    def case_inputs(self) -> CaseInputs:
        facts = dict(self.facts)
        if any(c.replace(".", "")[:3] in _DIABETES for c in self.conditions):
            if facts.get("diabetes") is False:
                self.problems.append(
                    "Patient diabetes extension says false but a Condition "
                    "E10-E14 (diabetes mellitus) is recorded"
                )
            facts["diabetes"] = True
        if self.smoking:
            facts["smoker"] = max(self.smoking, key=lambda s: str(s[0]))[1]
        questionnaires = {
            q: by_time[max(by_time, key=str)] for q, by_time in self.answers.items() if by_time
        }
        if self.problems:
            raise BundleError(self.problems)
        return CaseInputs(
            observations=tuple(self.observations),
            questionnaires=questionnaires,
            conditions=tuple(dict.fromkeys(self.conditions)),
            **facts,
        )


_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_DIABETES = {"E10", "E11", "E12", "E13", "E14"}  # ICD-10 diabetes mellitus (RULES.md §5.2 ch. IV)


def _walk_items(items: object):
    """Yield QuestionnaireResponse items depth-first (groups and answer-nested items)."""
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            yield item
            yield from _walk_items(item.get("item"))
            for answer in item.get("answer") or []:
                if isinstance(answer, Mapping):
                    yield from _walk_items(answer.get("item"))
