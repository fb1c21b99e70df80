"""The validation report as a materialization shows it in the Dagster UI: this table's checks
rendered as Markdown (the UI cannot open a local file), the files' locations, and the database
verdict only once it is known.

Mid-run, tables not yet made have no section, and the report says "not approved" for want of
them; that is no verdict. ``database_verdict`` is written when every table is validated
(approved) or when a check failed (not approved), never while tables are merely pending.
"""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue

from seed_assets.reports.report import ReportPaths, render_markdown


def failed_units(report: dict[str, Any]) -> list[str]:
    """The tables (and links steps) whose section holds a failed or errored check."""
    return [
        unit
        for unit, section in report.get("tables", {}).items()
        if any(c.get("status") != "PASS" for c in section.get("checks", []))
    ]


def known_verdict(report: dict[str, Any]) -> str | None:
    """The report's verdict once it is final: approved, or a check failed; None while tables
    are only waiting for their checks."""
    if report.get("approved"):
        return report["verdict"]
    return report["verdict"] if failed_units(report) else None


def section_markdown(report: dict[str, Any], unit: str) -> str:
    """`unit`'s part of the Markdown report: its rows, checks, figures and bounds."""
    full = render_markdown(report)
    start = full.find(f"\n## {unit}\n")
    if start < 0:
        return ""
    end = full.find("\n## ", start + 1)
    return full[start : end if end >= 0 else len(full)].strip()


def report_metadata(paths: ReportPaths, report: dict[str, Any], unit: str) -> dict[str, Any]:
    """``validation_report`` (Markdown the UI renders), ``report_file`` and ``report_html``
    (where the whole report is), and ``database_verdict`` when known."""
    verdict = known_verdict(report)
    units = report.get("tables", {})
    if verdict is None:
        state = f"pending: {len(units)} table(s) validated so far, none failed"
    else:
        state = verdict
    html = paths.html.resolve()
    text = (
        f"**Database:** `{report.get('database')}`, {state}.\n\n"
        f"Whole report: `{paths.markdown.resolve()}` (HTML with plots: `{html}`).\n\n"
        + section_markdown(report, unit)
    )
    metadata: dict[str, Any] = {
        "validation_report": MetadataValue.md(text),
        "report_file": MetadataValue.path(str(paths.markdown.resolve())),
        "report_html": MetadataValue.url(html.as_uri()),
    }
    if verdict is not None:
        metadata["database_verdict"] = verdict
    return metadata
