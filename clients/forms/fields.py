"""Form fields shared by the clients forms: free text that is cleaned and bounded."""

from __future__ import annotations

from typing import Any

from django import forms

from clients.validators import strip_control_characters, validate_no_active_markup


class FreeTextField(forms.CharField):
    """Free text: control and bidi characters stripped, length-limited, active markup refused.

    Harmless markup such as ``<b>`` is kept and always rendered as text (autoescaping).
    """

    default_validators = [validate_no_active_markup]

    def __init__(self, *, max_length: int, textarea: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        if textarea:
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(max_length=max_length, strip=True, **kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if "\x00" in text:  # kept, so that ProhibitNullCharactersValidator gives a field error
            return text
        return strip_control_characters(text).strip()
