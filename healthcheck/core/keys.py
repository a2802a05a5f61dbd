"""Keys for encryption at rest: the master key ring, per-client data keys and blind indexes.

* The **key ring** comes from ``FIELD_ENCRYPTION_KEYS`` (ordered ``id:base64key`` entries): the
  first key encrypts and wraps, every key decrypts and unwraps; never derived from ``SECRET_KEY``.
  Each configured key is verified against its stored :class:`~healthcheck.core.models.KeyCheck`
  the first time the ring is used in a process (and by the ``database`` system check).
* **Data keys** (envelope encryption): every :class:`DataKeyOwner` row (a client) holds its own
  random AES-256 key, stored only wrapped under the ring. Unwrapped keys live in a small bounded,
  time-limited in-process cache keyed by the wrapped bytes, so a shredded or rewrapped key is never
  served from it. Destroying the wrapped key erases the owner's data everywhere (crypto-shredding).
* **Blind indexes**: a keyed HMAC (``BLIND_INDEX_KEY``, separate from the ring) of a normalised
  value, for exact-match lookup of encrypted identifiers.

Nothing here logs or raises with plaintext, key material or ciphertext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import DatabaseError, connection, models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM standard nonce
TOKEN_VERSION = b"\x01"
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CHECK_LABEL = b"healthcheck key check v1"


class KeyConfigurationError(ImproperlyConfigured):
    """The key ring is malformed, a key is wrong, or data needs a key that is not configured."""


class DecryptionError(Exception):
    """A stored value cannot be decrypted (tampered, moved to another row or field, wrong key).

    The message names the model, field, row and reason, never the value or the ciphertext.
    """


class ErasedError(DecryptionError):
    """The owner's data key was destroyed (crypto-shredded): the value is erased for good."""


# ---------------------------------------------------------------------------------------------
# The master key ring


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    secret: bytes = field(repr=False)

    @property
    def aead(self) -> AESGCM:
        return _aead_for(self.secret)


_AEADS: dict[bytes, AESGCM] = {}


def _aead_for(secret: bytes) -> AESGCM:
    # Building an AESGCM object costs about as much as one encryption; master keys are few.
    aead = _AEADS.get(secret)
    if aead is None:
        aead = _AEADS[secret] = AESGCM(secret)
    return aead


@dataclass(frozen=True)
class KeyRing:
    """Ordered master keys. Invariant: at least one key, ids unique, every key 32 bytes."""

    keys: tuple[MasterKey, ...]

    @property
    def primary(self) -> MasterKey:
        return self.keys[0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.key_id for k in self.keys)

    def get(self, key_id: str) -> MasterKey:
        for key in self.keys:
            if key.key_id == key_id:
                return key
        raise KeyConfigurationError(
            f"Data is encrypted under master key {key_id!r}, which is not in "
            "FIELD_ENCRYPTION_KEYS. Add it back (after the newest key) and run rotate_keys."
        )

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt under the primary key: version | id length | id | nonce | ciphertext+tag."""
        key = self.primary
        nonce = os.urandom(NONCE_BYTES)
        kid = key.key_id.encode()
        return (
            TOKEN_VERSION
            + bytes([len(kid)])
            + kid
            + nonce
            + key.aead.encrypt(nonce, plaintext, aad)
        )

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt a blob from :meth:`seal` with whichever ring key it names.

        Raises: DecryptionError (tampered/moved), KeyConfigurationError (key not configured).
        """
        key_id, nonce, body = split_ring_blob(blob)
        try:
            return self.get(key_id).aead.decrypt(nonce, body, aad)
        except InvalidTag:
            raise DecryptionError(f"authentication failed under master key {key_id!r}") from None


def split_ring_blob(blob: bytes) -> tuple[str, bytes, bytes]:
    """Return (key id, nonce, ciphertext) of a ring blob. Raises DecryptionError if malformed."""
    if len(blob) < 2 or blob[:1] != TOKEN_VERSION:
        raise DecryptionError("unknown ciphertext format")
    n = blob[1]
    kid, rest = blob[2 : 2 + n], blob[2 + n :]
    if len(kid) != n or len(rest) < NONCE_BYTES + 16:
        raise DecryptionError("truncated ciphertext")
    return kid.decode("ascii", "replace"), rest[:NONCE_BYTES], rest[NONCE_BYTES:]


