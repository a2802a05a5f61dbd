"""Typed readers for configuration from the environment (``NAME`` or a file named by ``NAME_FILE``).

Settings read every secret through these helpers so that a production start-up with a missing
variable fails naming it, instead of silently running on a default.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class MissingSettings:
    """Collects the names of required variables that are absent, to report them all at once."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def raise_if_any(self) -> None:
        if self.names:
            raise ImproperlyConfigured(
                "Missing required configuration for production (set the variable or NAME_FILE): "
                + ", ".join(self.names)
            )


def env_raw(name: str) -> str | None:
    """Return ``NAME``, else the content of the file at ``NAME_FILE`` (stripped), else None."""
    value = os.environ.get(name)
    if value is not None:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at an unreadable file: {exc}") from exc
    return None


def env_str(name: str, default: str = "") -> str:
    value = env_raw(name)
    return default if value is None else value


def env_secret(name: str, missing: MissingSettings | None, default: str | None = None) -> str:
    """Read a secret; when absent and ``missing`` is given (production), record the name."""
    value = env_raw(name)
    if value:
        return value
    if missing is not None:
        missing.names.append(name)
        return ""
    if default is None:
        raise ImproperlyConfigured(f"{name} is required")
    return default


def env_bool(name: str, default: bool = False) -> bool:
    value = env_raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = env_raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env_raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
