"""Load the embedded demo: staff for every role, a published notice for every consent purpose
(health check, sharing with an institution, product suggestions), the survey's examination
centre as a designated institution, products, and NHANES 2017-2018 adults as clients who walk
the real procedure. Idempotent: a second run creates nothing twice.

Each survey row goes through the same services a client manager and a medical advisor use:
``client_create`` (made-up Chinese name, the survey id as an external reference of ID type
"other"), ``consent_record`` (health check, on the published notice, signed form stored
encrypted), ``declaration_save`` (the survey's answers), ``case_create`` / ``case_collect`` /
``assessment_run`` (the engine on the declaration), ``client_report_accept`` (the survey
examination as a report the client brought), ``fhir_import`` (the measurements as the FHIR
bundle an institution would send) and the medical advisor's re-assessment on the results.
A bundle the FHIR reader refuses (a diastolic of 0, a lone reading) is reported, and that case
stays where validation left it: results received, assessed on the declaration only.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from assessments import nhanes, services
from assessments.models import Case, CheckupItem, InstitutionOffer
from assessments.models.case import Purpose as CasePurpose
from clients import services as client_services
from clients.models import (
    NOTICE_LANGUAGES,
    NOTICE_SECTIONS,
    Client,
    Consent,
    Institution,
    Notice,
    Purpose,
)
from healthcheck.core import audit
from healthcheck.core.fields import blind_index_field_for
from healthcheck.core.models import User

DEFAULT_ROWS = 330  # >= 300 assessed with measurements after the file's own refusals
MANAGERS = ("manager", "manager2", "manager3")
CENTRE_LICENCE = "NHANES-MEC-2017"
CENTRE_NAME = "NHANES 流动体检中心 (Mobile Examination Centre, demo)"
BRANCH = "演示支行 Demo branch"
PURPOSES = (CasePurpose.LOAN, CasePurpose.INSURANCE, CasePurpose.WEALTH_PLAN)
# A minimal PDF standing in for the signed consent form (type checked from its content).
CONSENT_PDF = (
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% demo consent form\ntrailer << >>\n%%EOF\n"
)
NOTICE_TEXT = {
    "purpose": ("为评估您申请的业务办理健康检查。",
                "To run the health check for the business you apply for."),
    "processing": ("收集健康声明、体检结果,规则引擎评估,加密存储。",
                   "We collect your declaration and check-up results, assess them with rules and "
                   "store them encrypted."),
    "retention": ("业务结束或撤回同意后按法规期限保存后销毁。",
                  "Kept for the legal period after the business ends or consent is withdrawn, "
                  "then erased."),
    "recipients": ("仅限经办客户经理、医疗顾问和审批人;共享给体检机构需另行同意。",
                   "Only your client manager, the medical advisor and the approver; sharing with "
                   "an institution needs a separate consent."),
    "necessity": ("健康信息属敏感个人信息,仅用于本次评估。",
                  "Health data is sensitive personal information, used only for this check."),
    "impact": ("您可随时撤回同意,并可要求人工复核。",
               "You may withdraw at any time and ask for a human review."),
}  # fmt: skip
# Each consent purpose has its own notice (PIPL Art. 29): title and the sections that differ.
NOTICE_BY_PURPOSE = {
    Purpose.HEALTH_CHECK: ("个人健康信息处理告知书", "Notice on processing your health data", {}),
    Purpose.SHARE_WITH_INSTITUTION: (
        "向体检机构提供个人健康信息告知书",
        "Notice on sharing your health data with an institution",
        {"purpose": ("向您选定的体检机构提供身份及检查项目信息,以便安排体检并接收结果。",
                     "To give the examination centre you choose your identity and the check-up "
                     "items, so that it can examine you and send us the results."),
         "recipients": ("仅限您在同意书中指定的体检机构。",
                        "Only the institution named in this consent.")},
    ),
    Purpose.PRODUCT_RECOMMENDATION: (
        "基于健康信息推荐产品告知书", "Notice on product suggestions from your health data",
        {"purpose": ("根据健康检查结果向您推荐合适的产品。",
                     "To suggest products that suit the result of your health check."),
         "impact": ("不同意不影响健康检查及业务办理;您可随时撤回。",
                    "Refusing does not affect the health check or your application; you may "
                    "withdraw at any time.")},
    ),
}  # fmt: skip
PRODUCTS = (  # code, English, Chinese, business line, health-data policy
    ("demo-loan", "Personal loan", "个人消费贷款", "credit", "none"),
    ("demo-critical-illness", "Critical-illness cover", "重大疾病保险", "insurance",
     "insurance_only"),
    ("demo-wealth-plan", "Retirement wealth plan", "养老理财计划", "wealth", "none"),
)  # fmt: skip


class Command(BaseCommand):
    help = "Load the embedded demo (staff, institution, NHANES clients assessed by the engine)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="survey rows to load")
        parser.add_argument("--offset", type=int, default=0, help="first survey row to load")
        parser.add_argument("--csv", type=Path, default=None, help="the NHANES sample CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo is for the embedded profile (DJANGO_DEBUG=1) only.")
        started = time.perf_counter()
        # One eager re-check task per declaration: keep their success lines out of the output.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        call_command("create_demo_users", stdout=self.stdout)
        staff = {
            u.username: u for u in User.objects.filter(username__in=[*MANAGERS, "advisor", "admin"])
        }
        notice = _notices(staff["admin"])[Purpose.HEALTH_CHECK]
        centre = _institution()
        self.stdout.write(_products())
        path = options["csv"] or nhanes.csv_path(Path(settings.BASE_DIR))
        rows = nhanes.read_rows(path, options["rows"], options["offset"])
        loader = DemoLoader(staff, notice, centre)
        loader.load(rows)
        audit.flush_deferred()
        self._report(loader, time.perf_counter() - started)

    def _report(self, loader: DemoLoader, seconds: float) -> None:
        out = self.stdout.write
        out(f"Demo clients: {loader.created} created, {loader.present} already present.")
        for seqn, problem in loader.refused:
            out(f"  survey {seqn}: bundle refused by validation ({problem})")
        spread = recommendation_spread()
        out(
            "Demo cases by recommendation: "
            + ", ".join(f"{k or '-'} {v}" for k, v in spread.items())
        )
        out(f"Demo loaded in {seconds:.1f} s.")


def _notices(admin: User) -> dict[str, Notice]:
    """The published notice of every consent purpose (so that each consent can be recorded in
    the demo); the administrator publishes one for a purpose that has none (idempotent)."""
    return {purpose: _notice(admin, purpose) for purpose in Purpose.values}


def _notice(admin: User, purpose: str) -> Notice:
    notice = client_services.current_notice(purpose)
    if notice is not None:
        return notice
    title_zh, title_en, sections = NOTICE_BY_PURPOSE[purpose]
    text = NOTICE_TEXT | sections
    texts = {f"{name}_{suffix}": text[name][i] for name, _label in NOTICE_SECTIONS
             for i, (_code, suffix) in enumerate(NOTICE_LANGUAGES)}  # fmt: skip
    draft = Notice.objects.create(purpose=purpose, title_zh=title_zh, title_en=title_en, **texts)
    return client_services.notice_publish(actor=admin, notice=draft)


def _institution() -> Institution:
    """The survey's examination centre: active, qualified for two years, offering every item.
    Institutions are admin data (no service); the loader writes them as the admin page does."""
    centre, _created = Institution.objects.get_or_create(
        licence_number=CENTRE_LICENCE,
        defaults={
            "name": CENTRE_NAME,
            "qualification_expires_on": timezone.localdate() + datetime.timedelta(days=730),
            "contact": "demo@example.org",
        },
    )
    offered = set(centre.offers.values_list("item_id", flat=True))
    InstitutionOffer.objects.bulk_create(
        InstitutionOffer(institution=centre, item=item)
        for item in CheckupItem.objects.exclude(pk__in=offered)
    )
    return centre


def _products() -> str:
    """One product per business line; the insurance product suits common cardiometabolic findings
    so that product suggestions can be shown (with the client's product-recommendation consent)."""
    from assessments.models import Product

    for code, name_en, name_zh, line, policy in PRODUCTS:
        suits = ["blood_pressure", "bmi", "waist"] if line == "insurance" else []
        Product.objects.get_or_create(
            code=code,
            defaults={"name_en": name_en, "name_zh": name_zh, "business_line": line,
                      "health_policy": policy, "suits_findings": suits},
        )  # fmt: skip
    return f"Products: {Product.objects.filter(code__in=[p[0] for p in PRODUCTS]).count()}."


def recommendation_spread(managers: tuple[str, ...] = MANAGERS) -> dict[str, int]:
    """Cases of the demo managers' clients by current recommendation."""
    rows = Case.objects.filter(client__manager__username__in=managers).values_list(
        "recommendation", flat=True
    )
    counts = Counter(rows)
    return {key: counts.get(key, 0) for key in ("proceed", "refer", "emergency", "")}


def exam_date(seqn: str) -> datetime.date:
    """When the demo pretends the client was examined: 2 to 19 weeks ago (the report must be
    younger than the pack's limit), the same day on every run."""
    return timezone.localdate() - datetime.timedelta(days=14 + int(seqn) % 120)


class DemoLoader:
    """Walks survey rows through the services; remembers what it created and what was refused."""

    def __init__(self, staff: dict[str, User], notice: Notice, centre: Institution) -> None:
        self.managers = [staff[name] for name in MANAGERS]
        self.advisor, self.notice, self.centre = staff["advisor"], notice, centre
        self.created = self.present = 0
        self.refused: list[tuple[str, str]] = []

    def load(self, rows: list[dict[str, str]]) -> None:
        existing = _existing_references([nhanes.external_id(r["SEQN"]) for r in rows])
        for index, row in enumerate(rows):
            if _index(nhanes.external_id(row["SEQN"])) in existing:
                self.present += 1
                continue
            manager = self.managers[int(row["SEQN"]) % len(self.managers)]
            with transaction.atomic():
                self._one(row, manager, PURPOSES[index % len(PURPOSES)])
            self.created += 1

    def _one(self, row: dict[str, str], manager: User, purpose: str) -> None:
        """One client through collect -> assess -> client's report -> FHIR results."""
        seqn, exam = row["SEQN"], exam_date(row["SEQN"])
        client = self._client(row, manager, exam)
        case = services.case_create(actor=manager, client=client, purpose=purpose)
        services.case_collect(case=case, actor=manager)
        services.assessment_run(case=case, actor=manager)
        services.client_report_accept(
            case=case, actor=manager, institution=self.centre, report_date=exam
        )
        bundle = nhanes.to_bundle(row, exam=exam, answers=False).encode()
        try:
            services.fhir_import(case=case, actor=manager, raw=bundle)
        except services.ResultsRefused as exc:
            more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            self.refused.append((seqn, exc.problems[0] + more))
            return
        services.assessment_run(case=case, actor=self.advisor, reassessment=True)

    def _client(self, row: dict[str, str], manager: User, exam: datetime.date) -> Client:
        """The client, their health-check consent and their declaration of the survey answers."""
        client = client_services.client_create(
            actor=manager, manager=manager, name=nhanes.demo_name(row["SEQN"]),
            sex=nhanes.sex(row), id_type=Client.IdType.OTHER,
            national_id=nhanes.external_id(row["SEQN"]),
            date_of_birth=nhanes.birth_date(row, exam), branch=BRANCH,
        )  # fmt: skip
        client_services.consent_record(
            actor=manager, client=client, purpose=Purpose.HEALTH_CHECK, notice=self.notice,
            notice_sha256=self.notice.text_sha256, channel=Consent.Channel.IN_BRANCH,
            expires_at=timezone.now() + datetime.timedelta(days=365),
            evidence_name="consent-form.pdf", evidence_data=CONSENT_PDF,
        )  # fmt: skip
        answers = nhanes.declaration_answers(row)
        client_services.declaration_save(
            actor=manager, client=client, data=client_services.DeclarationInput(**answers)
        )
        return client


def _index(reference: str) -> str | None:
    return blind_index_field_for(Client, "national_id").index_for(reference)


def _existing_references(references: list[str]) -> set[str]:
    """Blind indexes of the survey ids already loaded (one query)."""
    indexes = [_index(r) for r in references]
    return set(
        Client.objects.filter(
            id_type=Client.IdType.OTHER, national_id_index__in=indexes
        ).values_list("national_id_index", flat=True)
    )
