"""Writing audit events: ``record``, ``record_denied``, ``record_read`` and their validation.

Validation is strict on purpose: an audit row is read by compliance officers and copied to
backups, so a health value put there by mistake is a leak (case B07). Field *names* and ids
pass; floats, dicts, objects and keys that look like values are refused with ``ValueError``.
So is any word that by itself states a restricted health fact (a mental-health questionnaire
was answered, a crisis trigger, a restricted ICD-10 code): the apps that own those vocabularies
register them with ``register_health_fact_terms`` (core imports no app), and a detail or target
label naming one is refused. Audit rows name such things only as ``"restricted"``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from healthcheck.core import context
from healthcheck.core.audit.actions import AuditAction, SystemActor
from healthcheck.core.models import AuditEvent

Outcome = AuditEvent.Outcome

_ACTION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_ACTOR = re.compile(r"^(system|command):[a-z0-9][a-z0-9_.-]{0,100}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63})*$")
_MAX_FIELDS = 100
_MAX_DETAIL_KEYS = 20
_MAX_DETAIL_STRING = 200
_MAX_DETAIL_LIST = 50
_MAX_DETAILS_JSON = 2000
# Keys that only ever carry a value, never an id or a status.
_VALUE_KEYS = frozenset(
    {"value", "values", "old", "new", "old_value", "new_value", "before", "after", "diff"}
    | {"changes", "data", "payload", "content", "text", "note", "notes"}
)
# Predicates, registered by the apps, that tell whether one word states a restricted health fact.
_HEALTH_FACT_TERMS: list[Callable[[str], bool]] = []
_WORD = re.compile(r"[A-Za-z0-9_.]+")
# Name of the extra DATABASES alias (same database, own connection) for denials.
INDEPENDENT_ALIAS = "audit"


def _actor(actor: Any) -> tuple[int | None, str]:
    if isinstance(actor, str):
        if actor == SystemActor.ANONYMOUS or _ACTOR.match(actor):
            return None, str(actor)
        raise ValueError(f"actor {actor!r} is not a named system actor (system:<name>)")
    if actor is None:
        raise ValueError("an audit event needs an actor")
    if getattr(actor, "is_anonymous", False):
        return None, SystemActor.ANONYMOUS.value
    username = actor.get_username() if hasattr(actor, "get_username") else ""
    if actor.pk is None or not username:
        raise ValueError("the acting user must be saved and have a username")
    return actor.pk, username[:150]


def register_health_fact_terms(predicate: Callable[[str], bool]) -> None:
    """Register a test for words that state a restricted health fact by themselves (for example
    ``phq9`` or ``suicide_risk``). Called from an app's ``ready()``; idempotent per predicate."""
    if predicate not in _HEALTH_FACT_TERMS:
        _HEALTH_FACT_TERMS.append(predicate)


def _names_health_fact(text: str) -> bool:
    return any(test(word) for word in _WORD.findall(text) for test in _HEALTH_FACT_TERMS)


def _target(target: Any) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    meta = target._meta
    ident = getattr(target, "public_id", None) or target.pk
    if ident is None:
        raise ValueError("the target must be saved before it is audited")
    label = getattr(target, "audit_label", None)
    if callable(label):
        label = label()
    if label is None:
        # A username is safe; any other model names itself by type and id, never by __str__,
        # which a later model could make return health data.
        get_username = getattr(target, "get_username", None)
        label = get_username() if callable(get_username) else f"{meta.model_name} {ident}"
    if _names_health_fact(str(label)):
        raise ValueError(f"the audit label of {meta.label_lower} names a restricted health fact")
    return meta.label_lower, str(ident)[:64], str(label)[:200]


def _uuid(value: Any, what: str) -> uuid.UUID | None:
    if value is None:
        return None
    value = getattr(value, "public_id", value)
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        return uuid.UUID(value)
    raise ValueError(f"{what} must have a public_id or be a UUID, not {type(value).__name__}")


