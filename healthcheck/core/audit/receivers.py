"""Authentication events and the flush points of deferred denials.

Logins, logouts and failures are only visible as django.contrib.auth, django-axes and
django-otp signals, so these receivers are the exception to "no signals" (STYLE.md §5 bans
model signals, which miss reads, tasks and commands; these are not model signals).
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from celery.signals import task_postrun
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.signals import request_finished
from django_otp.forms import otp_verification_failed

from healthcheck.core.audit.actions import AuditAction, SystemActor
from healthcheck.core.audit.recording import Outcome, flush_deferred, record, record_denied


def _username(value: Any) -> str:
    return value.strip().casefold()[:150] if isinstance(value, str) else ""


def _known_user(username: str) -> Any:
    if not username:
        return None
    return get_user_model()._default_manager.filter(username__iexact=username).first()


def on_logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    record(actor=user, action=AuditAction.USER_LOGGED_IN, target=user)


def on_logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        record(actor=user, action=AuditAction.USER_LOGGED_OUT, target=user)


def on_login_failed(sender: Any, credentials: Any = None, request: Any = None, **kw: Any) -> None:
    # The actor is anonymous: a failed attempt proves nobody's identity. The account it aimed
    # at is the target, so compliance finds it by user.
    username = _username((credentials or {}).get("username"))
    record_denied(
        actor=SystemActor.ANONYMOUS,
        action=AuditAction.USER_LOGIN_FAILED,
        outcome=Outcome.FAILED,
        target=_known_user(username),
        username=username,
    )


def on_locked_out(sender: Any, request: Any = None, username: Any = None, **kw: Any) -> None:
    name = _username(username)
    record_denied(
        actor=SystemActor.ANONYMOUS,
        action=AuditAction.USER_LOCKED_OUT,
        target=_known_user(name),
        username=name,
    )


def on_second_factor_failed(sender: Any, user: Any = None, **kwargs: Any) -> None:
    record_denied(
        actor=user or SystemActor.ANONYMOUS,
        action=AuditAction.USER_SECOND_FACTOR_FAILED,
        outcome=Outcome.FAILED,
        target=user,
    )


def on_unit_of_work_end(*args: Any, **kwargs: Any) -> None:
    """End of a request or task: write denials whose transaction rolled back."""
    flush_deferred()


def connect() -> None:
    """Connect every receiver once (called from CoreConfig.ready)."""
    pairs = (
        (user_logged_in, on_logged_in),
        (user_logged_out, on_logged_out),
        (user_login_failed, on_login_failed),
        (user_locked_out, on_locked_out),
        (otp_verification_failed, on_second_factor_failed),
        (request_finished, on_unit_of_work_end),
        (task_postrun, on_unit_of_work_end),
    )
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"core.audit.{receiver.__name__}")