def parse_key_ring(spec: str) -> KeyRing:
    """Parse ``id:base64key[,id:base64key...]``. Raises KeyConfigurationError naming the entry."""
    entries = [e.strip() for e in (spec or "").split(",") if e.strip()]
    if not entries:
        raise KeyConfigurationError("FIELD_ENCRYPTION_KEYS is empty: configure at least one key.")
    keys: list[MasterKey] = []
    for position, entry in enumerate(entries, start=1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID_RE.match(key_id):
            raise KeyConfigurationError(
                f"FIELD_ENCRYPTION_KEYS entry {position} is malformed: expected 'id:base64key' "
                "with an id of 1-32 letters, digits, '_' or '-'."
            )
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise KeyConfigurationError(
                f"FIELD_ENCRYPTION_KEYS key {key_id!r} is not valid base64."
            ) from None
        if len(secret) != KEY_BYTES:
            raise KeyConfigurationError(
                f"FIELD_ENCRYPTION_KEYS key {key_id!r} must decode to {KEY_BYTES} bytes, "
                f"not {len(secret)}."
            )
        if key_id in {k.key_id for k in keys}:
            raise KeyConfigurationError(f"FIELD_ENCRYPTION_KEYS lists key id {key_id!r} twice.")
        keys.append(MasterKey(key_id, secret))
    return KeyRing(tuple(keys))


_state_lock = threading.Lock()
_ring: KeyRing | None = None
_verified = False


def key_ring(*, verify: bool = True) -> KeyRing:
    """The configured ring, parsed once per process and verified against KeyCheck on first use.

    Raises: KeyConfigurationError for a malformed, wrong or missing key.
    """
    global _ring, _verified
    ring = _ring
    if ring is None:
        ring = _ring = parse_key_ring(settings.FIELD_ENCRYPTION_KEYS)
    if verify and not _verified:
        with _state_lock:
            if not _verified:
                problems = verify_key_ring(ring, register_new=True)
                if problems:
                    raise KeyConfigurationError(" ".join(problems))
                _verified = True
    return ring


def reset_state() -> None:
    """Forget the parsed ring, the verification and every cached data key (tests, rotation)."""
    global _ring, _verified, _blind_key
    with _state_lock:
        _ring, _verified, _blind_key = None, False, None
        _AEADS.clear()
    data_key_cache.clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}:
        reset_state()


# ---------------------------------------------------------------------------------------------
# Start-up verification against KeyCheck


def _check_aad(key_id: str) -> bytes:
    return b"keycheck|" + key_id.encode()


def _make_check_value(key: MasterKey) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + key.aead.encrypt(nonce, _CHECK_LABEL, _check_aad(key.key_id))


def _matches_check(key: MasterKey, check_value: bytes) -> bool:
    value = bytes(check_value)
    try:
        plain = key.aead.decrypt(value[:NONCE_BYTES], value[NONCE_BYTES:], _check_aad(key.key_id))
    except (InvalidTag, ValueError):
        return False
    return plain == _CHECK_LABEL


def verify_key_ring(ring: KeyRing, *, register_new: bool) -> list[str]:
    """Compare every configured key with its stored check value; return the problems found.

    A key with no check value yet is new: it is registered when ``register_new``. A stored check
    value that the key cannot open means the wrong key under a known id. A master key id still
    used by a wrapped data key but absent from the ring is a missing key.
    """
    from healthcheck.core.models import KeyCheck

    stored = {kc.key_id: bytes(kc.check_value) for kc in KeyCheck.objects.all()}
    problems = [
        f"FIELD_ENCRYPTION_KEYS key {key.key_id!r} does not match its stored check value: "
        "it is the wrong key for this database."
        for key in ring.keys
        if key.key_id in stored and not _matches_check(key, stored[key.key_id])
    ]
    missing = sorted(set(data_key_ids_in_use()) - set(ring.ids))
    problems += [
        f"Client data keys are wrapped under master key {kid!r}, which is missing from "
        "FIELD_ENCRYPTION_KEYS. Add it back (after the newest key) and run rotate_keys."
        for kid in missing
    ]
    if register_new and not problems:
        for key in ring.keys:
            if key.key_id not in stored:
                KeyCheck.objects.get_or_create(
                    key_id=key.key_id, defaults={"check_value": _make_check_value(key)}
                )
    return problems


