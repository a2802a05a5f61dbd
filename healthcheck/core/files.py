"""Encrypted file storage and content-type detection for uploaded documents.

* The content type is detected from the bytes (``puremagic``) and must be one of an allow-list;
  the client-sent MIME type is never read and the file name's extension must agree with the
  content (case B19). Only PDF, JPEG and PNG are accepted.
* Files are encrypted with the owning client's data key (AES-256-GCM, associated data bound to the
  owning row) and written under a generated name below ``MEDIA_ROOT/encrypted``; the plaintext
  and the original name never touch the disk. Shredding the client's key erases its files.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import puremagic
from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from healthcheck.core import keys
from healthcheck.core.fields import key_owner
from healthcheck.core.keys import DecryptionError

# Detected type -> file name extensions that may carry it.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
_FILE_MAGIC = b"HCF1"
_SNIFF_BYTES = 8192
_PDF_HEADER_WINDOW = 1024  # readers accept "%PDF-" within the first KiB (leading junk/space)
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;&$`\']')


def detect_content_type(data: bytes) -> str | None:
    """The allowed MIME type that the content itself shows, or None.

    puremagic names the type from the signature; PDF is also recognised when its header is
    preceded by whitespace (a real PDF with a leading space is still a PDF).
    """
    head = data[:_SNIFF_BYTES]
    try:
        detected = puremagic.from_string(head, mime=True) if head else ""
    except puremagic.PureError:
        detected = ""
    if detected in ALLOWED_TYPES:
        return detected
    stripped = head[:_PDF_HEADER_WINDOW].lstrip(b" \t\r\n\x0c\x00")
    if stripped.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def sanitise_filename(name: str, content_type: str) -> str:
    """A display-safe base name whose extension matches the detected type.

    Path parts, control and shell/HTML-special characters are removed; the result is at most
    150 characters. It is only ever used as a download name, never on the file system.
    """
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME_CHARS.sub("_", base).strip(" .") or "document"
    stem, ext = os.path.splitext(base)
    if ext.lower() not in ALLOWED_TYPES[content_type]:
        ext = ALLOWED_TYPES[content_type][0]
    return stem[: 150 - len(ext)] + ext.lower()


def validate_upload(
    name: str, data: bytes, *, allowed: tuple[str, ...] = tuple(ALLOWED_TYPES)
) -> tuple[str, str]:
    """Check an upload by its content. Returns (detected content type, sanitised name).

    Raises: ValidationError (code ``empty``, ``too_large``, ``type`` or ``extension``).
    """
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > settings.MAX_UPLOAD_FILE_BYTES:
        raise ValidationError(_("The file is too large."), code="too_large")
    content_type = detect_content_type(data)
    if content_type is None or content_type not in allowed:
        raise ValidationError(
            _("Only PDF, JPEG or PNG files are accepted; this file's content is none of them."),
            code="type",
        )
    ext = os.path.splitext(name or "")[1].lower()
    if ext and ext not in ALLOWED_TYPES[content_type]:
        raise ValidationError(
            _("The file name's extension does not match its content."), code="extension"
        )
    return content_type, sanitise_filename(name, content_type)


# ---------------------------------------------------------------------------------------------
# Storage


def storage_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "encrypted"


def _path_for(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}\.bin", stored_name):
        raise ValueError("not a generated stored name")
    return storage_root() / stored_name[:2] / stored_name


def _file_aad(instance: models.Model) -> bytes:
    return f"file|{instance._meta.label_lower}|{instance.public_id}".encode()  # type: ignore[attr-defined]


def write_encrypted(instance: models.Model, data: bytes) -> str:
    """Encrypt ``data`` with the key of ``instance``'s owner and store it. Returns the name.

    The write is atomic (temporary file then rename) and the file is private (0600).
    Raises: ErasedError when the owner was shredded.
    """
    aead = keys.data_aead(key_owner(instance))
    nonce = os.urandom(keys.NONCE_BYTES)
    blob = _FILE_MAGIC + nonce + aead.encrypt(nonce, data, _file_aad(instance))
    stored_name = f"{uuid.uuid4().hex}.bin"
    path = _path_for(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    os.replace(tmp, path)
    return stored_name


def read_decrypted(instance: models.Model, stored_name: str) -> bytes:
    """Decrypt a stored file of ``instance``.

    Raises: ErasedError (owner shredded), DecryptionError (missing, altered or moved file).
    """
    aead = keys.data_aead(key_owner(instance))
    try:
        blob = _path_for(stored_name).read_bytes()
    except (OSError, ValueError):
        raise DecryptionError("stored file is missing") from None
    if not blob.startswith(_FILE_MAGIC):
        raise DecryptionError("unknown file format")
    nonce = blob[len(_FILE_MAGIC) : len(_FILE_MAGIC) + keys.NONCE_BYTES]
    try:
        return aead.decrypt(nonce, blob[len(_FILE_MAGIC) + keys.NONCE_BYTES :], _file_aad(instance))
    except InvalidTag:
        raise DecryptionError("stored file fails authentication") from None


def delete_stored(stored_name: str, **_: Any) -> None:
    """Remove a stored file if present (erasure hygiene; the key is already gone)."""
    try:
        _path_for(stored_name).unlink(missing_ok=True)
    except ValueError:
        return
