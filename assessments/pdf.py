"""PDF rendering (WeasyPrint, pinned in requirements.txt) shared by the printable documents:
the client's explanation and the referral letter. CJK text needs a CJK font on the host
(fonts-noto-cjk, installed by .ci/run); the style sheets name Noto Sans CJK SC first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

CSS_DIR = Path(settings.BASE_DIR) / "static" / "css"


def render_pdf(template: str, context: dict[str, Any], *, stylesheet: str) -> bytes:
    """Render ``template`` with ``context`` (in the active language) to PDF bytes, styled by
    ``static/css/<stylesheet>``. Raises ImportError without WeasyPrint."""
    from weasyprint import CSS, HTML

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(CSS_DIR / stylesheet))])
