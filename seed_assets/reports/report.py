"""The validation report: ``<db stem>.report.json``, ``.report.md`` and ``.report.html`` (with
plots) beside the database, each check with its figure, bound and PASS/FAIL/ERROR, and the
verdict.

The report describes the database as it stands. A Dagster run updates it table by table (under
a file lock, so parallel steps do not lose each other's sections); replacing a table drops its
descendants' sections, because the writer emptied those tables. ``seed-assets validate`` writes it
whole. The verdict is "approved for ML use" only when every table of the spec has a section and
every check in it passed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seed_assets.spec.graph import components, linked_fks, links_name, replaced_with
from seed_assets.spec.models import Spec
from seed_assets.validation.results import CheckResult

APPROVED = "approved for ML use"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ReportPaths:
    json: Path
    markdown: Path
    html: Path

    @property
    def lock(self) -> Path:
        return self.json.with_name(self.json.name + ".lock")


REPORT_DIR_ENV = "SEED_ASSETS_REPORT_DIR"


def report_paths(url: str, spec_name: str, report_dir: str | Path | None = None) -> ReportPaths:
    """Beside a SQLite file (``data/banking.sqlite`` -> ``data/banking.report.json``); inside a
    Parquet directory (``seed_assets.report.json``); for server databases,
    ``<report dir>/<database>.<spec>.report.json``: one report per database and spec, so two
    specs in one database keep their own. The report dir is `report_dir` (``--report-dir``),
    else ``$SEED_ASSETS_REPORT_DIR``, else ``data`` under the working directory (git-ignored,
    like the SQLite files)."""
    from seed_assets.targets.parquet_urls import is_parquet_url, parquet_dir

    if is_parquet_url(url):  # inside the Parquet directory
        folder = parquet_dir(url)
        return ReportPaths(
            folder / "seed_assets.report.json",
            folder / "seed_assets.report.md",
            folder / "seed_assets.report.html",
        )
    import sqlalchemy as sa  # not at import: the Dagster definitions import this module

    parsed = sa.make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        stem = path.with_suffix("") if path.suffix else path
    else:
        folder = Path(report_dir or os.environ.get(REPORT_DIR_ENV) or "data")
        name = Path(database).name or parsed.get_backend_name()
        stem = folder / f"{name}.{spec_name}"
    return ReportPaths(
        stem.with_name(stem.name + ".report.json"),
        stem.with_name(stem.name + ".report.md"),
        stem.with_name(stem.name + ".report.html"),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def table_section(
    results: Iterable[CheckResult],
    *,
    rows: int,
    written: bool,
    run_id: str | None = None,
    profile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One table's part of the report; `profile` holds what the HTML report plots
    (``TableChecker.profile``)."""
    checks = [r.to_dict() for r in results]
    section = {
        "rows": rows,
        "written": written,
        "checked_at": _now(),
        "run_id": run_id,
        "passed": all(c["passed"] for c in checks),
        "checks": checks,
    }
    if profile is not None:
        section["profile"] = profile
    return section


def report_units(spec: Spec) -> list[str]:
    """What the report has a section for, in order: every table, and after each nullable
    cycle the links step of each of its tables with deferred FKs (``<table>_links``)."""
    units: list[str] = []
    for component in components(spec):
        units += component.tables
        units += [links_name(t) for t in component.tables if linked_fks(spec, t)]
    return units


