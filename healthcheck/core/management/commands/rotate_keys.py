"""Rewrap every data key under the newest master key and re-encrypt ring-encrypted values.

Batched (one transaction per batch, rows locked), resumable (a re-run picks up whatever is still
under an older key) and idempotent (a second run finds nothing to do and writes nothing).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, OutputWrapper
from django.db import models, transaction
from django.utils.translation import gettext as _

from healthcheck.core import audit, keys
from healthcheck.core.fields import (
    encrypted_fields,
    iter_sealed,
    models_with_encrypted_fields,
    token_key_id,
)


class Progress:
    """A text progress bar on a terminal, one line per batch otherwise (logs, CI)."""

    def __init__(self, out: OutputWrapper, label: str, total: int, enabled: bool = True) -> None:
        self.out, self.label, self.total, self.done = out, label, total, 0
        self.enabled = enabled and total > 0
        self.tty = out.isatty()

    def advance(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        width = 30
        filled = int(width * min(self.done, self.total) / self.total)
        line = f"{self.label}: [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
        if self.tty:
            self.out.write("\r" + line, ending="")
            if self.done >= self.total:
                self.out.write("")
        else:
            self.out.write(line)


class Command(BaseCommand):
    help = "Rewrap client data keys under the newest master key and re-encrypt ring values."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, batch_size: int, no_progress: bool, **options: Any) -> None:
        ring = keys.key_ring()  # verifies every configured key first
        show = not no_progress and options["verbosity"] > 0
        rewrapped = sum(
            self._rewrap(m, ring, batch_size, show) for m in keys.data_key_owner_models()
        )
        reencrypted = sum(
            self._reencrypt(m, ring, batch_size, show) for m in models_with_encrypted_fields()
        )
        if rewrapped or reencrypted:
            audit.record(
                actor="system:key-rotation",
                action="key.rotated",
                primary_key_id=ring.primary.key_id,
                rewrapped=rewrapped,
                reencrypted=reencrypted,
            )
        self.stdout.write(
            _(
                "Rewrapped %(rewrapped)d data keys and re-encrypted %(values)d values under "
                "master key %(key)s."
            )
            % {"rewrapped": rewrapped, "values": reencrypted, "key": ring.primary.key_id}
        )

    def _rewrap(self, model: type[Any], ring: keys.KeyRing, size: int, show: bool) -> int:
        stale = model._default_manager.filter(data_key_wrapped__isnull=False).exclude(
            data_key_id=ring.primary.key_id
        )
        progress = Progress(self.stdout, f"{model._meta.label} keys", stale.count(), show)
        last_pk, count = 0, 0
        while True:
            with transaction.atomic():
                batch = list(stale.filter(pk__gt=last_pk).order_by("pk").select_for_update()[:size])
                if not batch:
                    return count
                changed = [owner for owner in batch if keys.rewrap_data_key(owner, ring)]
                model._default_manager.bulk_update(changed, ["data_key_wrapped", "data_key_id"])
            last_pk, count = batch[-1].pk, count + len(changed)
            progress.advance(len(batch))

    def _reencrypt(self, model: type[Any], ring: keys.KeyRing, size: int, show: bool) -> int:
        ring_fields = [f for f in encrypted_fields(model) if f.scope == "ring"]
        if not ring_fields:
            return 0
        manager = model._default_manager
        progress = Progress(self.stdout, f"{model._meta.label} values", manager.count(), show)
        last_pk, count = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    manager.filter(pk__gt=last_pk)
                    .order_by("pk")
                    .stored_values_list("pk", *[f.attname for f in ring_fields])[:size]
                )
                if not rows:
                    return count
                stale = [row[0] for row in rows if _any_stale(row[1:], ring)]
                for obj in manager.filter(pk__in=stale).order_by("pk").select_for_update():
                    count += _reencrypt_row(obj, ring_fields, ring)
            last_pk = rows[-1][0]
            progress.advance(len(rows))


def _any_stale(values: tuple[Any, ...], ring: keys.KeyRing) -> bool:
    return any(_is_stale(v, ring) for v in values)


def _is_stale(value: Any, ring: keys.KeyRing) -> bool:
    # values_list hands over the stored bytes; "" and None are not encrypted at all.
    return type(value) is bytes and token_key_id(value) != ring.primary.key_id


def _reencrypt_row(obj: models.Model, ring_fields: list[Any], ring: keys.KeyRing) -> int:
    names = [
        f.attname
        for f, token in iter_sealed(obj)
        if f in ring_fields and token_key_id(token) != ring.primary.key_id
    ]
    for name in names:
        getattr(obj, name)  # decrypt under the old key; save() encrypts under the primary
    obj.save(update_fields=names)
    return len(names)
