"""The `relations` check in the HTML report: for each feature-driven event, its rate in each
tenth of the spec's score against the spec's curve (with the allowed band); for each table with
correlations, a heat map of the spec's rank correlations beside the data's.

Read from the check's measurements and counts in the report, like every other plot.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any

from seed_assets.reports.svg import AXIS, BAND, BAND_FAIL, EXPECTED, FAIL, GRID, OBSERVED, PASS

_DECILE = re.compile(r"^(?P<column>.+): rate in score decile (?P<k>\d+)$")
_PAIR = re.compile(r"^rank correlation (?P<a>\S+) ~ (?P<b>\S+)$")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _text(x: float, y: float, label: str, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {_FONT} fill="{AXIS}" {extra}>'
        f"{escape(label)}</text>"
    )


def decile_chart(deciles: list[dict[str, Any]], title: str) -> str:
    """Observed rate per score decile (bars, on a log scale), the allowed band per decile and
    the spec's curve (a line)."""
    width, height, left, bottom, top_pad = 460, 220, 56, 30, 12
    plot_w, plot_h = width - left - 12, height - bottom - top_pad
    rates = [d["value"] for d in deciles] + [d["expected"] for d in deciles]
    rates += [d["high"] for d in deciles]
    positive = [r for r in rates if r and r > 0]
    if not positive:
        return ""
    low_exp = math.floor(math.log10(min(positive))) if positive else -4
    high_exp = math.ceil(math.log10(max(positive)))
    high_exp = max(high_exp, low_exp + 1)

    def y(rate: float) -> float:
        rate = max(rate, 10.0**low_exp)
        share = (math.log10(rate) - low_exp) / (high_exp - low_exp)
        return top_pad + plot_h * (1 - min(max(share, 0), 1))

    step = plot_w / len(deciles)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
    ]
    for e in range(low_exp, high_exp + 1):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(10.0**e):.1f}" y2="{y(10.0**e):.1f}" '
            f'stroke="{GRID}"/>'
        )
        label = f"{10.0**e:.{max(0, -e - 2)}%}"
        parts.append(_text(left - 4, y(10.0**e) + 4, label, "end"))
    curve = []
    for i, d in enumerate(deciles):
        x = left + i * step
        passed = d["status"] == "PASS"
        band = BAND if passed else BAND_FAIL
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y(d["high"]):.1f}" width="{step - 4:.1f}" '
            f'height="{max(y(d["low"]) - y(d["high"]), 1):.1f}" fill="{band}">'
            f"<title>allowed {d['low']:.3%} to {d['high']:.3%}</title></rect>"
        )
        parts.append(
            f'<rect x="{x + step * 0.3:.1f}" y="{y(d["value"]):.1f}" width="{step * 0.4:.1f}" '
            f'height="{max(y(0) - y(d["value"]), 0):.1f}" fill="{OBSERVED if passed else FAIL}">'
            f"<title>decile {i + 1}: measured {d['value']:.3%}</title></rect>"
        )
        curve.append(f"{x + step / 2:.1f},{y(d['expected']):.1f}")
        parts.append(_text(x + step / 2, height - bottom + 14, str(i + 1)))
    parts.append(
        f'<polyline points="{" ".join(curve)}" fill="none" stroke="{EXPECTED}" stroke-width="2">'
        "<title>the spec's curve</title></polyline>"
    )
    parts.append(_text(left + plot_w / 2, height - 2, "score decile (spec's logit), low to high"))
    parts.append("</svg>")
    return "".join(parts)


def _colour(value: float | None) -> str:
    """Blue for negative, red for positive, white at 0; grey when unknown."""
    if value is None or not math.isfinite(value):
        return "#d0d7de"
    v = max(-1.0, min(1.0, value))
    if v >= 0:
        return f"rgb(255,{int(255 * (1 - v))},{int(255 * (1 - v))})"
    return f"rgb({int(255 * (1 + v))},{int(255 * (1 + v))},255)"


def heat_map(columns: list[str], spec: dict, data: dict, title: str) -> str:
    """Two matrices side by side: the spec's rank correlations and the data's."""
    k = len(columns)
    cell, label_w, gap = 44, 110, 30
    width = label_w + 2 * k * cell + gap + 10
    height = 40 + k * cell + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
    ]
    for block, (name, values) in enumerate((("spec", spec), ("data", data))):
        x0 = label_w + block * (k * cell + gap)
        parts.append(_text(x0 + k * cell / 2, 14, name))
        for i, a in enumerate(columns):
            if block == 0:
                parts.append(_text(label_w - 4, 40 + i * cell + cell / 2 + 4, a, "end"))
            for j, b in enumerate(columns):
                value = 1.0 if a == b else values.get((a, b), values.get((b, a)))
                shown = "" if value is None else f"{value:.2f}"
                parts.append(
                    f'<rect x="{x0 + j * cell}" y="{30 + i * cell}" width="{cell - 2}" '
                    f'height="{cell - 2}" fill="{_colour(value)}"><title>{escape(a)} ~ '
                    f"{escape(b)}: {escape(shown or 'not measured')}</title></rect>"
                )
                parts.append(_text(x0 + j * cell + cell / 2, 30 + i * cell + cell / 2 + 4, shown))
    parts.append("</svg>")
    return "".join(parts)


def relation_plots(table: str, checks: list[dict[str, Any]]) -> list[str]:
    """The plots of a table's `relations` check (none when it has none to show)."""
    check = next((c for c in checks if c["rule"] == "relations"), None)
    if check is None:
        return []
    counts = check.get("counts", {})
    events: dict[str, list[dict]] = {}
    spec_pairs, data_pairs, columns = {}, {}, []
    for m in check["measurements"]:
        found = _DECILE.match(m["subject"])
        if found and m.get("low") is not None and m.get("value") is not None:
            column, k = found["column"], int(found["k"])
            expected = counts.get(f"{column}: spec rate in decile {k}")
            if expected is not None:
                events.setdefault(column, []).append({**m, "expected": expected})
        pair = _PAIR.match(m["subject"])
        if pair:
            a, b = pair["a"], pair["b"]
            columns += [c for c in (a, b) if c not in columns]
            spec_pairs[(a, b)] = counts.get(f"{m['subject']}: spec")
            data_pairs[(a, b)] = m.get("value")
    out = []
    for column, deciles in events.items():
        auc = counts.get(f"{column}: spec AUC")
        title = f"{table}.{column}: event rate by score decile"
        passed = all(d["status"] == "PASS" for d in deciles)
        badge_colour = PASS if passed else FAIL
        out.append(
            f'<div class="plot"><h3>{escape(title)} '
            f'<span class="badge" style="background:{badge_colour}">'
            f"{'PASS' if passed else 'FAIL'}</span></h3>{decile_chart(deciles, title)}"
            "<p>bars: measured rate per tenth of the spec's score; line: the spec's logistic "
            "curve (intercept calibrated to the spec's rate); green: allowed band.</p>"
            + (f"<p>ground-truth AUC of the spec's score: {auc:.3f}</p>" if auc else "")
            + "</div>"
        )
    if columns:
        title = f"{table}: rank correlations, spec and data"
        out.append(
            f'<div class="plot"><h3>{escape(title)}</h3>'
            f"{heat_map(columns, spec_pairs, data_pairs, title)}"
            "<p>Spearman rank correlations the spec asks for (left) and measured on a sample "
            "of the rows (right); pairs the spec leaves free are blank.</p></div>"
        )
    return out
