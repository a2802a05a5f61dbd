"""Template helpers for encrypted values: show them, or a clear erased / unreadable state."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from healthcheck.core.fields import MASK, Unreadable, is_set, reveal

register = template.Library()


@register.filter
def decrypted(instance: Any, name: str) -> Any:
    """``{{ client|decrypted:"name" }}``: the value, or "erased" / "cannot be decrypted"."""
    value = reveal(instance, name)
    if isinstance(value, Unreadable):
        state = "erased" if value.erased else "unreadable"
        return format_html(
            '<span class="text-muted fst-italic" data-encrypted-state="{}">{}</span>',
            state,
            value.label,
        )
    return value


@register.filter
def masked(instance: Any, name: str) -> str:
    """``{{ client|masked:"phone" }}``: ••• when set, empty otherwise; never decrypts."""
    return MASK if is_set(instance, name) else ""
