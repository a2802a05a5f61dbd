"""Encrypted model fields (AES-256-GCM), blind-index columns and the guards around them.

A value is stored as ``e1:<key id>:<base64(nonce | ciphertext | tag)>`` in a text column. The key id
is ``@client`` for values encrypted with the owning client's data key (the default scope) or a
master key id for ring-scoped secrets (``scope="ring"``). The associated data binds every
ciphertext to ``<model>|<field>|<row public_id>``: copied to another row or column it fails to
decrypt.

Invariants:

* NULL stays NULL and ``""`` stays ``""`` (text fields); nothing else is stored in clear.
* Values are decrypted lazily, on attribute access, and never written back as ciphertext-as-value:
  an unread value is saved back byte for byte, a read one is encrypted afresh.
* Filtering, ordering and transforms on encrypted fields raise :class:`EncryptedFieldError`
  (only ``isnull`` is allowed); exact matches go through a :class:`BlindIndexField`.
* ``__str__``/``repr`` of a sealed value show ``•••``; errors carry model, field and row, no values.
"""

from __future__ import annotations

import binascii
import contextvars
import datetime
import decimal
import json
import logging
import os
import uuid
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from cryptography.exceptions import InvalidTag
from django import forms
from django.core import checks
from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import IsNull
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from healthcheck.core import keys
from healthcheck.core.keys import DataKeyOwner, DecryptionError, ErasedError

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "e1"  # noqa: S105 - a format tag, not a secret
_TOKEN_HEAD = TOKEN_PREFIX + ":"
CLIENT_KEY_ID = "@client"
_CLIENT_HEAD = f"{TOKEN_PREFIX}:{CLIENT_KEY_ID}:"
_CLIENT_HEAD_LEN = len(_CLIENT_HEAD)
_RING_HEAD = TOKEN_PREFIX + ":%s:"
_RING = (
    object()
)  # marker: ring-scoped field  # never a valid master key id, so the two scopes cannot be confused
MASK = "•••"


class EncryptedFieldError(FieldError):
    """An operation that would need the database to see plaintext (filter, order, search)."""


class Sealed:
    """A ciphertext read from the database, not yet decrypted. Opaque when printed."""

    __slots__ = ("aad", "token")

    def __init__(self, token: str, aad: bytes | None = None) -> None:
        self.token = token
        self.aad = aad

    @property
    def key_id(self) -> str:
        return self.token.split(":", 2)[1]

    def __repr__(self) -> str:
        return f"<Sealed {MASK}>"

    __str__ = __repr__


# While set, attribute access returns sealed values as they are (refresh_from_db copies them).
_raw_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("raw_reads", default=False)


# ---------------------------------------------------------------------------------------------
# Model side


class EncryptedQuerySet(models.QuerySet):
    """QuerySet for models with encrypted fields: refuses ordering on them at call time and
    offers exact matching through blind indexes."""

    def order_by(self, *field_names: Any) -> EncryptedQuerySet:
        for path in _ordering_names(field_names):
            _refuse_encrypted_path(self.model, path, "order_by")
        return super().order_by(*field_names)

    def matching(self, source: str, value: str | None) -> EncryptedQuerySet:
        """Rows whose encrypted ``source`` equals ``value`` after normalisation (blind index)."""
        index = blind_index_field_for(self.model, source)
        if value is None or str(value).strip() == "":
            return self.filter(**{f"{index.name}__isnull": True})
        return self.filter(**{index.name: index.index_for(value)})


def _refuse_encrypted_path(model: type[models.Model], path: str, operation: str) -> None:
    field = encrypted_field_at(model, path)
    if field is not None:
        raise EncryptedFieldError(_encrypted_message(field, operation))


def encrypted_field_at(model: type[models.Model], path: str) -> EncryptedMixin | None:
    """The encrypted field that a lookup path such as ``client__name`` ends on, if any."""
    opts = model._meta
    for part in path.lstrip("-+").split("__"):
        try:
            field = opts.get_field(part)
        except Exception:  # unknown names (and "pk", "?"): Django reports them as usual
            return None
        if isinstance(field, EncryptedMixin):
            return field
        if not field.is_relation or field.related_model is None:
            return None
        opts = field.related_model._meta
    return None


def _encrypted_message(field: models.Field, operation: str) -> str:
    hint = (
        " Use the blind index (QuerySet.matching) for exact matches."
        if operation != "order_by"
        and blind_index_field_for(field.model, field.name, required=False)
        else ""
    )
    return (
        f"{field.model._meta.label}.{field.name} is encrypted: the database only sees ciphertext, "
        f"so {operation!r} on it cannot work and is refused.{hint}"
    )


