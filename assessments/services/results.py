"""Results intake: the structured form, FHIR R4 bundles, the client's own report, and the
original report files. Results become the client's observations through
``clients.services.observation_record``; the case moves to ``results_received``.

Every intake is all-or-nothing: a refusal names every problem, is audited with
``record_denied`` and stores nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import catalogue
from assessments.fhir import BundleError, ParsedBundle, parse_bundle
from assessments.models import Case, CaseDocument, Referral, ResultImport
from assessments.services.cases import case_transition
from assessments.services.referrals import referral_move
from assessments.workflow import Action
from clients import services as client_services
from clients.gate import consent_require
from clients.models import Document, Institution, Observation
from healthcheck.core import audit, files
from healthcheck.core.audit import AuditAction
from healthcheck.core.fields import reveal


class ResultsRefused(Exception):
    """Results that cannot be stored; ``problems`` names every problem (nothing was stored)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = [str(p) for p in problems]
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class ImportOutcome:
    result_import: ResultImport
    created: bool
    ignored: tuple[str, ...] = ()


def fhir_max_bytes() -> int:
    return getattr(settings, "FHIR_MAX_BYTES", 5 * 1024 * 1024)


def _refused(actor: Any, case: Case, source: str, problems: Sequence[str]) -> ResultsRefused:
    audit.record_denied(
        actor=actor, action=AuditAction.RESULTS_REFUSED, target=case, client=case.client,
        case=case, source=source, problem_count=len(problems),
    )  # fmt: skip
    return ResultsRefused(problems)


def _aware(when: datetime.date | datetime.datetime) -> datetime.datetime:
    if not isinstance(when, datetime.datetime):
        when = datetime.datetime.combine(when, datetime.time(8, 0))
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def _observation_inputs(parsed: ParsedBundle) -> list[client_services.ObservationInput]:
    """Engine observations -> clients inputs; SBP/DBP at one time share a reading id."""
    items, readings = [], {}
    for obs in parsed.inputs.observations:
        when = _aware(obs.effective)
        reading = None
        if obs.kind in ("sbp", "dbp"):
            reading = readings.setdefault(when, uuid.uuid4())
        items.append(
            client_services.ObservationInput(
                obs.kind, obs.value, obs.unit, when, reading, obs.code or ""
            )
        )
    return items


def _patient_problems(parsed: ParsedBundle, case: Case) -> list[str]:
    birth = reveal(case.client, "date_of_birth")
    problems = []
    if parsed.patient.birth_date is None or parsed.patient.birth_date != birth:
        problems.append(_("The bundle's Patient birth date does not match the client."))
    if parsed.patient.sex != case.client.sex:
        problems.append(_("The bundle's Patient sex does not match the client."))
    return problems


def _conclusions(raw: bytes) -> list[str]:
    doc = json.loads(raw)
    found = []
    for entry in doc.get("entry", []):
        resource = entry.get("resource", {}) if isinstance(entry, dict) else {}
        if resource.get("resourceType") == "DiagnosticReport" and resource.get("conclusion"):
            found.append(str(resource["conclusion"])[:2000])
    return found


def _parse(raw: bytes, case: Case, actor: Any) -> ParsedBundle:
    if len(raw) > fhir_max_bytes():
        limit = fhir_max_bytes() // (1024 * 1024)
        raise _refused(actor, case, "fhir", [_("The file is larger than %(n)s MB.") % {"n": limit}])
    try:
        parsed = parse_bundle(raw)
    except BundleError as exc:
        raise _refused(actor, case, "fhir", exc.problems) from None
    problems = _patient_problems(parsed, case)
    if problems:
        raise _refused(actor, case, "fhir", problems)
    return parsed


