"""Small inline SVG charts for the HTML report: no plotting library, no scripts, no fonts to
fetch. Each function returns one ``<svg>`` element as text; every label is escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

OBSERVED = "#4e79a7"
EXPECTED = "#e15759"
PASS = "#1a7f37"
FAIL = "#cf222e"
BAND = "#d4edda"
BAND_FAIL = "#f8d7da"
AXIS = "#57606a"
GRID = "#e6e8eb"

_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def nice_max(value: float) -> float:
    """A round axis maximum at or above `value`, close enough that bars fill the chart and
    whose quarters (the grid lines) read well."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.4, 3.2, 4, 5, 6, 8, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def short_number(value: float) -> str:
    """``1.2k``, ``3.4M``, ``0.25``: tick labels that fit."""
    magnitude = abs(value)
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _text(x: float, y: float, label: str, *, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {_FONT} fill="{AXIS}" {extra}>'
        f"{escape(label)}</text>"
    )


def histogram(
    observed: Sequence[float],
    labels: Sequence[str],
    *,
    expected: Sequence[float] | None = None,
    x_title: str,
    y_title: str,
    title: str,
    width: int = 460,
    height: int = 230,
) -> str:
    """Bars for `observed`, and the expected values as a line of points over them."""
    left, right, top, bottom = 52, 10, 12, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(observed), 1)
    peak = max([*observed, *(expected or []), 0.0])
    y_max = nice_max(peak)
    bar = plot_w / n

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
    ]
    for i in range(5):
        value = y_max * i / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y(value) + 4, short_number(value), anchor="end"))
    for i, value in enumerate(observed):
        if value > 0:
            parts.append(
                f'<rect x="{left + i * bar + bar * 0.1:.1f}" y="{y(value):.1f}" '
                f'width="{max(bar * 0.8, 1):.1f}" height="{top + plot_h - y(value):.1f}" '
                f'fill="{OBSERVED}"><title>{escape(labels[i])}: {value:,.0f}</title></rect>'
            )
    if expected is not None:
        # One mark per bin, level with what the spec expects there: bins, not a curve.
        for i, value in enumerate(expected):
            x1, x2 = left + i * bar + bar * 0.05, left + (i + 1) * bar - bar * 0.05
            parts.append(
                f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                f'stroke="{EXPECTED}" stroke-width="3">'
                f"<title>{escape(labels[i])}: expected {value:,.1f}</title></line>"
            )
    step = max(1, math.ceil(n / 10))
    shown = list(range(0, n, step))
    if shown and shown[-1] != n - 1:  # the last bin ("k or more") is always labelled
        if n - 1 - shown[-1] <= step / 2:
            shown.pop()
        shown.append(n - 1)
    for i in shown:
        parts.append(_text(left + (i + 0.5) * bar, top + plot_h + 14, labels[i]))
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    parts.append(_text(left + plot_w / 2, height - 6, x_title))
    parts.append(
        _text(
            12,
            top + plot_h / 2,
            y_title,
            extra=f'transform="rotate(-90 12 {top + plot_h / 2:.1f})"',
        )
    )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(names: Sequence[str], values: Sequence[float], *, title: str) -> str:
    """One bar per name (rows per table), value printed at its end."""
    row, label_w, width = 24, max([len(n) for n in names] + [4]) * 7 + 16, 640
    plot_w = width - label_w - 90
    height = row * len(names) + 10
    top = nice_max(max([*values, 0]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        y = 5 + i * row
        w = plot_w * value / top if top else 0
        parts.append(_text(label_w - 8, y + 15, name, anchor="end"))
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" '
            f'fill="{OBSERVED}"/>'
        )
        parts.append(_text(label_w + w + 6, y + 15, f"{value:,.0f}", anchor="start"))
    parts.append("</svg>")
    return "".join(parts)


def rate_against_bounds(
    value: float | None, low: float, high: float, *, passed: bool, title: str
) -> str:
    """A bullet chart: the allowed band [low, high] and the measured rate as a marker."""
    width, height, left, right = 460, 58, 24, 24
    plot_w = width - left - right
    top = nice_max(max(high * 1.25, (value or 0) * 1.1, 1e-9))

    def x(v: float) -> float:
        return left + plot_w * min(max(v / top, 0), 1)

    color = PASS if passed else FAIL
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>',
        f'<rect x="{left}" y="10" width="{plot_w}" height="16" fill="{GRID}"/>',
        f'<rect x="{x(low):.1f}" y="10" width="{max(x(high) - x(low), 1):.1f}" height="16" '
        f'fill="{BAND if passed else BAND_FAIL}"><title>allowed: {low:.4%} to {high:.4%}'
        "</title></rect>",
    ]
    if value is not None:
        parts.append(
            f'<rect x="{x(value) - 2:.1f}" y="5" width="4" height="26" fill="{color}">'
            f"<title>measured: {value:.4%}</title></rect>"
        )
    for i in range(5):
        tick = top * i / 4
        parts.append(_text(x(tick), 46, f"{tick:.2%}"))
    parts.append("</svg>")
    return "".join(parts)
