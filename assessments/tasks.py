"""Assessment tasks: referral reminders, expiry of stale referrals, institution suspension;
issue 8: notification e-mails, the emergency escalation sweep and the daily re-check sweep.

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
from assessments.models import InboxMessage, Referral
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


def _inbox_link(message: InboxMessage) -> str:
    if message.case_id is None:
        return settings.SITE_URL.rstrip("/") + reverse("assessments:follow-up-inbox")
    return settings.SITE_URL.rstrip("/") + reverse(
        "assessments:case-detail", args=[message.case.public_id]
    )


@shared_task(name="assessments.inbox_mail_task", bind=True, ignore_result=True, **TASK_OPTIONS)
def inbox_mail_task(self, message_id: int) -> None:  # type: ignore[no-untyped-def]
    """E-mail one in-app message to its recipient: a subject by kind and a link, no values."""
    with outbox.run_once(self.request.id) as should_run:
        message = InboxMessage.objects.select_related("recipient", "case").filter(pk=message_id)
        message = message.first()
        if not should_run or message is None or not message.recipient.email:
            return
        recipient = message.recipient
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            context = {"link": _inbox_link(message), "kind": message.kind}
            subject = render_to_string("emails/inbox_message_subject.txt", context).strip()
            body = render_to_string("emails/inbox_message_body.txt", context)
            html = render_to_string("emails/inbox_message_body.html", context)
        send_mail(subject, body, None, [recipient.email], html_message=html)


@shared_task(name="assessments.emergencies_escalate_task", ignore_result=True, **TASK_OPTIONS)
def emergencies_escalate_task() -> int:
    """Beat: escalate overdue emergency steps once each (system actor)."""
    return services.emergencies_escalate()


@shared_task(name="assessments.rechecks_sweep_task", ignore_result=True, **TASK_OPTIONS)
def rechecks_sweep_task() -> int:
    """Beat: re-check tasks and reminders for files past their review date; mark them stale."""
    return services.rechecks_sweep()