@transaction.atomic
def fhir_import(
    *, case: Case, actor: Any, raw: bytes, referral: Referral | None = None
) -> ImportOutcome:
    """Import a FHIR R4 Bundle's results into the client's observations (source ``fhir``).

    The same bundle (SHA-256) twice is one import: the second changes nothing. The bundle's
    identifiers are never stored (only the values read). Raises: ResultsRefused (too large,
    invalid, wrong patient, implausible values; audited, nothing stored), ConsentRequired.
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=case.pk)
    digest = hashlib.sha256(raw).hexdigest()
    existing = case.result_imports.filter(sha256=digest).first()
    if existing is not None:
        return ImportOutcome(existing, False, tuple(reveal(existing, "extras").get("ignored", ())))
    parsed = _parse(raw, case, actor)
    extras = {
        "questionnaires": {
            name: {str(k): v for k, v in items.items()}
            for name, items in parsed.inputs.questionnaires.items()
        },
        "conditions": list(parsed.inputs.conditions),
        "ignored": list(parsed.ignored),
        "conclusions": _conclusions(raw),
    }
    row = _store(
        case, actor, ResultImport.Source.FHIR, _observation_inputs(parsed), extras, referral,
        sha256=digest,
    )  # fmt: skip
    return ImportOutcome(row, True, parsed.ignored)


def _store(
    case: Case, actor: Any, source: str, items: list, extras: dict, referral: Referral | None,
    **fields: Any,
) -> ResultImport:  # fmt: skip
    referral = referral or case.referrals.filter(status__in=Referral.OPEN).first()
    row = ResultImport.objects.create(
        case=case, client=case.client, referral=referral, source=source, extras=extras,
        institution=referral.institution if referral else fields.pop("institution", None),
        observation_count=len(items), imported_by=actor, **fields,
    )  # fmt: skip
    try:
        client_services.observation_record(
            client=case.client, actor=actor, items=items, source=_observation_source(source),
            source_ref=f"result-import:{row.public_id}",
        )  # fmt: skip
    except ValidationError as exc:
        raise _refused(actor, case, source, exc.messages) from None
    audit.record(
        actor=actor, action=AuditAction.RESULTS_IMPORTED, target=row, client=case.client,
        case=case, source=source, observation_count=len(items),
    )  # fmt: skip
    _results_arrived(case, actor, referral)
    return row


def _observation_source(source: str) -> str:
    return {
        ResultImport.Source.FHIR: Observation.Source.FHIR,
        ResultImport.Source.RESULTS_FORM: Observation.Source.RESULTS_FORM,
    }.get(source, Observation.Source.CLIENT_REPORT)


def _results_arrived(case: Case, actor: Any, referral: Referral | None) -> None:
    if referral is not None and referral.is_open:
        referral_move(referral=referral, move="report_received", actor=actor)
    case.refresh_from_db(fields=["status", "version"])
    if case.status == Case.Status.REFERRED:
        case_transition(case=case, action=Action.RECEIVE_RESULTS, actor=actor)


@transaction.atomic
def results_record(
    *,
    case: Case,
    actor: Any,
    items: Sequence[client_services.ObservationInput],
    reference_ranges: Mapping[str, str] | None = None,
    referral: Referral | None = None,
) -> ResultImport:
    """Record results entered on the structured form (canonical units, plausibility checked
    by the clients service). Raises: ResultsRefused (audited, nothing stored), ConsentRequired.
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=case.pk)
    if not items:
        raise _refused(actor, case, "results_form", [_("Enter at least one result.")])
    source = ResultImport.Source.RESULTS_FORM
    if case.result_imports.filter(source=ResultImport.Source.CLIENT_REPORT).exists():
        source = ResultImport.Source.CLIENT_REPORT
    extras = {"reference_ranges": dict(reference_ranges or {})}
    return _store(case, actor, source, list(items), extras, referral)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@transaction.atomic
def client_report_accept(
    *, case: Case, actor: Any, institution: Institution, report_date: datetime.date
) -> ResultImport:
    """Accept a recent report the client brought instead of a referral: younger than the pack's
    limit (default 12 months) and from a qualified institution. Its results are then entered
    on the results form (source ``client_report``).
    Raises: ConsentRequired (audited), ResultsRefused (too old, unqualified; audited, nothing
    changed), TransitionNotAllowed.
    """
    case = Case.objects.select_for_update().select_related("client").get(pk=case.pk)
    consent_require(actor=actor, client=case.client, operation="client_report.accept")
    today = timezone.localdate()
    months = catalogue.report_max_age_months(case.pack_id)
    problems = []
    if report_date > today or report_date < _months_before(today, months):
        problems.append(
            _("The report must be younger than %(n)s months; a referral is required.")
            % {"n": months}
        )
    if not institution.is_qualified(report_date) or not institution.is_qualified(today):
        problems.append(_("The report's institution is not qualified; a referral is required."))
    if problems:
        raise _refused(actor, case, "client_report", problems)
    row = ResultImport.objects.create(
        case=case, client=case.client, institution=institution, report_date=report_date,
        source=ResultImport.Source.CLIENT_REPORT, imported_by=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.RESULTS_IMPORTED, target=row, client=case.client,
        case=case, source="client_report", institution_id=institution.pk,
    )  # fmt: skip
    case_transition(case=case, action=Action.ACCEPT_REPORT, actor=actor)
    return row


@transaction.atomic
def report_files_store(
    *,
    case: Case,
    actor: Any,
    uploads: Sequence[tuple[str, bytes]],
    referral: Referral | None = None,
) -> list[CaseDocument]:
    """Store the original report files (PDF/JPEG/PNG by content), encrypted, under generated
    names. EVERY file is validated before any is stored (case B18).
    Raises: ConsentRequired (no active health-check consent; audited, nothing stored),
    ValidationError naming each bad file (nothing stored).
    """
    consent_require(actor=actor, client=case.client, operation="report_files.store")
    errors = []
    for name, data in uploads:
        try:
            files.validate_upload(name, data)
        except ValidationError as exc:
            shown = files.sanitise_filename(name, "application/pdf").removesuffix(".pdf")
            errors.append(f"{shown}: {' '.join(exc.messages)}")
    if not uploads:
        errors.append(_("Choose at least one file."))
    if errors:
        raise ValidationError(errors)
    stored = []
    for name, data in uploads:
        document = client_services.document_store(
            actor=actor, client=case.client, kind=Document.Kind.CHECKUP_REPORT, name=name, data=data
        )
        stored.append(CaseDocument.objects.create(case=case, document=document, referral=referral))
    return stored
