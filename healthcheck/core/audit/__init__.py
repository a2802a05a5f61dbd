"""The audit trail's one entry point: ``from healthcheck.core import audit``.

Contract (other apps code against exactly this)::

    audit.record(*, actor, action: str, target=None, client=None, outcome="success",
                 fields=(), purpose="", case=None, **details) -> AuditEvent

* ``actor``: a saved ``User``, or a named system actor string (``audit.SystemActor``, e.g.
  ``"system:recheck-scheduler"``; ``audit.command_actor("fix_data")`` for a command). Never
  empty: ``ValueError``. A task started by a user receives the user's id and passes the user.
* ``action``: ``<noun>.<event>``, a member of ``audit.AuditAction`` (add new ones there).
* ``target``: a saved model instance or None. Recorded as type ``app_label.model_name``, id
  (its ``public_id`` if it has one, else pk) and a label without health data (its
  ``audit_label`` if defined, a user's username, else ``"<model> <id>"``; never ``__str__``).
* ``client``: a Client-like object with ``.public_id``, or a UUID / UUID string.
* ``fields``: field NAMES only. ``details``: ids, statuses and names only. A details value
  that is not str/int/bool/None/list of those, a key equal to a changed field's name, or a
  key such as ``value``/``old``/``new``/``note`` raises ``ValueError``; details stay small
  (20 keys, 200 characters per string, 2 KB in all). Free text belongs on the domain row.
* Request id, IP (trusted-proxy aware) and user agent come from the request context; inside
  a Celery task the request id is ``task:<task id>``.
* Writes in the caller's transaction (a plain INSERT, no lock): if the caller rolls back, the
  event is gone with the change it described (case B05a).

``audit.record_denied(...)``: same arguments, ``outcome`` "denied" (default) or "failed";
the event survives the caller's transaction rolling back (case B05b).

``audit.record_read(actor, client, section, purpose, *, case=None, target=None)``: one event
per page view, export or download of a client's health data (``health_record.viewed``).

``audit.get_scoped_or_404(queryset, actor, **lookup)``: ``get_object_or_404`` on a scoped
queryset that records ``access.out_of_scope`` (denied / failed) before raising Http404.

No silent bypass: models inheriting ``healthcheck.core.audited.AuditedModel`` refuse
``update()``, ``delete()``, ``bulk_create()`` and ``bulk_update()`` unless done through
``audit.audited_update`` / ``audited_delete`` / ``audited_bulk_create`` /
``audited_bulk_update``, which record one event per row (case B01).
"""

from healthcheck.core.audit.actions import READ_ACTIONS, AuditAction, SystemActor, command_actor
from healthcheck.core.audit.bulk import (
    audited_bulk_create,
    audited_bulk_update,
    audited_delete,
    audited_update,
    client_of,
    get_scoped_or_404,
)
from healthcheck.core.audit.recording import (
    Outcome,
    flush_deferred,
    record,
    record_denied,
    record_read,
    register_health_fact_terms,
)
from healthcheck.core.audited import AuditBypassError

__all__ = [
    "READ_ACTIONS",
    "AuditAction",
    "AuditBypassError",
    "Outcome",
    "SystemActor",
    "audited_bulk_create",
    "audited_bulk_update",
    "audited_delete",
    "audited_update",
    "client_of",
    "command_actor",
    "flush_deferred",
    "get_scoped_or_404",
    "record",
    "record_denied",
    "record_read",
    "register_health_fact_terms",
]
