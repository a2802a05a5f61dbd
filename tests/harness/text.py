"""Checks on rendered pages that must not show a health value."""

import re


def shows_number(body: str, *numbers: str) -> bool:
    """True when any of ``numbers`` stands in ``body`` as a whole number.

    Ids, CSRF tokens and CSP nonces are random and may contain the same digits inside other
    characters, so only a number not glued to letters, digits or token characters counts.
    """
    return any(re.search(rf"(?<![\w+=.-]){re.escape(n)}(?![\w+=-])", body) for n in numbers)
