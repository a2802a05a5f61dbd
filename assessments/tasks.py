"""Assessment tasks: referral reminders, expiry of stale referrals, institution suspension.

Tasks take ids and flags only and load everything else; reminder bodies run once per outbox
row (``outbox.run_once``). E-mails carry only a link, never health data.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from assessments import services
from assessments.models import Referral
from healthcheck.core import outbox

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": 300}
# Reminder kinds that no longer apply once the referral moved on.
STILL_DUE = {
    "appointment_tomorrow": ("booked",),
    "appointment_missed": ("booked",),
    "report_overdue": ("attended",),
    "referral_expiring": Referral.OPEN,
}


def _send(name: str, referral: Referral, **context: object) -> None:
    manager = referral.case.client.manager
    if not manager.email:
        return
    link = settings.SITE_URL.rstrip("/") + reverse(
        "assessments:referral-detail", args=[referral.public_id]
    )
    with translation.override(manager.language or settings.LANGUAGE_CODE):
        context = {"link": link, **context}
        subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
        body = render_to_string(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    send_mail(subject, body, None, [manager.email], html_message=html)


@shared_task(
    name="assessments.referral_reminder_task", bind=True, ignore_result=True, **TASK_OPTIONS
)
def referral_reminder_task(self, referral_id: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Send one reminder about a referral to its client's manager, once per outbox row."""
    with outbox.run_once(self.request.id) as should_run:
        referral = (
            Referral.objects.select_related("case__client__manager").filter(pk=referral_id).first()
        )
        if should_run and referral is not None and referral.status in STILL_DUE[kind]:
            _send("referral_reminder", referral, kind=kind)


@shared_task(
    name="assessments.institution_suspended_notice_task", bind=True, ignore_result=True,
    **TASK_OPTIONS,
)  # fmt: skip
def institution_suspended_notice_task(self, referral_id: int) -> None:  # type: ignore[no-untyped-def]
    """Tell a manager that the institution of an open referral was suspended."""
    with outbox.run_once(self.request.id) as should_run:
        referral = (
            Referral.objects.select_related("case__client__manager").filter(pk=referral_id).first()
        )
        if should_run and referral is not None:
            _send("institution_suspended", referral)


@shared_task(name="assessments.referral_reminders_task", ignore_result=True, **TASK_OPTIONS)
def referral_reminders_task() -> int:
    """Beat: queue the reminders due now (idempotent by outbox dedupe keys)."""
    return services.reminders_queue()


@shared_task(name="assessments.referrals_expire_task", ignore_result=True, **TASK_OPTIONS)
def referrals_expire_task() -> int:
    """Beat: expire referrals past their validity (idempotent: expired ones are not open)."""
    return services.referrals_expire_stale()


@shared_task(name="assessments.institutions_suspend_task", ignore_result=True, **TASK_OPTIONS)
def institutions_suspend_task() -> int:
    """Beat: suspend institutions past their qualification expiry (idempotent)."""
    return services.institutions_suspend_expired()
