"""Template filters for audit-event details."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def detail_items(details: Any) -> list[tuple[str, Any]]:
    """``{% for key, value in event.details|detail_items %}``: the pairs of a details dict.

    ``details.items`` in a template looks up a key named "items" first (e.g. a referral's
    check-up items) and then fails to unpack it; this filter always calls ``dict.items()``.
    """
    return list(details.items()) if isinstance(details, dict) else []
