"""Encrypted model fields (AES-256-GCM), blind-index columns and the guards around them.

A value is stored in a binary column (``bytea`` / ``BLOB``) as
``version (0x01) | key-id length | key id | nonce (12) | ciphertext | tag (16)``. A key id of length
0 means the owning client's data key (the default scope); otherwise it names the master key of a
ring-scoped secret (``scope="ring"``; the layout is :meth:`keys.KeyRing.seal`'s). The associated
data binds every ciphertext to ``<model>|<field>|<row public_id>``: copied to another row or column
it fails to decrypt.

Binary rather than base64 text: a third less storage, no column that a multi-byte value can
overflow (B10), and about 0.4 µs less per value read and written
(``benchmarks/bench_encryption.py``).

Invariants:

* NULL stays NULL and ``""`` stays ``""`` (text fields; stored as zero bytes, never encrypted).
* Values read from the database stay sealed in a side dictionary of the instance
  (``__dict__["_sealed_values"]``, never mutated, replaced on refresh) and are decrypted on first
  attribute access into ``__dict__``, like Django's own deferred fields: later reads and every
  assignment are plain attribute operations. They are never written back as ciphertext-as-value:
  an unread value is saved back byte for byte, a read or assigned one is encrypted afresh.
* Filtering, ordering and transforms on encrypted fields raise :class:`EncryptedFieldError`
  (only ``isnull`` is allowed); exact matches go through a :class:`BlindIndexField`.
* Errors carry model, field and row, never values or ciphertext.
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
from collections.abc import Callable, Iterator, Sequence
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

CLIENT_KEY_ID = "@client"  # how reports name the owner's data key (stored as key-id length 0)
_CLIENT_HEADER = keys.TOKEN_VERSION + b"\x00"
_NONCE_END = len(_CLIENT_HEADER) + keys.NONCE_BYTES  # the hot path spells out 2 and 14
# instance.__dict__ keys: the stored values not decrypted yet (attname -> bytes), and the
# (public_id, public_id.bytes) of the row they were read under
_SEALED = "_sealed_values"
_ROW = "_encrypted_row"
_RING = object()  # marker: ring-scoped field (never a valid master key id)
MASK = "•••"


class EncryptedFieldError(FieldError):
    """An operation that would need the database to see plaintext (filter, order, search)."""


def token_key_id(token: bytes) -> str:
    """Which key a stored value is sealed under: a master key id, or ``@client``.

    Raises DecryptionError for a value that is not in the stored format.
    """
    if len(token) < _NONCE_END or token[:1] != keys.TOKEN_VERSION:
        raise DecryptionError("unknown ciphertext format")
    if token[1] == 0:
        return CLIENT_KEY_ID
    return keys.split_ring_blob(token)[0]


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

    def values(self, *fields: Any, **expressions: Any) -> EncryptedQuerySet:
        self._refuse_stored_values(fields, expressions, "values")
        return super().values(*fields, **expressions)

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:
        self._refuse_stored_values(fields, {}, "values_list")
        return super().values_list(*fields, flat=flat, named=named)

    def stored_values_list(self, *fields: str) -> Any:
        """``values_list`` that hands over encrypted columns as stored (bytes), for key
        maintenance (rotate_keys) only: never show or log what it returns."""
        return super().values_list(*fields)

    def _refuse_stored_values(
        self, fields: tuple[Any, ...], expressions: dict[str, Any], operation: str
    ) -> None:
        # values()/values_list() skip the model, so they would return ciphertext as the value.
        if not fields and not expressions:
            if encrypted_fields(self.model):
                raise EncryptedFieldError(
                    f"{self.model._meta.label} has encrypted fields: name the fields for "
                    f"{operation}() (encrypted ones are read through model instances)."
                )
            return
        for path in _ordering_names([*fields, *expressions.values()]):
            _refuse_encrypted_path(self.model, path, operation)

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
    if operation in {"values", "values_list"}:
        hint = " Read it through model instances (a selector), which decrypt it."
    elif operation != "order_by" and blind_index_field_for(field.model, field.name, required=False):
        hint = " Use the blind index (QuerySet.matching) for exact matches."
    else:
        hint = ""
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
        if not _raw_reads.get():  # refresh_from_db's source row keeps its values as stored
            take_sealed(instance, encrypted_fields(cls))
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        # Django copies each refreshed attribute from a fresh instance: with raw reads that
        # instance keeps the stored bytes in __dict__ (no decryption, no owner query), and
        # take_sealed files them away here.
        token = _raw_reads.set(True)
        try:
            super().refresh_from_db(*args, **kwargs)
        finally:
            _raw_reads.reset(token)
        take_sealed(self, encrypted_fields(type(self)), loaded=False)

    def get_deferred_fields(self) -> set[str]:
        sealed = self.__dict__.get(_SEALED, ())
        return {name for name in super().get_deferred_fields() if name not in sealed}


def take_sealed(
    instance: models.Model, fields: Sequence[EncryptedMixin], *, loaded: bool = True
) -> None:
    """File the stored values of ``fields`` that ``instance.__dict__`` holds away as sealed.

    Runs once per instance read from the database (it stands in for a per-value
    ``from_db_value``, which would cost a call per value): stored bytes move to a new side
    dictionary, empty values become their Python values, and the row identity the values were
    read under is remembered (associated data, copy detection). ``loaded=False`` (after a
    refresh) takes only bytes: any other value in ``__dict__`` is plaintext.
    """
    data = instance.__dict__
    sealed: dict[str, bytes] = {}
    for f in fields:
        name = f.attname
        value = data.get(name)
        if type(value) is bytes and value:
            sealed[name] = value
            del data[name]
        elif value is not None and (loaded or type(value) is bytes):
            _take_unusual(data, sealed, f, value)  # after a refresh only b"" gets here
    if sealed:
        previous = data.get(_SEALED)
        data[_SEALED] = {**previous, **sealed} if previous else sealed  # copies share the old
        if _ROW not in data:
            row_id = data["public_id"]
            data[_ROW] = (row_id, row_id.bytes)


def _take_unusual(
    data: dict[str, Any], sealed: dict[str, bytes], f: EncryptedMixin, value: Any
) -> None:
    # Empty values, a driver's buffer, or a value still in the earlier text format.
    stored = _stored_bytes(value) if value != "" and value != b"" else b""
    if stored:
        sealed[f.attname] = stored
        del data[f.attname]
    else:
        data[f.attname] = "" if f._keeps_empty_string else None


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
    """Decrypts a sealed value on first access into ``__dict__``, which then shadows it.

    A non-data descriptor, like Django's DeferredAttribute: it only runs while the attribute is
    missing from the instance's ``__dict__`` (sealed or deferred); assignment never calls it.
    """

    def __init__(self, field: EncryptedMixin) -> None:
        self.field, self.attname = field, field.attname

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        try:
            token = data[_SEALED][self.attname]
        except KeyError:  # deferred: load it (sealed, or NULL/empty straight into __dict__)
            instance.refresh_from_db(fields=[self.attname])
            if self.attname in data:
                return data[self.attname]
            token = data[_SEALED][self.attname]
        value = data[self.attname] = self.field.open(instance, token)
        return value


_NOTHING_SEALED: dict[str, bytes] = {}
_NO_MEMO: dict[str, Any] = {}  # stands in for an owner that is not loaded yet
_urandom = os.urandom  # one global lookup on the hot path


def _write_row(data: dict[str, Any]) -> bytes:
    """The bytes of the row identity a value is written under (its current ``public_id``).

    A new instance also records it as the row its values will be read back under; a copied one
    (``public_id`` changed) keeps the row its sealed values were read under until re-sealed.
    """
    row_id = data["public_id"]
    if _ROW not in data:
        data[_ROW] = (row_id, row_id.bytes)
    return row_id.bytes


_DEFERRED = object()


class EncryptedMixin(models.Field):
    """Turns a Django field type into an encrypted one stored in a binary column.

    The base field keeps its Python semantics (to_python, validators, form field, max_length on
    the plaintext); ``_dump``/``_load`` convert between the Python value and plaintext text.
    Every method on the read and write paths runs once per value, so they are kept flat: the
    benchmark holds the whole round trip to twice the cost of raw AES-GCM.
    """

    descriptor_class = _EncryptedDescriptor
    empty_strings_allowed = True
    _keeps_empty_string = False  # text types store "" as "" (B11)
    _plain_text = False  # text types: the plaintext is the string itself (no _dump/_load call)

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
        # "BinaryField" keeps backend converters (dates, decimals) away from the ciphertext.
        return "BinaryField"

    def db_type(self, connection: Any) -> str:
        return connection.data_types["BinaryField"]

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

    def _client_aead(self, instance: models.Model, *, writing: bool = False) -> Any:
        owner = self._owner_of(instance)
        if writing and owner.data_key_wrapped is None:
            if owner is not instance and not owner.is_shredded:
                raise EncryptedFieldError("save the key owner before rows encrypted with its key")
            keys.ensure_data_key(owner)  # a new owner's first value (a shredded one gets none)
        return keys.data_aead(owner)

    def seal(self, instance: models.Model, value: Any) -> bytes:
        """Encrypt a Python value for this field of this row (the stored bytes)."""
        # Runs once per value written: kept flat (see benchmarks/bench_encryption.py).
        data = instance.__dict__
        row = data.get(_ROW)
        if row is not None and row[0] is data["public_id"]:
            aad = self._aad_prefix + row[1]
        else:
            aad = self._aad_prefix + _write_row(data)
        if type(value) is str and self._plain_text:
            plain = value.encode()
        elif isinstance(value, bytes | bytearray | memoryview):
            raise EncryptedFieldError(
                f"{self.model._meta.label}.{self.name} takes a Python value, not bytes."
            )
        else:
            plain = self._dump(value).encode()
        attr = self._owner_attr
        if attr is None:
            owner = data
        elif attr is _RING:
            return keys.key_ring().seal(plain, aad)
        else:  # the owner row as the foreign key cached it (loaded by the slow path if not)
            owner = getattr(instance._state.fields_cache.get(attr), "__dict__", _NO_MEMO)
        memo = owner.get("_data_aead")
        if memo is not None and memo[0] is owner.get("data_key_wrapped"):
            aead = memo[1]  # the cipher kept on the owner by keys.data_aead
        else:
            aead = self._client_aead(instance, writing=True)
        nonce = _urandom(12)  # keys.NONCE_BYTES
        return _CLIENT_HEADER + nonce + aead.encrypt(nonce, plain, aad)

    def open(self, instance: models.Model, token: bytes) -> Any:
        """Decrypt a stored value of this field of this row.

        Raises: ErasedError (owner shredded), DecryptionError (moved, tampered, wrong key),
        KeyConfigurationError (the master key it names is not configured).
        """
        # Runs once per value read: kept flat (see benchmarks/bench_encryption.py).
        data = instance.__dict__
        row = data.get(_ROW)
        aad = self._aad_prefix + (row[1] if row is not None else data["public_id"].bytes)
        attr = self._owner_attr
        try:
            if attr is _RING:
                plain = keys.key_ring().open(token, aad)
            elif token.startswith(_CLIENT_HEADER):
                if attr is None:
                    owner = data
                else:
                    owner = getattr(instance._state.fields_cache.get(attr), "__dict__", _NO_MEMO)
                memo = owner.get("_data_aead")
                if memo is not None and memo[0] is owner.get("data_key_wrapped"):
                    aead = memo[1]
                else:
                    aead = self._client_aead(instance)
                plain = aead.decrypt(token[2:14], token[14:], aad)  # header | nonce | body
            else:
                token_key_id(token)  # names the malformed format, if that is what it is
                raise DecryptionError("value was not encrypted in this field's scope")
            return plain.decode() if self._plain_text else self._load(plain.decode())
        except (InvalidTag, ValueError, DecryptionError) as exc:
            if token[:3] == b"e1:":  # the earlier text framing, not converted yet
                try:
                    return self.open(instance, binary_from_text_token(token))
                except DecryptionError:
                    pass
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

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        data = model_instance.__dict__
        value = data.get(self.attname, _DEFERRED)
        if value is _DEFERRED:
            token = data.get(_SEALED, _NOTHING_SEALED).get(self.attname)
            if token is None:  # deferred and never loaded: load it, then encrypt it afresh
                value = getattr(model_instance, self.attname)
            else:
                row = data[_ROW]
                if row[0] == data["public_id"]:
                    return token  # unread: save the same ciphertext back, untouched
                _rebind_to_new_row(model_instance)  # a copied instance: re-encrypt for its row
                value = data[self.attname]
        if value is None:
            return None
        if value == "":
            return "" if self._keeps_empty_string else None
        return self.seal(model_instance, value)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is None or type(value) is bytes:
            return value
        if value == "" and self._keeps_empty_string:
            return b""
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


def _stored_bytes(value: Any) -> bytes:
    """The stored bytes of a value a driver returned as a buffer, or as text from a database that
    still holds the earlier base64 text format (see :func:`binary_from_text_token`)."""
    if isinstance(value, str):
        return binary_from_text_token(value)
    return bytes(value)


def binary_from_text_token(token: str | bytes) -> bytes:
    """Convert a value of the earlier text format ``e1:<key id>:<base64 body>`` to the binary one.

    Only the framing changes: nonce, ciphertext and tag are kept, so no key is needed and the
    value still opens under the same associated data. Binary input is returned as it is, ``""``
    becomes ``b""``. Raises DecryptionError for text in neither format.
    """
    if isinstance(token, bytes | bytearray | memoryview):
        token = bytes(token)
        if not token.startswith(b"e1:"):
            return token
        token = token.decode("ascii")
    if token == "":
        return b""
    version, key_id, body = [*token.split(":", 2), "", ""][:3]
    try:
        blob = binascii.a2b_base64(body, strict_mode=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("unknown ciphertext format") from None
    if version != "e1" or not key_id or len(blob) < keys.NONCE_BYTES + 16:
        raise DecryptionError("unknown ciphertext format")
    if key_id == CLIENT_KEY_ID:
        return _CLIENT_HEADER + blob
    kid = key_id.encode("ascii")
    return keys.TOKEN_VERSION + bytes([len(kid)]) + kid + blob


def _rebind_to_new_row(instance: models.Model) -> None:
    """Decrypt every still-sealed value of a copied instance under the row it was read from, so
    that saving encrypts each one for the instance's new ``public_id``."""
    data = instance.__dict__
    for f, token in list(iter_sealed(instance)):
        data[f.attname] = f.open(instance, token)
    row_id = data["public_id"]
    data[_ROW] = (row_id, row_id.bytes)


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
    _plain_text = True