def _case_id(case: Any) -> str:
    if case is None:
        return ""
    value = getattr(case, "public_id", None) or getattr(case, "pk", None) or case
    if not isinstance(value, str | int | uuid.UUID):
        raise ValueError(f"case must be a model, a UUID or an id, not {type(value).__name__}")
    return str(value)[:64]


def _field_names(fields: Iterable[str]) -> list[str]:
    if isinstance(fields, str):
        raise ValueError("fields must be a sequence of field names, not one string")
    names = list(dict.fromkeys(fields))  # de-duplicated, order kept
    if len(names) > _MAX_FIELDS or not all(isinstance(n, str) and _NAME.match(n) for n in names):
        raise ValueError("fields must be at most 100 field names (identifiers)")
    return names


def _check_scalar(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if len(value) > _MAX_DETAIL_STRING or "\x00" in value:
            raise ValueError(f"details[{key!r}] is longer than {_MAX_DETAIL_STRING} characters")
        if _names_health_fact(value):
            raise ValueError(
                f"details[{key!r}] names a restricted health fact: record it as 'restricted'"
            )
        return
    raise ValueError(
        f"details[{key!r}] must be str, int, bool, None or a list of those, "
        f"not {type(value).__name__}: details hold ids and statuses, never values"
    )


def _details(details: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if len(details) > _MAX_DETAIL_KEYS:
        raise ValueError(f"at most {_MAX_DETAIL_KEYS} details per event")
    changed = {name.rsplit(".", 1)[-1] for name in fields}
    for key, value in details.items():
        if not _NAME.match(key) or "." in key:
            raise ValueError(f"details key {key!r} is not an identifier")
        if key in _VALUE_KEYS or key in changed:
            # A detail named like a changed field (or "old"/"new") can only be its value.
            raise ValueError(f"details[{key!r}] would carry a value; name fields in fields=")
        if isinstance(value, list | tuple):
            if len(value) > _MAX_DETAIL_LIST:
                raise ValueError(f"details[{key!r}] has more than {_MAX_DETAIL_LIST} items")
            for item in value:
                _check_scalar(key, item)
        else:
            _check_scalar(key, value)
    cleaned = {k: list(v) if isinstance(v, tuple) else v for k, v in details.items()}
    if len(json.dumps(cleaned, ensure_ascii=False)) > _MAX_DETAILS_JSON:
        raise ValueError("details are too large: keep ids and statuses only")
    return cleaned


def _request_id() -> str:
    request_id = context.current().request_id
    if request_id:
        return request_id[:64]
    from celery import current_task

    task_id = getattr(getattr(current_task, "request", None), "id", None)
    # Inside a task there is no request: the task id ties the event to the run.
    return f"task:{task_id}"[:64] if task_id else ""


def build_event(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    client: Any = None,
    outcome: str = Outcome.SUCCESS,
    fields: Iterable[str] = (),
    purpose: str = "",
    case: Any = None,
    **details: Any,
) -> AuditEvent:
    """Validate the arguments of ``record`` and return the unsaved event. Raises ValueError."""
    if not isinstance(action, str) or not _ACTION.match(action):
        raise ValueError(f"action {action!r} is not of the form <noun>.<event>")
    if outcome not in Outcome.values:
        raise ValueError(f"outcome must be one of {Outcome.values}")
    if not isinstance(purpose, str) or len(purpose) > 200:
        raise ValueError("purpose must be a string of at most 200 characters")
    actor_user_id, actor_label = _actor(actor)
    target_type, target_id, target_label = _target(target)
    names = _field_names(fields)
    ctx = context.current()
    return AuditEvent(
        actor_user_id=actor_user_id,
        actor_label=actor_label,
        action=str(action),
        outcome=str(outcome),
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        client_public_id=_uuid(client, "client"),
        fields=names,
        purpose=purpose,
        case_id=_case_id(case),
        request_id=_request_id(),
        ip=ctx.ip,
        user_agent=ctx.user_agent[:300],
        details=_details(details, names),
    )


def record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    client: Any = None,
    outcome: str = Outcome.SUCCESS,
    fields: Iterable[str] = (),
    purpose: str = "",
    case: Any = None,
    **details: Any,
) -> AuditEvent:
    """Append one audit event in the caller's transaction (see the package docstring).

    Takes no lock: a plain INSERT. Raises ValueError on a missing actor or unsafe details.
    """
    event = build_event(
        actor=actor, action=action, target=target, client=client, outcome=outcome,
        fields=fields, purpose=purpose, case=case, **details,
    )  # fmt: skip
    flush_deferred()
    event.save(using=DEFAULT_DB_ALIAS)
    return event


def record_denied(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    client: Any = None,
    outcome: str = Outcome.DENIED,
    fields: Iterable[str] = (),
    purpose: str = "",
    case: Any = None,
    **details: Any,
) -> AuditEvent:
    """Append an event for a refused or failed action that survives the caller's rollback.

    Outside a transaction of the caller it is written at once. Inside one it is written on an
    independent connection (PostgreSQL, ``DATABASES["audit"]``), or else (SQLite, where a second
    connection would wait for the caller's own write lock) queued and written right after the
    caller's transaction ends, committed or not: at the next audit write, at the end of the
    request (``request_finished``) or of the task (``task_postrun``).
    """
    if outcome not in (Outcome.DENIED, Outcome.FAILED):
        raise ValueError("record_denied records outcome 'denied' or 'failed'")
    event = build_event(
        actor=actor, action=action, target=target, client=client, outcome=outcome,
        fields=fields, purpose=purpose, case=case, **details,
    )  # fmt: skip
    if not _in_caller_transaction():
        flush_deferred()
        event.save(using=DEFAULT_DB_ALIAS)
        return event
    if _write_independently(event):
        return event
    _defer(event)
    return event


def record_read(
    actor: Any,
    client: Any,
    section: str,
    purpose: str,
    *,
    case: Any = None,
    target: Any = None,
    action: str = AuditAction.HEALTH_RECORD_VIEWED,
) -> AuditEvent:
    """Record one read of a client's health data: call once per page view, export or download.

    ``section`` names what was shown (e.g. ``"declaration"``, ``"observations"``).
    """
    if not purpose:
        raise ValueError("a read of health data needs a purpose")
    return record(
        actor=actor,
        action=action,
        client=client,
        target=target,
        purpose=purpose,
        case=case,
        section=section,
    )


# ---------------------------------------------------------------------------------------------
# Denials inside the caller's transaction


def _in_caller_transaction(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True inside an atomic block of the caller (a test case's own wrapper does not count)."""
    return any(not block._from_testcase for block in connections[using].atomic_blocks)


def _write_independently(event: AuditEvent) -> bool:
    if INDEPENDENT_ALIAS not in settings.DATABASES:
        return False
    try:
        with transaction.atomic(using=INDEPENDENT_ALIAS):
            event.save(using=INDEPENDENT_ALIAS)
    except AssertionError:
        # Django's test cases forbid aliases a test did not declare (DatabaseOperationForbidden
        # is an AssertionError); the deferred path below still keeps the event.
        return False
    return True


_deferred = threading.local()


def _pending() -> list[AuditEvent]:
    if not hasattr(_deferred, "events"):
        _deferred.events = []
    return _deferred.events


def _defer(event: AuditEvent) -> None:
    _pending().append(event)
    # If the caller commits, write right after the commit; if it rolls back, the next flush
    # point writes it (Django has no rollback hook).
    transaction.on_commit(flush_deferred, robust=True)


def flush_deferred() -> int:
    """Write denials queued inside a transaction that has since ended. Returns how many."""
    pending = _pending()
    if not pending or _in_caller_transaction():
        return 0
    events, pending[:] = list(pending), []
    for event in events:
        event.save(using=DEFAULT_DB_ALIAS)
    return len(events)