class EncryptedModel(models.Model):
    """Abstract base for every model with encrypted fields.

    ``public_id`` is the row identity bound into each ciphertext (it exists before the INSERT,
    unlike the primary key). ``encryption_owner`` names the FK to the :class:`DataKeyOwner` whose
    data key encrypts client-scoped fields; a DataKeyOwner is its own owner.
    """

    encryption_owner: ClassVar[str] = ""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def from_db(
        cls, db: str, field_names: Any, values: Any, *, fetch_mode: Any = None
    ) -> EncryptedModel:
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        row = instance.__dict__.get("public_id")
        if row is not None:
            # Bind each sealed value to the identity it was read under, so a copied instance
            # (new public_id) re-encrypts instead of saving a ciphertext that cannot open.
            for f in encrypted_fields(cls):
                sealed = instance.__dict__.get(f.attname)
                if type(sealed) is Sealed:
                    sealed.aad = f.aad_for_row(row)
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        token = _raw_reads.set(True)
        try:
            super().refresh_from_db(*args, **kwargs)
        finally:
            _raw_reads.reset(token)


def key_owner(instance: models.Model) -> DataKeyOwner:
    """The row whose data key encrypts ``instance``'s client-scoped fields."""
    if isinstance(instance, DataKeyOwner):
        return instance
    path = type(instance).encryption_owner  # type: ignore[attr-defined]
    owner = getattr(instance, path, None) if path else None
    if not isinstance(owner, DataKeyOwner):
        raise EncryptedFieldError(
            f"{instance._meta.label} has client-scoped encrypted fields but no key owner "
            f"(set encryption_owner to the FK of a DataKeyOwner and fill it)."
        )
    return owner


