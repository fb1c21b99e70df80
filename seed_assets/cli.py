"""The command line: generate a spec into a database, validate a database, run the Dagster
demo, check a spec."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from seed_assets.errors import SeedAssetsError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Relational synthetic test databases that keep their relationships.",
)
console = Console()
errors = Console(stderr=True)

SPEC_ARG = typer.Argument(..., help="A YAML spec file.", show_default=False)


class RowsPerSecond(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


def _progress() -> Progress:
    # Bars only on a terminal: CI logs and pipes get the summary table alone.
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowsPerSecond(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def _fail(exc: Exception) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


IF_EXISTS_OPTION = typer.Option(
    "fail",
    "--if-exists",
    help="When a table already holds rows: fail; replace (only what this spec wrote; its "
    "descendants are emptied); append.",
)
ON_ERROR_OPTION = typer.Option(
    "fail",
    "--on-error",
    help="When the database refuses rows: fail (roll the table back and list them); continue "
    "(load the rest and list them).",
)


@app.command(
    epilog="Example: seed-assets generate seed_assets/examples/banking.yaml --scale 10 --seed 7 "
    "--target postgresql+psycopg://postgres@127.0.0.1:5432/test --if-exists replace"
)
def generate(
    spec_path: Path = SPEC_ARG,
    target: str = typer.Option(
        None, "--target", help="SQLAlchemy URL. Default: sqlite:///data/<spec file stem>.sqlite"
    ),
    seed: int = typer.Option(None, "--seed", help="Root seed. Default: the spec's `seed`."),
    scale: float = typer.Option(1.0, "--scale", min=0.0, help="Multiply root tables' rows."),
    if_exists: str = IF_EXISTS_OPTION,
    on_error: str = ON_ERROR_OPTION,
) -> None:
    """Generate every table of SPEC, parents first, into a database.

    Each table is one transaction. Ctrl+C stops after the current batch and rolls that table
    back; a second Ctrl+C exits at once (the database still rolls the open transaction back).
    """
    from seed_assets.engine.run import iter_spec
    from seed_assets.resources.target import default_url
    from seed_assets.spec.loader import load_spec
    from seed_assets.sql.cancel import CancelToken, first_interrupt_cancels
    from seed_assets.sql.load_report import LoadCancelled, summarise
    from seed_assets.sql.target import IF_EXISTS, ON_ERROR, Target

    try:
        if if_exists not in IF_EXISTS or on_error not in ON_ERROR:
            raise SeedAssetsError(
                f"--if-exists takes {'/'.join(IF_EXISTS)} and --on-error {'/'.join(ON_ERROR)}"
            )
        spec = load_spec(spec_path)
        db = Target.for_url(target or default_url(spec))
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    run_seed = spec.seed if seed is None else seed
    summary: list[tuple[str, int, float]] = []
    rejected: list = []
    started = time.perf_counter()
    console.print(
        f"Generating [bold]{spec.name}[/] into {db.display_url} (seed {run_seed}, scale {scale:g})"
    )
    token = CancelToken()
    warn = lambda text: errors.print(f"[yellow]{text}[/]")  # noqa: E731
    try:
        with first_interrupt_cancels(token, warn), _progress() as progress:
            for generator, chunks in iter_spec(spec, seed=run_seed, scale=scale):
                task = progress.add_task(generator.name, total=generator.total_rows)
                table_start = time.perf_counter()
                result = db.write_table(
                    spec,
                    generator.name,
                    chunks,
                    seed=run_seed,
                    scale=scale,
                    on_rows=lambda n, task=task: progress.advance(task, n),
                    if_exists=if_exists,
                    on_error=on_error,
                    cancel=token,
                )
                summary.append((generator.name, result.rows, time.perf_counter() - table_start))
                if result.rejected_count:
                    rejected.append(result)
    except (LoadCancelled, KeyboardInterrupt) as exc:
        name = getattr(exc, "table", "the table being written")
        errors.print(
            f"[yellow]cancelled:[/] {name} was rolled back; complete tables: "
            f"{', '.join(f'{s[0]} ({s[1]:,} rows)' for s in summary) or 'none'}"
        )
        raise typer.Exit(130) from None
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    finally:
        db.dispose()
    _print_summary(summary, time.perf_counter() - started)
    for result in rejected:
        errors.print(
            f"[bold yellow]{result.rejected_count} row(s) of {result.table} were refused and "
            "skipped (--on-error continue):[/]\n"
            + summarise(result.rejected, result.rejected_count),
            highlight=False,
            soft_wrap=True,
        )


def _print_summary(rows: list[tuple[str, int, float]], seconds: float) -> None:
    table = Table(title="Generated", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("rows/s", justify="right")
    for name, count, took in rows:
        table.add_row(name, f"{count:,}", f"{took:.2f}", f"{count / took:,.0f}" if took else "")
    total = sum(r[1] for r in rows)
    table.add_row(
        "[bold]total",
        f"[bold]{total:,}",
        f"[bold]{seconds:.2f}",
        f"{total / seconds:,.0f}" if seconds else "",
    )
    console.print(table)


@app.command(epilog="Example: make demo   (or: DAGSTER_HOME=$PWD/.dagster seed-assets demo)")
def demo() -> None:
    """Materialise every asset of the Dagster definitions in-process, then summarise.

    Uses the instance in DAGSTER_HOME when set, so the run shows in `dagster dev` afterwards.
    """
    from dagster import DagsterInstance

    try:
        from seed_assets.definitions import defs
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    instance = (
        DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    )
    started = time.perf_counter()
    job = defs.resolve_implicit_global_asset_job_def()
    # INFO, not Dagster's default DEBUG event stream: the summary below is what a user reads.
    quiet = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    result = job.execute_in_process(run_config=quiet, instance=instance, raise_on_error=False)
    seconds = time.perf_counter() - started
    rows, targets, reports, others = [], set(), set(), []
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        name = event.asset_key.to_user_string()
        if "seconds" in meta and "dagster/row_count" in meta and "target" in meta:
            rows.append((name, int(meta["dagster/row_count"].value), float(meta["seconds"].value)))
            targets.add(str(meta["target"].value))
        else:  # the ML assets
            others.append((name, meta))
        if "report" in meta:
            reports.add(str(meta["report"].value))
    _print_summary(rows, seconds)
    for name, meta in others:
        if "auc" in meta:
            console.print(f"{name}: AUC {meta['auc'].value:.3f}, {meta['class_balance'].value}")
        elif "dagster/row_count" in meta:
            console.print(f"{name}: {int(meta['dagster/row_count'].value):,} rows")
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    for evaluation in failed_checks:
        errors.print(f"[bold red]check failed:[/] {evaluation.asset_check_key.name}")
    if reports:
        console.print(f"Validation report: {', '.join(sorted(reports))}")
    console.print(f"Written to {', '.join(sorted(targets))}; Dagster run {result.run_id}")
    if not result.success:
        errors.print("[bold red]the run failed[/]; see the Dagster logs above")
        raise typer.Exit(1)


@app.command(
    epilog="Example: seed-assets validate seed_assets/examples/banking.yaml "
    "--target sqlite:///data/banking.sqlite"
)
def validate(
    spec_path: Path = SPEC_ARG,
    target: str = typer.Option(
        None, "--target", help="SQLAlchemy URL. Default: sqlite:///data/<spec file stem>.sqlite"
    ),
) -> None:
    """Run every check of SPEC on an existing database and write the report beside it.

    Exit code 0: approved for ML use; 1: not approved; 2: bad input (spec, URL, missing tables).
    """
    from seed_assets.resources.target import default_url
    from seed_assets.spec.loader import load_spec
    from seed_assets.validation.database import validate_database
    from seed_assets.validation.report import report_paths, write_report

    try:
        spec = load_spec(spec_path)
        url = target or default_url(spec)
        paths = report_paths(url)
        with console.status(f"Checking {spec.name}", spinner="dots"):
            report = validate_database(spec, url)
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    write_report(report, paths)
    _print_report(report)
    console.print(f"Report: {paths.markdown} and {paths.json.name}")
    raise typer.Exit(0 if report["approved"] else 1)


def _print_report(report: dict) -> None:
    """Every integrity figure (the tutorial's report), and the Pandera and GX checks in one line
    each unless they fail; the files beside the database hold every measure."""
    styles = {"PASS": "green", "FAIL": "bold red", "ERROR": "bold magenta"}
    table = Table(title=f"Validation of {report['database']}", title_justify="left")
    names = [c["name"] for s in report["tables"].values() for c in s["checks"]]
    # Check names whole (they are what a user looks up in the UI); the rest wraps.
    table.add_column("check", no_wrap=True, min_width=max(map(len, names), default=5))
    for column in ("measure", "figure", "bound"):
        table.add_column(column, overflow="fold")
    table.add_column("result", no_wrap=True)
    for section in report["tables"].values():
        for check in section["checks"]:
            shown = check["measurements"]
            if check["status"] == "ERROR":
                table.add_row(
                    check["name"], "(could not run)", check["error"], "", "[bold magenta]ERROR"
                )
                shown = [m for m in shown if m["status"] != "PASS"]
            elif check["engine"] != "integrity" and check["status"] == "PASS":
                counts = check["counts"]
                measure = (
                    f"{counts.get('rules', '?')} schema rules"
                    if check["engine"] == "pandera"
                    else f"{counts.get('expectations', len(shown))} expectations"
                )
                table.add_row(check["name"], measure, "all within bounds", "", "[green]PASS")
                continue
            elif check["engine"] != "integrity":
                shown = [m for m in shown if m["status"] != "PASS"]
            for m in shown:
                style = styles[m["status"]]
                table.add_row(
                    check["name"], m["subject"], m["figure"], m["bound"], f"[{style}]{m['status']}"
                )
        table.add_section()
    console.print(table)
    if report["approved"]:
        console.print("[bold green]PASS[/]: approved for ML use")
    else:
        console.print(f"[bold red]FAIL[/]: not approved, {len(report['failures'])} failure(s):")
        for failure in report["failures"]:
            console.print(f"  - {failure}", highlight=False, soft_wrap=True)


@app.command(epilog="Example: seed-assets check seed_assets/examples/banking.yaml")
def check(spec_path: Path = SPEC_ARG) -> None:
    """Validate SPEC and print its tables in generation order, with their parents."""
    from seed_assets.spec.graph import parents, topological_order
    from seed_assets.spec.loader import load_spec

    try:
        spec = load_spec(spec_path)
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    table = Table(title=f"{spec.name}: valid", title_justify="left")
    table.add_column("table")
    table.add_column("depends on")
    table.add_column("rows")
    for name in topological_order(spec):
        t = spec.tables[name]
        driving = t.driving_fk
        rows = (
            f"{t.rows:,}"
            if driving is None
            else f"{driving.cardinality.kind} ≈{driving.cardinality.expected_mean():.2f} "
            f"per {driving.references.table}"
        )
        table.add_row(name, ", ".join(parents(spec, name)) or "-", rows)
    console.print(table)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
