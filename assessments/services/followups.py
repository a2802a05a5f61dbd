"""Follow-ups and notifications: the in-app inbox (with its e-mail), review schedules, the
manager's tasks, and the daily re-check sweep.

Every notification is one ``InboxMessage`` plus one outbox e-mail task carrying only the
message id; the e-mail holds a link, never a health value. Dedupe keys make the sweep and
the escalation idempotent (case B16); the beat sweep records a named system actor (case B06).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from assessments.models import Case, FollowUp, InboxMessage, ReviewSchedule
from clients.gate import active_consent
from clients.models import Client, Purpose
from healthcheck.core import audit, outbox
from healthcheck.core.audit import AuditAction, SystemActor

MAIL_TASK = "assessments.inbox_mail_task"


def users_with(codename: str, app_label: str = "assessments") -> QuerySet[Any]:
    """Active users holding a capability through a role (group) or directly."""
    perm = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    return get_user_model().objects.filter(perm, is_active=True).distinct().order_by("pk")


def inbox_post(
    *, recipient: Any, kind: str, case: Case | None = None, dedupe_key: str | None = None
) -> InboxMessage | None:
    """Post one in-app message and queue its e-mail. Returns None when the key was used."""
    if dedupe_key and InboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            message = InboxMessage.objects.create(
                recipient=recipient, kind=kind, case=case, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return None  # a concurrent run posted it
    outbox.enqueue(MAIL_TASK, message.pk, dedupe_key=f"inbox-mail:{message.pk}")
    return message


def inbox_post_many(
    *, recipients: Iterable[Any], kind: str, case: Case | None, key: str
) -> list[InboxMessage]:
    """Post to several recipients, once per recipient and ``key``."""
    posted = []
    for user in recipients:
        message = inbox_post(recipient=user, kind=kind, case=case, dedupe_key=f"{key}:{user.pk}")
        if message is not None:
            posted.append(message)
    return posted


def review_schedule_set(*, client: Client, day: datetime.date, actor: Any, case: Case) -> None:
    """Set the client's next review date (fresh, not stale) and mirror it on the client."""
    ReviewSchedule.objects.update_or_create(
        client=client, defaults={"next_review_on": day, "is_stale": False, "stale_since": None}
    )
    client.next_review_on = day
    client.save(update_fields=["next_review_on", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.REVIEW_SCHEDULED, target=client, client=client,
        case=case, fields=("next_review_on",),
    )  # fmt: skip


def follow_up_create(
    *, client: Client, kind: str, due_on: datetime.date, key: str, actor: Any,
    case: Case | None = None, assignee: Any = None,
) -> FollowUp | None:  # fmt: skip
    """Create a task for the client's manager once per ``key``. Returns None if it exists."""
    if FollowUp.objects.filter(dedupe_key=key).exists():
        return None
    task = FollowUp.objects.create(
        client=client, case=case, assignee=assignee or client.manager, kind=kind, due_on=due_on,
        dedupe_key=key,
    )  # fmt: skip
    audit.record(
        actor=actor, action=AuditAction.FOLLOW_UP_CREATED, target=task, client=client,
        case=case, kind=kind,
    )  # fmt: skip
    return task


@transaction.atomic
def follow_up_done(*, task: FollowUp, actor: Any) -> FollowUp:
    """Mark one of the actor's tasks done. Raises PermissionDenied (not the assignee; audited)."""
    task = FollowUp.objects.select_for_update(of=("self",)).select_related("client").get(pk=task.pk)
    if task.assignee_id != actor.pk:
        audit.record_denied(
            actor=actor, action=AuditAction.FOLLOW_UP_DONE, target=task, client=task.client,
            reason="not_assignee",
        )  # fmt: skip
        raise PermissionDenied
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit.record(
            actor=actor, action=AuditAction.FOLLOW_UP_DONE, target=task, client=task.client,
            kind=task.kind,
        )  # fmt: skip
    return task


def follow_ups_close(*, tasks: QuerySet[FollowUp], actor: Any, reason: str) -> int:
    """Close open tasks that are no longer needed (e.g. the emergency they track was closed):
    done now, one audit event each naming ``reason``. Returns how many were closed."""
    closed = 0
    for task in tasks.select_for_update(of=("self",)).select_related("client").open():
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit.record(
            actor=actor, action=AuditAction.FOLLOW_UP_DONE, target=task, client=task.client,
            case=task.case, kind=task.kind, reason=reason,
        )  # fmt: skip
        closed += 1
    return closed


def _recheck_due(schedule: ReviewSchedule, actor: Any) -> int:
    client = schedule.client
    key = f"recheck:{client.pk}:{schedule.next_review_on.isoformat()}"
    task = follow_up_create(
        client=client, kind=FollowUp.Kind.RECHECK, due_on=schedule.next_review_on, key=key,
        actor=actor,
    )  # fmt: skip
    inbox_post(
        recipient=client.manager, kind=InboxMessage.Kind.RECHECK_DUE, dedupe_key=f"{key}:reminder"
    )
    return 1 if task is not None else 0


@transaction.atomic
def rechecks_sweep(*, actor: Any = SystemActor.RECHECK_SCHEDULER, today: Any = None) -> int:
    """Daily beat: for every file past its review date, one re-check task and one reminder
    (dedupe keys), and mark the file stale. Returns how many tasks were created now.

    Clients whose consent was withdrawn are skipped: no task may process their data (B31).
    """
    today = today or timezone.localdate()
    created = 0
    due = ReviewSchedule.objects.select_for_update(of=("self",)).select_related("client__manager")
    for schedule in due.filter(next_review_on__lte=today):
        if active_consent(schedule.client, Purpose.HEALTH_CHECK, None) is None:
            continue
        created += _recheck_due(schedule, actor)
        if not schedule.is_stale:
            schedule.is_stale, schedule.stale_since = True, today
            schedule.save(update_fields=["is_stale", "stale_since", "updated_at"])
            audit.record(
                actor=actor, action=AuditAction.REVIEW_STALE, target=schedule,
                client=schedule.client, fields=("is_stale",),
            )  # fmt: skip
    return created