class _EncryptedDescriptor:
    """Decrypts on first access and keeps the plaintext on the instance (never the reverse)."""

    def __init__(self, field: EncryptedMixin) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        attname = self.field.attname
        if attname not in data:  # deferred
            instance.refresh_from_db(fields=[attname])
        value = data[attname]
        if type(value) is Sealed and not _raw_reads.get():
            value = self.field.open(instance, value)
            data[attname] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedMixin(models.Field):
    """Turns a Django field type into an encrypted one stored in a text column.

    The base field keeps its Python semantics (to_python, validators, form field, max_length on
    the plaintext); ``_dump``/``_load`` convert between the Python value and plaintext text.
    """

    descriptor_class = _EncryptedDescriptor
    empty_strings_allowed = True
    _keeps_empty_string = False  # text types store "" as "" (B11)

    def __init__(self, *args: Any, scope: str = "client", **kwargs: Any) -> None:
        if scope not in {"client", "ring"}:
            raise ValueError("scope must be 'client' or 'ring'")
        if kwargs.get("db_index") or kwargs.get("unique") or kwargs.get("primary_key"):
            raise ValueError("encrypted fields cannot be indexed or unique; use a BlindIndexField")
        self.scope = scope
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.scope != "client":
            kwargs["scope"] = self.scope
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, *a: Any, **kw: Any) -> None:
        super().contribute_to_class(cls, name, *a, **kw)
        self._aad_prefix = f"{cls._meta.label_lower}|{name}|".encode()
        # Where the key comes from, resolved once: the ring, the row itself, or an FK.
        if self.scope == "ring":
            self._owner_attr: object = _RING
        elif issubclass(cls, DataKeyOwner):
            self._owner_attr = None
        else:
            self._owner_attr = getattr(cls, "encryption_owner", "") or "<missing owner>"

    def get_internal_type(self) -> str:
        # "TextField" keeps backend converters (dates, decimals) away from the ciphertext.
        return "TextField"

    def db_type(self, connection: Any) -> str:
        return connection.data_types["TextField"]

    def aad_for_row(self, row_id: uuid.UUID) -> bytes:
        return self._aad_prefix + row_id.bytes

    # -- plaintext conversion (overridden per type) --------------------------------------------

    def _dump(self, value: Any) -> str:
        return str(value)

    def _load(self, text: str) -> Any:
        return text

    # -- encryption -----------------------------------------------------------------------------

    def _owner_of(self, instance: models.Model) -> DataKeyOwner:
        owner = instance if self._owner_attr is None else getattr(instance, self._owner_attr)
        return owner if owner is not None else key_owner(instance)  # key_owner explains

    def _client_aead(self, owner: DataKeyOwner) -> Any:
        # Inlined fast path of keys.data_aead (memo on the owner instance): it runs for every
        # value read or written, and the benchmark holds it to twice the cost of raw AES-GCM.
        wrapped = owner.data_key_wrapped
        memo = owner.__dict__.get("_data_aead")
        if memo is not None and memo[0] is wrapped and wrapped is not None:
            return memo[1]
        return keys.data_aead(owner)

    def _aead_for_write(self, instance: models.Model) -> tuple[str, Any]:
        if self._owner_attr is _RING:
            key = keys.key_ring().primary
            return _RING_HEAD % key.key_id, key.aead
        owner = self._owner_of(instance)
        if owner.data_key_wrapped is None:
            if owner is not instance and not owner.is_shredded:
                raise EncryptedFieldError("save the key owner before rows encrypted with its key")
            keys.ensure_data_key(owner)
        return _CLIENT_HEAD, self._client_aead(owner)

    def _aead_for_read(self, instance: models.Model, token: str) -> tuple[Any, str]:
        if token.startswith(_CLIENT_HEAD):
            if self._owner_attr is _RING:
                raise DecryptionError("value was not encrypted in this field's scope")
            return self._client_aead(self._owner_of(instance)), token[_CLIENT_HEAD_LEN:]
        key_id, text = _split_token(token)
        if self._owner_attr is not _RING:
            raise DecryptionError("value was not encrypted in this field's scope")
        return keys.key_ring().get(key_id).aead, text

    def seal(self, instance: models.Model, value: Any) -> Sealed:
        """Encrypt a Python value for this field of this row."""
        aad = self._aad_prefix + instance.public_id.bytes  # type: ignore[attr-defined]
        head, aead = self._aead_for_write(instance)
        nonce = os.urandom(12)  # keys.NONCE_BYTES, inlined on the hot path
        body = aead.encrypt(nonce, self._dump(value).encode(), aad)
        return Sealed(head + b2a_base64(nonce + body, newline=False).decode("ascii"), aad)

    def open(self, instance: models.Model, sealed: Sealed) -> Any:
        """Decrypt a sealed value of this field of this row.

        Raises: ErasedError (owner shredded), DecryptionError (moved, tampered, wrong key).
        """
        try:
            aad = sealed.aad or self._aad_prefix + instance.public_id.bytes  # type: ignore[attr-defined]
            aead, text = self._aead_for_read(instance, sealed.token)
            blob = a2b_base64(text, strict_mode=True)
            return self._load(aead.decrypt(blob[:12], blob[12:], aad).decode())
        except (InvalidTag, binascii.Error, ValueError, DecryptionError) as exc:
            raise self._unreadable(instance, exc) from None

    def _unreadable(self, instance: models.Model, exc: Exception) -> DecryptionError:
        # Names and the row's public id only: never the value or the ciphertext.
        logger.warning(
            "encrypted_field.unreadable model=%s field=%s row=%s reason=%s",
            self.model._meta.label,
            self.name,
            instance.__dict__.get("public_id"),
            type(exc).__name__,
        )
        if isinstance(exc, ErasedError):
            return exc
        reason = exc if isinstance(exc, DecryptionError) else "authentication failed"
        return DecryptionError(
            f"{self.model._meta.label}.{self.name} of row "
            f"{instance.__dict__.get('public_id')} cannot be decrypted: {reason} "
            "(moved, altered or wrong key)"
        )

    # -- ORM hooks ------------------------------------------------------------------------------

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if value == "":
            return "" if self._keeps_empty_string else None
        return Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or (value == "" and self._keeps_empty_string):
            return value
        if type(value) is Sealed:
            row_aad = self.aad_for_row(model_instance.public_id)  # type: ignore[attr-defined]
            if value.aad is None or value.aad == row_aad:
                return value  # unread: save the same ciphertext back, untouched
            value = self.open(model_instance, value)  # a copied instance: re-encrypt for its row
            model_instance.__dict__[self.attname] = value
        return self.seal(model_instance, value)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is None or (value == "" and self._keeps_empty_string):
            return value
        if type(value) is Sealed:
            return value.token
        raise EncryptedFieldError(
            f"{self.model._meta.label}.{self.name} is encrypted per row: write it with save() "
            "on the instance (queryset.update and bulk_update cannot encrypt)."
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return self.get_db_prep_save(value, connection)

    def get_prep_value(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: models.Model) -> str:
        raise EncryptedFieldError(
            f"{self.model._meta.label}.{self.name} is encrypted and is not serialised "
            "(export through an audited selector instead)."
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name in {"exact", "iexact"}:
            return _none_only_lookup(self, lookup_name)
        raise EncryptedFieldError(_encrypted_message(self, lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise EncryptedFieldError(_encrypted_message(self, lookup_name))

    def get_col(self, alias: str, output_field: Any = None) -> Col:
        return EncryptedCol(alias, self, output_field or self)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_model()]

    def _check_model(self) -> list[checks.CheckMessage]:
        model = self.model
        if model._meta.abstract:
            return []
        errors = []
        if not issubclass(model, EncryptedModel):
            errors.append(_check_error(self, "its model must inherit fields.EncryptedModel", 1))
        elif (
            self.scope == "client"
            and not issubclass(model, DataKeyOwner)
            and not model.encryption_owner
        ):
            errors.append(_check_error(self, "set encryption_owner on the model", 2))
        ordering = [str(o).lstrip("-") for o in (model._meta.ordering or [])]
        if self.name in ordering:
            errors.append(_check_error(self, "it cannot appear in Meta.ordering", 3))
        return errors


def _check_error(field: models.Field, text: str, n: int) -> checks.Error:
    return checks.Error(
        f"Encrypted field {field.model._meta.label}.{field.name}: {text}.",
        obj=field,
        id=f"core.E11{n}",
    )


def _split_token(token: str) -> tuple[str, str]:
    """(key id, base64 body) of ``e1:<key id>:<body>``. Raises DecryptionError if malformed."""
    if not token.startswith(_TOKEN_HEAD):
        raise DecryptionError("unknown ciphertext format")
    key_id, sep, text = token[len(_TOKEN_HEAD) :].partition(":")
    if not sep:
        raise DecryptionError("unknown ciphertext format")
    return key_id, text


def _none_only_lookup(field: models.Field, lookup_name: str) -> type:
    """``filter(field=None)`` means IS NULL (Django rewrites it); any other value is refused."""

    class NoneOnly(models.lookups.Exact):
        can_use_none_as_rhs = False

        def __init__(self, lhs: Any, rhs: Any) -> None:
            if rhs is not None:
                raise EncryptedFieldError(_encrypted_message(field, lookup_name))
            super().__init__(lhs, rhs)

    return NoneOnly


class EncryptedCol(Col):
    """Column of an encrypted field: refuses to take part in a query that orders by it.

    Covers what the QuerySet guard cannot see: ``Meta.ordering`` and ordering through a
    relation from a model without encrypted fields (``order_by("client__name")``).
    """

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> Any:
        if query is not None and self.target in _ordered_encrypted_fields(query):
            raise EncryptedFieldError(_encrypted_message(self.target, "order_by"))
        return super().resolve_expression(query, *args, **kwargs)


def _ordered_encrypted_fields(query: Any) -> list[EncryptedMixin]:
    ordering = list(query.order_by)
    if not ordering and query.default_ordering:
        ordering = list(query.get_meta().ordering or [])
    found = (encrypted_field_at(query.model, n) for n in _ordering_names(ordering))
    return [f for f in found if f is not None]


def _ordering_names(ordering: Any) -> list[str]:
    """Field paths named by ordering terms: strings, F() and expressions wrapping F()."""
    names: list[str] = []
    for term in ordering:
        if isinstance(term, str):
            names.append(term)
        elif isinstance(term, models.F):
            names.append(term.name)
        elif hasattr(term, "get_source_expressions"):
            names += _ordering_names(term.get_source_expressions())
    return names


# ---------------------------------------------------------------------------------------------
# Field types


class EncryptedTextField(EncryptedMixin, models.TextField):
    _keeps_empty_string = True


class EncryptedCharField(EncryptedMixin, models.CharField):
    """Encrypted short text. ``max_length`` limits the plaintext in characters; the varchar
    column is sized for the worst-case ciphertext of that many 4-byte characters (B10)."""

    _keeps_empty_string = True

    def get_internal_type(self) -> str:
        return "CharField"

    def db_type(self, connection: Any) -> str:
        # varchar(n) on both backends (SQLite's data_types entry is a callable in Django 6).
        return f"varchar({self.ciphertext_length})"

    @property
    def ciphertext_length(self) -> int:
        return ciphertext_length(self.max_length or 0)


def ciphertext_length(max_chars: int) -> int:
    """Longest token for ``max_chars`` characters of UTF-8 (4 bytes each), any key id."""
    raw = keys.NONCE_BYTES + 4 * max_chars + 16
    return len(TOKEN_PREFIX) + 2 + 32 + 4 * -(-raw // 3)


class EncryptedDateField(EncryptedMixin, models.DateField):
    def _dump(self, value: Any) -> str:
        return self.to_python(value).isoformat()

    def _load(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)


class EncryptedDecimalField(EncryptedMixin, models.DecimalField):
    def _dump(self, value: Any) -> str:
        return str(self.to_python(value))

    def _load(self, text: str) -> decimal.Decimal:
        return decimal.Decimal(text)


class EncryptedJSONField(EncryptedMixin, models.Field):
    """Encrypted JSON document (``None`` is SQL NULL, not JSON null)."""

    description = _("Encrypted JSON")

    def _dump(self, value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))

    def _load(self, text: str) -> Any:
        return json.loads(text)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


# ---------------------------------------------------------------------------------------------
# Blind index


class BlindIndexField(models.CharField):
    """Keyed HMAC of the normalised value of an encrypted ``source`` field, kept in step on save.

    An unread (still sealed) source leaves the index as it is; NULL/empty sources give NULL.
    """

    def __init__(
        self,
        *args: Any,
        source: str,
        normaliser: Callable[[str], str] = keys.normalise_text,
        **kwargs: Any,
    ) -> None:
        self.source, self.normaliser = source, normaliser
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normaliser is not keys.normalise_text:
            kwargs["normaliser"] = self.normaliser
        for key, default in (("max_length", 64), ("null", True), ("blank", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        kwargs.pop("editable", None)
        if self.db_index:
            kwargs.pop("db_index", None)
        else:
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, *a: Any, **kw: Any) -> None:
        super().contribute_to_class(cls, name, *a, **kw)
        self.purpose = f"{cls._meta.label_lower}.{self.source}"

    def index_for(self, value: Any) -> str | None:
        if value is None or str(value).strip() == "":
            return None
        return keys.blind_index(self.purpose, self.normaliser(str(value)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.source, Sealed(""))
        if type(raw) is Sealed:
            return getattr(model_instance, self.attname)
        value = self.index_for(raw)
        setattr(model_instance, self.attname, value)
        return value


def blind_index_field_for(
    model: type[models.Model], source: str, *, required: bool = True
) -> BlindIndexField | None:
    for f in model._meta.concrete_fields:
        if isinstance(f, BlindIndexField) and f.source == source:
            return f
    if required:
        raise EncryptedFieldError(f"{model._meta.label}.{source} has no blind index")
    return None


# ---------------------------------------------------------------------------------------------
# Introspection and display


def encrypted_fields(model: type[models.Model]) -> list[EncryptedMixin]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]


def models_with_encrypted_fields() -> list[type[models.Model]]:
    """Every installed concrete model with at least one encrypted field (app registry)."""
    from django.apps import apps

    return [m for m in apps.get_models() if not m._meta.proxy and encrypted_fields(m)]


class Unreadable:
    """Stands in for a value that is erased or cannot be decrypted; renders a clear label."""

    def __init__(self, erased: bool) -> None:
        self.erased = erased

    @property
    def label(self) -> str | Promise:
        return _("erased") if self.erased else _("cannot be decrypted")

    def __str__(self) -> str:
        return str(self.label)

    def __bool__(self) -> bool:
        return False


def reveal(instance: models.Model, name: str) -> Any:
    """The decrypted value of ``instance.<name>``, or an :class:`Unreadable` marker.

    For display code only: failures are logged by the field (without values) and become a marker.
    Key configuration errors still propagate: a wrong ring must stop the app, not blank pages.
    """
    try:
        return getattr(instance, name)
    except ErasedError:
        return Unreadable(erased=True)
    except DecryptionError:
        return Unreadable(erased=False)


def is_set(instance: models.Model, name: str) -> bool:
    """Whether an encrypted field holds a value, without decrypting it (for masked displays)."""
    value = instance.__dict__.get(name)
    return value is not None and value != ""


def iter_sealed(instance: models.Model) -> Iterator[tuple[EncryptedMixin, Sealed]]:
    for f in encrypted_fields(type(instance)):
        value = instance.__dict__.get(f.attname)
        if type(value) is Sealed:
            yield f, value
