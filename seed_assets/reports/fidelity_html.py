"""The fidelity report as one self-contained HTML page: the quality score and its four
properties, the weakest columns and pairs, date-rule conformance and privacy."""

from __future__ import annotations

from html import escape
from typing import Any

from seed_assets.reports import svg
from seed_assets.reports.html import CSS


def _pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.1%}"


def _rows(items: list[dict[str, Any]], label, limit: int = 40) -> str:
    ordered = sorted(items, key=lambda d: d["score"])[:limit]
    body = "".join(
        f"<tr><td>{escape(label(d))}</td><td>{escape(d.get('metric', d.get('kind', '')))}</td>"
        f"<td class=num>{_pct(d['score'])}</td></tr>"
        for d in ordered
    )
    return f"<table><tr><th>what</th><th>measure</th><th>score</th></tr>{body}</table>"


def render_fidelity_html(report: dict[str, Any]) -> str:
    q = report["quality"]
    props = q["properties"]
    names = list(props)
    bars = svg.horizontal_bars(
        names, [100 * (v if v == v else 0) for v in props.values()], title="score (%)"
    )
    shapes = (
        svg.horizontal_bars(
            [f"{d['table']}.{d['column']}" for d in q["shapes"]],
            [100 * (d["score"] if d["score"] == d["score"] else 0) for d in q["shapes"]],
            title="column shapes (%)",
        )
        if q["shapes"]
        else ""
    )
    rules = report.get("rules", [])
    broken = sum(1 for r in rules if r["broken"])
    rule_rows = "".join(
        f"<tr><td>{escape(r['table'])}</td><td><code>{escape(r['rule'])}</code></td>"
        f"<td class=num>{r['broken']:,}</td></tr>"
        for r in rules
    )
    privacy_rows = "".join(
        f"<tr><td>{escape(p['table'])}</td><td class=num>{p['rows']:,}</td>"
        f"<td class=num>{p.get('columns', 0)}</td>"
        f"<td class=num>{p.get('exact_matches', '-')}</td>"
        f"<td class=num>{p.get('dcr_median', float('nan')):.3g}</td>"
        f"<td class=num>{p.get('dcr_real_median', float('nan')):.3g}</td>"
        f"<td>{escape(', '.join(f'{k}: {v}' for k, v in p['free_text_shared'].items()) or '-')}"
        "</td></tr>"
        for p in report.get("privacy", [])
    )
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Fidelity: {escape(report["synthetic"])}</title><style>{CSS}</style></head><body><main>
<h1>Fidelity report</h1>
<p class=meta>real: {escape(report["real"])} · synthetic: {escape(report["synthetic"])}</p>
<div class="verdict {"pass" if q["quality"] >= 0.8 else "fail"}">quality {_pct(q["quality"])}</div>
<div class=card><h2>Properties</h2>
<p class=meta>SDMetrics' multi-table QualityReport measures; pairs count only where the real pair
is related (|r| &gt; 0.5, Cramér's V &gt; 0.3).</p>{bars}</div>
<div class=card><h2>Column shapes</h2>{shapes}
{_rows(q["shapes"], lambda d: f"{d['table']}.{d['column']}")}</div>
<div class=card><h2>Column pair trends (weakest first)</h2>
{_rows(q["pairs"], lambda d: f"{d['table']}: {' × '.join(d['columns'])}")}</div>
<div class=card><h2>Cardinality</h2>
{_rows(q["cardinality"], lambda d: f"{d['child']}.{d['fk']} -> {d['parent']}")}</div>
<div class=card><h2>Inter-table trends (weakest first)</h2>
{_rows(q["intertable"], lambda d: " × ".join(d["columns"]))}</div>
<div class=card><h2>Date rules of the real data</h2>
<p class=meta>{len(rules)} rule(s) hold on every real row;
{broken} broken in the synthetic data.</p>
<table><tr><th>table</th><th>rule</th><th>synthetic rows breaking it</th></tr>{rule_rows}</table>
</div>
<div class=card><h2>Privacy</h2>
<p class=meta>Exact matches compare the scored columns only (a table with one or two scored
columns matches by chance). Distance to the closest real record: L1 over scaled columns, beside
the real rows' own distance to their nearest neighbour. Free text shared: synthetic values found
in the real column (Faker's vocabulary can coincide with common real names).</p>
<table><tr><th>table</th><th>rows</th><th>scored columns</th><th>exact matches</th>
<th>DCR median</th><th>real-real median</th><th>free text shared</th></tr>{privacy_rows}</table>
</div></main></body></html>"""
