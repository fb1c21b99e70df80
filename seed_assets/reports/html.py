"""The report as one self-contained HTML page: the verdict, rows per table, every check with
PASS/FAIL, and plots of what the data looks like against what the spec asked for: children per
parent for each FK, the gap behind each temporal rule, rare-event rates against their bounds.

It renders the same report dict as the JSON and Markdown files (the plots' data is in each
table's ``profile``, measured on the rows when they were checked), so all three always agree.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from seed_assets.reports import svg
from seed_assets.reports.relations_plots import relation_plots
from seed_assets.validation.rules import RULES

_STATUS_CLASS = {"PASS": "pass", "FAIL": "fail", "ERROR": "error"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px}
h3{font-size:15px;margin:16px 0 4px}
.card>h2{margin-top:0}
.meta{color:#57606a;font-size:13px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px;margin:12px 0}
.verdict{font-size:20px;font-weight:600;padding:12px 16px;border-radius:8px;color:#fff}
.verdict.pass{background:#1a7f37}.verdict.fail{background:#cf222e}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
color:#fff}
.badge.pass{background:#1a7f37}.badge.fail{background:#cf222e}.badge.error{background:#8250df}
.badge.none{background:#afb8c1}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border-bottom:1px solid #d8dee4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:12px}
.plot{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px 12px}
.plot p{margin:2px 0;font-size:12px;color:#57606a;max-width:460px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
ul.failures li{margin:2px 0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:#f6f8fa;padding:8px;overflow-x:auto}
details summary{cursor:pointer;font-weight:600;margin:8px 0}
"""


def _badge(status: str | None) -> str:
    if status is None:
        return '<span class="badge none">not run</span>'
    return f'<span class="badge {_STATUS_CLASS.get(status, "none")}">{escape(status)}</span>'


def _legend(expected_label: str | None) -> str:
    parts = [f'<span style="background:{svg.OBSERVED}"></span>in the data']
    if expected_label:
        parts.append(f'<span style="background:{svg.EXPECTED}"></span>{escape(expected_label)}')
    return f'<p class="legend">{"".join(parts)}</p>'


def _histogram_plot(
    title: str,
    data: dict[str, Any],
    labels: list[str],
    axes: tuple[str, str],
    expected_label: str | None,
    notes: list[str],
) -> str:
    """A figure of the report: `data`'s observed bars against its expected ones (if any), a
    legend, then one paragraph per note."""
    x_title, y_title = axes
    chart = svg.histogram(
        data["observed"],
        labels,
        expected=data.get("expected"),
        x_title=x_title,
        y_title=y_title,
        title=title,
    )
    paragraphs = "".join(f"<p>{escape(note)}</p>" for note in notes)
    return (
        f'<div class="plot"><h3>{escape(title)}</h3>{chart}{_legend(expected_label)}'
        f"{paragraphs}</div>"
    )


def _fk_plot(table: str, fk: dict[str, Any]) -> str:
    observed = fk["observed"]
    labels = [str(k) for k in range(len(observed))]
    if fk.get("last_bin_open") and labels:
        labels[-1] += "+"
    title = f"{table}.{', '.join(fk['columns'])}: children per {fk['parent']} row"
    mean = fk.get("mean")
    facts = f"{fk['parents']:,} parents, {fk['children']:,} children"
    if mean is not None:
        facts += f", mean {mean:g}"
    if fk.get("expected_mean") is not None:
        facts += f" (spec: {fk['expected_mean']:g})"
    facts += f", most {fk['max']:,}"
    if fk.get("null_children"):
        facts += f"; {fk['null_children']:,} rows with no parent (NULL)"
    expected_label = f"spec: {fk['target']}" if fk.get("expected") is not None else None
    notes = [facts] + ([fk["target"]] if expected_label is None and fk.get("target") else [])
    axes = (f"{table} rows per {fk['parent']} row", f"{fk['parent']} rows")
    return _histogram_plot(title, fk, labels, axes, expected_label, notes)


def _gap_plot(table: str, gap: dict[str, Any]) -> str:
    edges, observed = gap["edges"], gap["observed"]
    labels = [f"{edges[i]:g}" for i in range(len(observed))]
    if labels:
        labels[-1] += "+"
    source = gap["after"] if "." in gap["after"] else f"{table}.{gap['after']}"
    title = f"{table}.{gap['column']} − {source}"
    facts = (
        f"{gap['rows']:,} rows; days: min {gap['min']}, median {gap['median']}, "
        f"95th percentile {gap['p95']}, max {gap['max']}"
        if gap["rows"]
        else "no rows"
    )
    if gap.get("every", 1) > 1:  # streamed: the gaps of a deterministic sample
        facts += f" (a sample: every {gap['every']:,}th row; the temporal check saw every row)"
    if gap.get("same_day") is not None and gap["rows"]:
        facts += f"; same day: {gap['same_day']:,}"
    if gap.get("negative"):
        facts += f"; BEFORE {source}: {gap['negative']:,}"
    rule = f"spec: gap {gap['spec_gap']}" if gap.get("spec_gap") else "spec: uniform"
    if gap.get("until"):
        rule += f", never after {gap['until'][:10]}"
    expected_label = None
    if gap.get("expected") is not None:
        clipped = " (before clipping to `until`)" if gap.get("until") else ""
        expected_label = f"spec: {gap['spec_gap']}{clipped}"
    axes = (f"days from {source} to {gap['column']} (bin start)", f"{table} rows")
    return _histogram_plot(title, gap, labels, axes, expected_label, [facts, rule])


