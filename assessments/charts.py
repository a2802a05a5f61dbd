"""Trend charts as server-side SVG (no JavaScript, no CDN; dark strokes that print legibly).

Pure: takes (datetime, Decimal) series and returns SVG markup built only from numbers and
escaped labels, so it is safe to mark as such in a template.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 560, 200, 48, 16, 16, 36
STYLES = ("#1f3a93", "#b03a2e", "#1e8449", "#7d3c98")  # distinct, dark: legible in greyscale
DASHES = ("", "6 3", "2 3", "8 3 2 3")

Point = tuple[datetime.datetime, Decimal]


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[Point]


def _bounds(series: Sequence[Series]) -> tuple[float, float, float, float]:
    xs = [p[0].timestamp() for s in series for p in s.points]
    ys = [float(p[1]) for s in series for p in s.points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    pad = (y1 - y0) * 0.1 or max(abs(y1) * 0.1, 1.0)
    return x0, (x1 if x1 > x0 else x0 + 1), y0 - pad, y1 + pad


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    return out_lo + (value - lo) / (hi - lo) * (out_hi - out_lo)


def _axes(y0: float, y1: float, x0: float, x1: float, unit: str) -> list[str]:
    bottom, right = HEIGHT - PAD_B, WIDTH - PAD_R
    parts = [
        f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{bottom}" stroke="#000"/>',
        f'<line x1="{PAD_L}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000"/>',
    ]
    for value in (y0, (y0 + y1) / 2, y1):
        y = _scale(value, y0, y1, bottom, PAD_T)
        parts.append(
            f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{value:.1f}</text>"
        )
    for stamp, anchor, x in ((x0, "start", PAD_L), (x1, "end", right)):
        day = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC).date().isoformat()
        parts.append(
            f'<text x="{x}" y="{HEIGHT - 18}" font-size="11" text-anchor="{anchor}">{day}</text>'
        )
    parts.append(f'<text x="4" y="12" font-size="11">{escape(unit)}</text>')
    return parts


def _line(series: Series, index: int, bounds: tuple[float, float, float, float]) -> list[str]:
    x0, x1, y0, y1 = bounds
    colour, dash = STYLES[index % len(STYLES)], DASHES[index % len(DASHES)]
    coords = [
        (
            _scale(p[0].timestamp(), x0, x1, PAD_L + 8, WIDTH - PAD_R - 8),
            _scale(float(p[1]), y0, y1, HEIGHT - PAD_B, PAD_T),
        )
        for p in sorted(series.points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
    ]
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in coords]
    legend_x = PAD_L + 10 + index * 130
    parts.append(
        f'<text x="{legend_x}" y="{HEIGHT - 4}" font-size="11" fill="{colour}">'
        f"— {escape(series.label)}</text>"
    )
    return parts


def line_chart(title: str, unit: str, series: Sequence[Series]) -> str:
    """An SVG line chart of one or more series; empty string when there is no point."""
    series = [s for s in series if s.points]
    if not series:
        return ""
    bounds = _bounds(series)
    body = _axes(bounds[2], bounds[3], bounds[0], bounds[1], unit)
    for index, one in enumerate(series):
        body += _line(one, index, bounds)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="trend-chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )
