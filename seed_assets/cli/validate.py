"""`seed-assets validate` (every check on an existing database) and `seed-assets check` (a spec)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from seed_assets.cli.app import (
    MAX_ROWS_OPTION,
    REPORT_DIR_OPTION,
    SPEC_ARG,
    TARGET_OPTION,
    app,
    console,
    errors,
    fail,
    print_report,
    print_verdict,
    validate_with_progress,
)
from seed_assets.errors import SeedAssetsError


@app.command(
    epilog="Example: seed-assets validate seed_assets/examples/banking.yaml "
    "--target sqlite:///data/banking.sqlite"
)
def validate(
    spec_path: Path = SPEC_ARG,
    target: str = TARGET_OPTION,
    report_dir: Path = REPORT_DIR_OPTION,
) -> None:
    """Run every check of SPEC on an existing database and write the report beside it.

    Exit code 0: approved for ML use; 1: not approved; 2: bad input (spec, URL, missing tables).
    """
    from seed_assets.reports.report import report_paths
    from seed_assets.sources.files import load_spec
    from seed_assets.targets.default_target import default_url

    try:
        spec = load_spec(spec_path, target=target)
        url = target or default_url(spec)
        paths = report_paths(url, spec.name, report_dir)
        report = validate_with_progress(spec, url, paths)
    except SeedAssetsError as exc:
        raise fail(exc) from None
    print_report(report)
    print_verdict(report, paths)
    raise typer.Exit(0 if report["approved"] else 1)


@app.command(epilog="Example: seed-assets check seed_assets/examples/banking.yaml --dialect mysql")
def check(
    spec_path: Path = SPEC_ARG,
    dialect: str = typer.Option(
        None,
        "--dialect",
        help="Also refuse what this SQL dialect cannot hold (postgresql, mysql, sqlite): a NUL "
        "in PostgreSQL text, a CHECK over MariaDB's size limit. Without it, such values are "
        "listed as warnings.",
    ),
    max_rows: int = MAX_ROWS_OPTION,
) -> None:
    """Validate SPEC and print its tables in generation order, with their parents, and the
    FK cycles it found (each with the FK filled last)."""
    from seed_assets.sources.files import load_spec
    from seed_assets.spec.column_text import rows_text
    from seed_assets.spec.graph import components, parents, topological_order
    from seed_assets.spec.loader import check_scale
    from seed_assets.targets.literal import DIALECTS, check_dialect
    from seed_assets.targets.representable import refuse_unfit, unfit

    try:
        spec = load_spec(spec_path)
        check_scale(spec, 1.0, max_rows=max_rows)
        if dialect is not None:
            refuse_unfit(spec, check_dialect(dialect))
    except SeedAssetsError as exc:
        raise fail(exc) from None
    if dialect is None:
        for name in DIALECTS:
            for problem in unfit(spec, name):
                errors.print(f"[yellow]warning (not for {name}):[/] {problem}", highlight=False)
    table = Table(title=f"{spec.name}: valid", title_justify="left")
    table.add_column("table")
    table.add_column("depends on")
    table.add_column("rows")
    for name in topological_order(spec):
        rows = rows_text(spec.tables[name], "{rows:,}", "{kind} ≈{mean:.2f} per {parent}")
        table.add_row(name, ", ".join(parents(spec, name)) or "-", rows)
    console.print(table)
    for component in components(spec):
        if not component.is_cycle:
            continue
        deferred = "; ".join(edge.describe(spec) for edge in component.deferred)
        how = (
            "NOT NULL: written in one transaction, FK checks deferred"
            if component.together
            else "filled after by a links step (UPDATE)"
        )
        console.print(
            f"cycle {' -> '.join(component.tables)}: {deferred} deferred, {how}",
            highlight=False,
        )