def assemble(spec: Spec, database: str, sections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The whole report from per-table sections: the verdict and its failures."""
    units = report_units(spec)
    ordered = {t: sections[t] for t in units if t in sections}
    failures: list[str] = []
    for table in units:
        section = ordered.get(table)
        if section is None:
            failures.append(f"{table}: not validated (no checks have run on its current rows)")
            continue
        for check in section["checks"]:
            if check["status"] == "ERROR":
                failures.append(f"{check['name']}: ERROR: {check['error']}")
            elif check["status"] == "FAIL":
                failures.extend(
                    f"{check['name']}: {m['subject']} = {m['figure']} (bound {m['bound']})"
                    for m in check["measurements"]
                    if m["status"] == "FAIL"
                )
    approved = not failures
    return {
        "format": FORMAT_VERSION,
        "spec": spec.name,
        "spec_source": spec.source,
        "database": database,
        "updated_at": _now(),
        "approved": approved,
        "verdict": APPROVED if approved else "not approved",
        "failures": failures,
        "tables": ordered,
    }


def render_markdown(report: dict[str, Any]) -> str:
    """The report for people: verdict first, then a table of checks per table."""
    lines = [
        f"# Validation report: {report['spec']}",
        "",
        f"Database: `{report['database']}`  ",
        f"Updated: {report['updated_at']}",
        "",
    ]
    if report["approved"]:
        lines.append(f"**Verdict: PASS, {APPROVED}.**")
    else:
        lines.append(
            f"**Verdict: FAIL, not approved for ML use.** {len(report['failures'])} failure(s):"
        )
        lines.append("")
        lines.extend(f"- {failure}" for failure in report["failures"])
    for table, section in report["tables"].items():
        state = (
            "in the database"
            if section["written"]
            else "NOT written: checks failed, the table keeps its previous rows (if any)"
        )
        lines += [
            "",
            f"## {table}",
            "",
            f"{section['rows']:,} rows, {state}; checked {section['checked_at']}"
            + (f" (run {section['run_id']})" if section.get("run_id") else ""),
            "",
            "| check | measure | figure | bound | result |",
            "| --- | --- | --- | --- | --- |",
        ]
        for check in section["checks"]:
            if check["status"] == "ERROR":
                lines.append(
                    f"| {check['name']} | (could not run) | {_cell(check['error'])} | | ERROR |"
                )
            for m in check["measurements"]:
                lines.append(
                    f"| {check['name']} | {_cell(m['subject'])} | {_cell(m['figure'])} | "
                    f"{_cell(m['bound'])} | {m['status']} |"
                )
        failing = [c for c in section["checks"] if c["samples"] and not c["passed"]]
        for check in failing:
            lines += ["", f"Failing samples of `{check['name']}`:", "", "```json"]
            lines += [json.dumps(s, default=str) for s in check["samples"]]
            lines.append("```")
    return "\n".join(lines) + "\n"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the report from the rest of the team
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_report(report: dict[str, Any], paths: ReportPaths) -> None:
    """The JSON (for tools), the Markdown and the HTML with plots (for people)."""
    # Imported here: it pulls the rules and scipy, which a run writing no report never needs.
    from seed_assets.reports.html import render_html

    _write_atomic(paths.json, json.dumps(report, indent=2, default=str) + "\n")
    _write_atomic(paths.markdown, render_markdown(report))
    _write_atomic(paths.html, render_html(report))


def load_report(paths: ReportPaths) -> dict[str, Any] | None:
    try:
        return json.loads(paths.json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _locked(paths: ReportPaths) -> Iterator[None]:
    """The report's file lock (parallel steps), its file removed when released."""
    from seed_assets.targets.lock import exclusive

    with exclusive(paths.lock):
        yield


def update_report(
    paths: ReportPaths,
    spec: Spec,
    database: str,
    table: str,
    section: dict[str, Any],
) -> dict[str, Any]:
    """Replace `table`'s section (and, when it was written, drop its descendants', whose rows
    the writer cleared, and the links steps it undid); rewrite both files. Safe against
    concurrent steps. `table` may also be a links step (``<table>_links``)."""
    return update_sections(paths, spec, database, {table: section})


def update_sections(
    paths: ReportPaths, spec: Spec, database: str, new: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``update_report`` for several sections written together (the tables of a NOT NULL
    cycle, which clear each other)."""
    with _locked(paths):
        old = load_report(paths)
        sections: dict[str, dict[str, Any]] = {}
        if old and old.get("spec") == spec.name and old.get("database") == database:
            units = set(report_units(spec))
            sections = {t: s for t, s in old.get("tables", {}).items() if t in units}
        for table, section in new.items():
            if not (section["written"] and table in spec.tables):
                continue
            replacement = replaced_with(spec, table)
            for child in replacement.deleted:
                sections.pop(child, None)
                sections.pop(links_name(child), None)
            for owner, _ in replacement.unlinked:
                sections.pop(links_name(owner), None)
            sections.pop(links_name(table), None)
        sections.update(new)
        report = assemble(spec, database, sections)
        write_report(report, paths)
    return report


def forget_tables(
    paths: ReportPaths, spec: Spec, database: str, tables: Iterable[str]
) -> dict[str, Any] | None:
    """Drop the sections of `tables` (rewritten without checks) and of their descendants
    (emptied by the writer), so the report never vouches for rows it has not seen. Does
    nothing when there is no report of this spec and database."""
    with _locked(paths):
        old = load_report(paths)
        if not old or old.get("spec") != spec.name or old.get("database") != database:
            return None
        sections = dict(old.get("tables", {}))
        for table in tables:
            if table not in spec.tables:  # a links step: its section goes with its table's
                sections.pop(table, None)
                continue
            replaced = replaced_with(spec, table)
            for stale in (table, *replaced.deleted, *(links_name(t) for t, _ in replaced.unlinked)):
                sections.pop(stale, None)
        report = assemble(spec, database, sections)
        write_report(report, paths)
    return report
