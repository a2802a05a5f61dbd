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


ADULT_AGE = 18

# C0/C1 controls, DEL, and the bidi overrides that can disguise text (tab and newline kept).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Markup that executes or loads something. Plain tags such as <b> are kept and shown as text
# (every template autoescapes); these are refused so nobody stores an attack for later.
_ACTIVE_MARKUP_RE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|svg|img|link|meta|base|form)\b"
    r"|javascript\s*:|<[^>]*\bon[a-z]+\s*=",
    re.IGNORECASE,
)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Completed years between ``birth`` and ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def validate_adult_birth_date(value: datetime.date, today: datetime.date | None = None) -> None:
    """A date of birth not in the future, of a client at least 18 years old."""
    today = today or datetime.date.today()
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    if age_on(value, today) < ADULT_AGE:
        raise ValidationError(
            _("The client must be at least %(age)d years old.") % {"age": ADULT_AGE},
            code="minor",
        )


def strip_control_characters(value: str) -> str:
    """Remove control and bidi-override characters; Windows newlines become ``\\n``."""
    return _CONTROL_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def validate_no_active_markup(value: str) -> None:
    """Refuse script tags and other active markup in free text (the value is not repeated)."""
    if _ACTIVE_MARKUP_RE.search(value):
        raise ValidationError(_("Remove the HTML tags or script from this text."), code="markup")
