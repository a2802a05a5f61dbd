"""Validation and normalisation of client identifiers (national ID, phone, name)."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from healthcheck.core.keys import normalise_text

# GB 11643-1999: weights of the first 17 digits and the ISO 7064 MOD 11-2 check characters.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalise_national_id(value: str) -> str:
    """Upper-case, without spaces or hyphens (how staff type the same ID differently)."""
    text = unicodedata.normalize("NFKC", value).upper()
    return re.sub(r"[\s\-]", "", text)


def normalise_phone(value: str) -> str:
    """Digits only, and a leading '+' kept (so '138 0013 8000' matches '13800138000')."""
    text = unicodedata.normalize("NFKC", value).strip()
    return ("+" if text.startswith("+") else "") + re.sub(r"\D", "", text)


def normalise_name(value: str) -> str:
    return normalise_text(value)


def resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_resident_id(value: str) -> None:
    """Mainland resident identity card number: 18 characters, a real birth date, check character.

    The error never repeats the number (it is a direct identifier).
    """
    number = normalise_national_id(value)
    if not _RESIDENT_ID_RE.match(number):
        raise ValidationError(
            _("A resident ID number has 17 digits followed by a digit or X."), code="format"
        )
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this resident ID number is not a real date."),
            code="birth_date",
        ) from None
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check character of this resident ID number is wrong."), code="checksum"
        )