@checks.register(checks.Tags.database)
def check_key_ring(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check --database default`` (and ``migrate``) verify the ring read-only.

    Skipped while the KeyCheck table does not exist yet (a fresh database being migrated).
    """
    try:
        ring = parse_key_ring(settings.FIELD_ENCRYPTION_KEYS)
    except KeyConfigurationError as exc:
        return [checks.Error(str(exc), id="core.E101")]
    try:
        if "core_keycheck" not in connection.introspection.table_names():
            return []
        problems = verify_key_ring(ring, register_new=False)
    except DatabaseError:
        return []
    return [checks.Error(p, id="core.E102") for p in problems]


@checks.register()
def check_key_ring_format(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every start-up that runs checks (runserver, check, migrate) rejects a malformed ring."""
    try:
        ring = parse_key_ring(settings.FIELD_ENCRYPTION_KEYS)
        blind_index_key()
    except KeyConfigurationError as exc:
        return [checks.Error(str(exc), id="core.E100")]
    if _blind_key in {k.secret for k in ring.keys}:
        return [checks.Error("BLIND_INDEX_KEY must differ from every ring key.", id="core.E103")]
    return []


# ---------------------------------------------------------------------------------------------
# Per-owner data keys (envelope encryption)


class WrappedKeyField(models.BinaryField):
    """The owner's data key, wrapped under the ring; generated (or rewrapped) on save."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        ensure_data_key(model_instance, rewrap=True)  # type: ignore[arg-type]
        return super().pre_save(model_instance, add)


class WrappingKeyIdField(models.CharField):
    """Id of the master key that wraps the data key (indexed: rotation finds stale rows)."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        ensure_data_key(model_instance, rewrap=True)  # type: ignore[arg-type]
        return super().pre_save(model_instance, add)


class DataKeyOwner(models.Model):
    """Abstract: a row that owns a data key (a client). Its encrypted values, and those of rows
    pointing to it, are encrypted with that key.

    Invariants: the data key is generated on first save and only ever rewrapped (same key, newer
    master key) or destroyed by :func:`shred_data_key`; ``data_key_shredded_at`` is set iff
    erased. ``shred_service`` is the dotted path of the service that erases one owner with its
    audit event (core cannot import the apps above it).
    """

    shred_service: ClassVar[str] = ""

    data_key_wrapped = WrappedKeyField(_("wrapped data key"), null=True, editable=False)
    data_key_id = WrappingKeyIdField(
        _("wrapping master key id"), max_length=32, blank=True, db_index=True, editable=False
    )
    data_key_shredded_at = models.DateTimeField(
        _("data key destroyed at"), null=True, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def __getstate__(self) -> dict[str, Any]:
        # The unwrapped key memo (see data_aead) never leaves the process, e.g. into a cache.
        state = super().__getstate__()
        state.pop("_data_aead", None)
        return state

    @property
    def is_shredded(self) -> bool:
        return self.data_key_shredded_at is not None


def _wrap_aad(owner: models.Model) -> bytes:
    # Binds a wrapped key to its owner row: copied to another client it will not unwrap.
    return f"datakey|{owner._meta.label_lower}|{owner.public_id}".encode()  # type: ignore[attr-defined]


def ensure_data_key(owner: DataKeyOwner, *, rewrap: bool = False) -> None:
    """Give an unsaved owner its random data key (wrapped under the primary ring key).

    With ``rewrap`` an existing key wrapped under an older ring key is rewrapped under the primary
    (a plain re-save thus moves the owner to the newest key). A shredded owner gets no new key.
    """
    if owner.data_key_shredded_at is not None:
        return  # erased for good: writing new values fails later, in data_aead
    if owner.data_key_wrapped is not None and not rewrap:
        return  # the common case, kept cheap: it runs for every encrypted value written
    ring = key_ring()
    if owner.data_key_wrapped is None:
        secret = AESGCM.generate_key(bit_length=256)
    elif rewrap and owner.data_key_id != ring.primary.key_id:
        secret = _unwrap(owner, ring)
    else:
        return
    owner.data_key_wrapped = ring.seal(secret, _wrap_aad(owner))
    owner.data_key_id = ring.primary.key_id


def _unwrap(owner: DataKeyOwner, ring: KeyRing) -> bytes:
    try:
        return ring.open(bytes(owner.data_key_wrapped), _wrap_aad(owner))  # type: ignore[arg-type]
    except DecryptionError as exc:
        raise DecryptionError(
            f"data key of {owner._meta.label} {owner.public_id} cannot be unwrapped: {exc}"  # type: ignore[attr-defined]
        ) from None


class DataKeyCache:
    """Bounded (LRU), time-limited map from wrapped key bytes to ready AESGCM objects.

    Keyed by the wrapped bytes read from the database, so a rewrapped or shredded key can never be
    served stale: the caller must present the current wrapped value to get a hit.
    """

    def __init__(self, max_entries: int = 4096, ttl_seconds: float = 300.0) -> None:
        self.max_entries, self.ttl_seconds = max_entries, ttl_seconds
        self._entries: OrderedDict[bytes, tuple[float, AESGCM]] = OrderedDict()
        self._lock = threading.Lock()
        self.unwraps = 0  # counter for tests and the benchmark

    def get(self, wrapped: bytes) -> AESGCM | None:
        entry = self._entries.get(wrapped)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self.discard(wrapped)
            return None
        return entry[1]

    def put(self, wrapped: bytes, aead: AESGCM) -> None:
        with self._lock:
            self._entries[wrapped] = (time.monotonic() + self.ttl_seconds, aead)
            self._entries.move_to_end(wrapped)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def discard(self, wrapped: bytes | None) -> None:
        with self._lock:
            self._entries.pop(bytes(wrapped or b""), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


data_key_cache = DataKeyCache(
    max_entries=getattr(settings, "ENCRYPTION_KEY_CACHE_SIZE", 4096),
    ttl_seconds=getattr(settings, "ENCRYPTION_KEY_CACHE_SECONDS", 300.0),
)


def data_aead(owner: DataKeyOwner) -> AESGCM:
    """The owner's unwrapped data key as a ready cipher (cached).

    The instance remembers the cipher next to the exact wrapped value it came from, so the many
    fields of one row skip the process cache; shredding or rewrapping replaces that value and
    so invalidates the memo. Raises: ErasedError when shredded; DecryptionError when the wrapped
    key does not unwrap.
    """
    wrapped = owner.data_key_wrapped
    memo = owner.__dict__.get("_data_aead")
    if memo is not None and memo[0] is wrapped and owner.data_key_shredded_at is None:
        return memo[1]
    if owner.data_key_shredded_at is not None or wrapped is None:
        raise ErasedError(f"{owner._meta.label} {owner.public_id} was erased")  # type: ignore[attr-defined]
    key = bytes(wrapped)
    aead = data_key_cache.get(key)
    if aead is None:
        aead = AESGCM(_unwrap(owner, key_ring()))
        data_key_cache.unwraps += 1
        data_key_cache.put(key, aead)
    owner.__dict__["_data_aead"] = (wrapped, aead)
    return aead


def prefetch_data_keys(owners: Iterable[DataKeyOwner]) -> int:
    """Unwrap the data keys of many already-loaded owners in one pass (list pages).

    The wrapped keys come with the owner rows, so no query is made here; owners that are
    erased or fail to unwrap are skipped (their fields report it when read). Returns the count.
    """
    count = 0
    for owner in owners:
        try:
            data_aead(owner)
            count += 1
        except DecryptionError:
            continue
    return count


def shred_data_key(owner: DataKeyOwner) -> None:
    """Destroy the owner's data key in memory and on the instance; the caller saves it.

    Only ``data_key_wrapped``/``data_key_id``/``data_key_shredded_at`` change. Idempotent.
    """
    data_key_cache.discard(owner.data_key_wrapped)
    owner.__dict__.pop("_data_aead", None)
    owner.data_key_wrapped = None
    owner.data_key_id = ""
    if owner.data_key_shredded_at is None:
        owner.data_key_shredded_at = timezone.now()


def rewrap_data_key(owner: DataKeyOwner, ring: KeyRing | None = None) -> bool:
    """Rewrap one owner's data key under the primary ring key. Returns False if already there."""
    ring = ring or key_ring()
    if owner.is_shredded or owner.data_key_wrapped is None:
        return False
    if owner.data_key_id == ring.primary.key_id:
        return False
    secret = _unwrap(owner, ring)
    data_key_cache.discard(owner.data_key_wrapped)
    owner.data_key_wrapped = ring.seal(secret, _wrap_aad(owner))
    owner.data_key_id = ring.primary.key_id
    return True


def data_key_owner_models() -> list[type[DataKeyOwner]]:
    """Every installed concrete model that owns data keys (found through the app registry)."""
    from django.apps import apps

    return [
        m
        for m in apps.get_models()
        if issubclass(m, DataKeyOwner) and not m._meta.proxy and m._meta.managed
    ]


def data_key_ids_in_use() -> set[str]:
    """Master key ids under which at least one live data key is wrapped."""
    used: set[str] = set()
    for model in data_key_owner_models():
        table = model._meta.db_table
        if table not in connection.introspection.table_names():
            continue
        used.update(
            model._default_manager.filter(data_key_wrapped__isnull=False)
            .values_list("data_key_id", flat=True)
            .distinct()
        )
    return used


# ---------------------------------------------------------------------------------------------
# Blind index

_blind_key: bytes | None = None


def blind_index_key() -> bytes:
    """The HMAC key for blind indexes, from BLIND_INDEX_KEY (base64, at least 32 bytes)."""
    global _blind_key
    if _blind_key is None:
        try:
            key = base64.b64decode(settings.BLIND_INDEX_KEY or "", validate=True)
        except (binascii.Error, ValueError):
            raise KeyConfigurationError("BLIND_INDEX_KEY is not valid base64.") from None
        if len(key) < KEY_BYTES:
            raise KeyConfigurationError(
                f"BLIND_INDEX_KEY must decode to at least {KEY_BYTES} bytes."
            )
        _blind_key = key
    return _blind_key


def normalise_text(value: str) -> str:
    """Default normalisation for exact matching: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def blind_index(purpose: str, normalised: str) -> str:
    """HMAC-SHA256 (hex) of an already normalised value, separated per purpose (model.field)."""
    message = purpose.encode() + b"\x00" + normalised.encode()
    return hmac.new(blind_index_key(), message, hashlib.sha256).hexdigest()