def _rate_plots(table: str, checks: list[dict[str, Any]]) -> list[str]:
    out = []
    for check in checks:
        if check["rule"] != "rare_events":
            continue
        for m in check["measurements"]:
            if m.get("low") is None or m.get("high") is None:
                continue
            title = f"{table}.{m['subject']}"
            chart = svg.rate_against_bounds(
                m.get("value"), m["low"], m["high"], passed=m["status"] == "PASS", title=title
            )
            out.append(
                f'<div class="plot"><h3>{escape(title)} {_badge(m["status"])}</h3>{chart}'
                f"<p>measured {escape(m['figure'])}; allowed {escape(m['bound'])}</p></div>"
            )
    return out


def _checks_table(section: dict[str, Any]) -> str:
    rows = []
    for check in section["checks"]:
        measurements = check["measurements"] or [None]
        for i, m in enumerate(measurements):
            first = i == 0
            name = (
                f"<td rowspan={len(measurements)}><code>{escape(check['name'])}</code><br>"
                f"<small>{escape(check['engine'])}</small></td>"
                if first
                else ""
            )
            status = (
                f"<td rowspan={len(measurements)}>{_badge(check['status'])}</td>" if first else ""
            )
            if m is None:
                cells = f"<td colspan=3>{escape(check.get('error') or '')}</td>"
            else:
                cells = (
                    f"<td>{escape(m['subject'])}</td><td class=num>{escape(m['figure'])}</td>"
                    f"<td>{escape(m['bound'])} {_badge(m['status'])}</td>"
                )
            rows.append(f"<tr>{name}{status}{cells}</tr>")
        if check["status"] == "ERROR" and check["measurements"]:
            rows.append(f"<tr><td colspan=5>ERROR: {escape(check['error'] or '')}</td></tr>")
    samples = [
        f"<p>Failing rows of <code>{escape(c['name'])}</code>:</p><pre>"
        + escape("\n".join(json.dumps(s, default=str) for s in c["samples"]))
        + "</pre>"
        for c in section["checks"]
        if c["samples"] and not c["passed"]
    ]
    return (
        "<table><tr><th>check</th><th>result</th><th>measure</th><th>figure</th>"
        f"<th>bound</th></tr>{''.join(rows)}</table>{''.join(samples)}"
    )


def _overview(report: dict[str, Any]) -> str:
    """A table x rule grid: every check of the database at a glance."""
    found = {c["rule"] for section in report["tables"].values() for c in section["checks"]}
    known = [rule.name for rule in RULES]
    rules = [r for r in known if r in found] + sorted(found - set(known))
    head = "".join(f"<th>{escape(r)}</th>" for r in rules)
    body = []
    for table, section in report["tables"].items():
        by_rule = {c["rule"]: c["status"] for c in section["checks"]}
        cells = "".join(f"<td>{_badge(by_rule[r]) if r in by_rule else ''}</td>" for r in rules)
        body.append(f'<tr><td><a href="#t-{escape(table)}">{escape(table)}</a></td>{cells}</tr>')
    return f"<table><tr><th>table</th>{head}</tr>{''.join(body)}</table>"


def _table_section(table: str, section: dict[str, Any]) -> str:
    state = (
        "in the database"
        if section["written"]
        else "NOT written: checks failed, the table keeps its previous rows (if any)"
    )
    run = f" (run {section['run_id']})" if section.get("run_id") else ""
    profile = section.get("profile") or {}
    plots = [_fk_plot(table, fk) for fk in profile.get("fks", [])]
    plots += [_gap_plot(table, gap) for gap in profile.get("gaps", [])]
    plots += _rate_plots(table, section["checks"])
    plots += relation_plots(table, section["checks"])  # event curves, correlation heat maps
    problems = "".join(
        f"<li>could not plot {escape(error)}</li>" for error in profile.get("errors", [])
    )
    status = "PASS" if section["passed"] else "FAIL"
    opened = "" if section["passed"] else " open"
    return (
        f'<section class="card" id="t-{escape(table)}"><h2>{escape(table)} {_badge(status)}</h2>'
        f'<p class="meta">{section["rows"]:,} rows, {escape(state)}; checked '
        f"{escape(section['checked_at'])}{escape(run)}</p>"
        + (f'<div class="grid">{"".join(plots)}</div>' if plots else "")
        + (f"<ul>{problems}</ul>" if problems else "")
        + f"<details{opened}><summary>{len(section['checks'])} checks</summary>"
        + _checks_table(section)
        + "</details></section>"
    )


def render_html(report: dict[str, Any]) -> str:
    """The whole page: one file, inline CSS and SVG, no scripts, nothing fetched."""
    approved = report["approved"]
    verdict = (
        "PASS: approved for ML use"
        if approved
        else f"FAIL: not approved for ML use, {len(report['failures'])} failure(s)"
    )
    failures = "".join(f"<li>{escape(f)}</li>" for f in report["failures"])
    tables = report["tables"]
    rows_chart = (
        svg.horizontal_bars(
            list(tables), [s["rows"] for s in tables.values()], title="rows per table"
        )
        if tables
        else "<p>No table has been checked yet.</p>"
    )
    sections = "".join(_table_section(t, s) for t, s in tables.items())
    source = (
        f" from <code>{escape(report['spec_source'])}</code>" if report.get("spec_source") else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report["spec"])}: validation report</title>
<style>{CSS}</style></head>
<body><main>
<h1>Validation report: {escape(report["spec"])}</h1>
<p class="meta">Spec <b>{escape(report["spec"])}</b>{source}; database
<code>{escape(report["database"])}</code>; updated {escape(report["updated_at"])}</p>
<div class="verdict {"pass" if approved else "fail"}" id="verdict">{escape(verdict)}</div>
{f'<ul class="failures">{failures}</ul>' if failures else ""}
<h2>Rows per table</h2><div class="card">{rows_chart}</div>
<h2>Checks</h2><div class="card">{_overview(report)}</div>
{sections}
</main></body></html>
"""
