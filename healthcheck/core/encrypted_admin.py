"""ModelAdmin base for models with encrypted fields: masked, never filtered, searched or sorted.

Encrypted fields are left out of admin forms and shown as ``•••`` (or ``—`` when empty) without
being decrypted. The admin's search is a GET (the term lands in the URL, the browser history and
access logs), so on a model with blind indexes it takes a full public id only and refuses any
other term with a message; names and ID numbers are looked up through the app's client list,
which searches the blind indexes by POST. Configuring an
encrypted field in ``search_fields``, ``list_filter``, ``ordering`` or ``date_hierarchy`` is a
system-check error rather than a page that silently matches nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core import checks
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from healthcheck.core.fields import MASK, BlindIndexField, encrypted_fields, is_set


def _masked_column(field: Any) -> Callable[[Any], str]:
    def show(obj: Any) -> str:
        return MASK if is_set(obj, field.attname) else "—"

    show.short_description = field.verbose_name  # type: ignore[attr-defined]
    show.__name__ = f"{field.name}_masked"
    return show


def _is_public_id(term: str) -> bool:
    try:
        uuid.UUID(term)
    except ValueError:
        return False
    return True


class EncryptedModelAdmin(admin.ModelAdmin):
    """Admin for a model with encrypted fields. Subclasses list plain fields as usual; any
    encrypted field named in ``list_display`` is replaced by its masked column."""

    def _encrypted(self) -> dict[str, Any]:
        return {f.name: f for f in encrypted_fields(self.model)}

    def get_list_display(self, request: HttpRequest) -> Any:
        enc = self._encrypted()
        return [
            _masked_column(enc[n]) if isinstance(n, str) and n in enc else n
            for n in super().get_list_display(request)
        ]

    def get_sortable_by(self, request: HttpRequest) -> Any:
        enc = self._encrypted()
        return [n for n in super().get_sortable_by(request) if n not in enc]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*(super().get_exclude(request, obj) or ()), *self._encrypted()]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        masked = [_masked_column(f) for f in self._encrypted().values()]
        return [*super().get_readonly_fields(request, obj), *masked]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Plain ``search_fields`` as usual; on a model with blind indexes, a full public id only.

        Any other term (a name, an ID number, a phone number) is refused with a message rather
        than silently matching nothing (case B08): it has already reached this GET's URL once,
        and the message sends the user to the client list, whose search is a POST.
        """
        term = search_term.strip()
        if term and self._blind_indexed() and not _is_public_id(term):
            self.message_user(
                request,
                _(
                    "Search here by the full client id only. Find a client by name or ID "
                    "number in the client list: its search keeps them out of addresses and logs."
                ),
                level=messages.WARNING,
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def _blind_indexed(self) -> bool:
        return any(isinstance(f, BlindIndexField) for f in self.model._meta.concrete_fields)

    @property
    def search_help_text(self) -> Any:  # type: ignore[override]
        if self._blind_indexed():
            return gettext_lazy(
                "Full client id (UUID) only; names and ID numbers are not searched here."
            )
        return None

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = list(super().check(**kwargs))
        enc = set(self._encrypted())
        options = {
            "search_fields": [s.lstrip("^=@") for s in self.search_fields],
            "list_filter": [f for f in self.list_filter if isinstance(f, str)],
            "ordering": [o.lstrip("-") for o in (self.ordering or ())],
            "date_hierarchy": [self.date_hierarchy] if self.date_hierarchy else [],
        }
        for option, names in options.items():
            for name in names:
                if name.split("__")[0] in enc:
                    errors.append(
                        checks.Error(
                            f"{option} names the encrypted field {name!r}.",
                            obj=self.__class__,
                            id="core.E120",
                        )
                    )
        return errors