class EncryptedCharField(EncryptedMixin, models.CharField):
    """Encrypted short text. ``max_length`` limits the plaintext in characters (a field error,
    never truncation); the binary column has no length to overflow (B10)."""

    _keeps_empty_string = True
    _plain_text = True

    @property
    def ciphertext_length(self) -> int:
        return ciphertext_length(self.max_length or 0)


def ciphertext_length(max_chars: int) -> int:
    """Most bytes stored for ``max_chars`` characters of UTF-8 (4 bytes each), any key id."""
    return 2 + 32 + keys.NONCE_BYTES + 4 * max_chars + 16


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
        raw = model_instance.__dict__.get(self.source, _DEFERRED)
        if raw is _DEFERRED:  # unread (sealed) or deferred: the source has not changed
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


def encrypted_fields(model: type[models.Model]) -> tuple[EncryptedMixin, ...]:
    """The model's encrypted fields, found once per model (every loaded row asks for them)."""
    opts = model._meta
    concrete = opts.concrete_fields  # a cached tuple that Django rebuilds when fields change
    memo = opts.__dict__.get("_encrypted_fields")
    if memo is None or memo[0] is not concrete:
        memo = (concrete, tuple(f for f in concrete if isinstance(f, EncryptedMixin)))
        opts._encrypted_fields = memo  # type: ignore[attr-defined]
    return memo[1]


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
    value = instance.__dict__.get(name, _DEFERRED)
    if value is _DEFERRED:
        return name in instance.__dict__.get(_SEALED, ())  # only non-empty values are sealed
    return value is not None and value != ""


def iter_sealed(instance: models.Model) -> Iterator[tuple[EncryptedMixin, bytes]]:
    """(field, stored bytes) of every encrypted value of ``instance`` not decrypted yet."""
    data = instance.__dict__
    sealed = data.get(_SEALED, _NOTHING_SEALED)
    for f in encrypted_fields(type(instance)):
        if f.attname not in data and f.attname in sealed:
            yield f, sealed[f.attname]
