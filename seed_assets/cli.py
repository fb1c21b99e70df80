"""The command line: generate a spec into a database, run the Dagster demo, check a spec."""

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


@app.command(
    epilog="Example: seed-assets generate seed_assets/examples/banking.yaml --scale 10 --seed 7"
)
def generate(
    spec_path: Path = SPEC_ARG,
    target: str = typer.Option(
        None, "--target", help="SQLAlchemy URL. Default: sqlite:///data/<spec file stem>.sqlite"
    ),
    seed: int = typer.Option(None, "--seed", help="Root seed. Default: the spec's `seed`."),
    scale: float = typer.Option(1.0, "--scale", min=0.0, help="Multiply root tables' rows."),
) -> None:
    """Generate every table of SPEC, parents first, into a database."""
    from seed_assets.engine.run import iter_spec
    from seed_assets.resources.target import default_url
    from seed_assets.spec.loader import load_spec
    from seed_assets.sql.target import Target

    try:
        spec = load_spec(spec_path)
        db = Target.for_url(target or default_url(spec))
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    run_seed = spec.seed if seed is None else seed
    summary: list[tuple[str, int, float]] = []
    started = time.perf_counter()
    console.print(
        f"Generating [bold]{spec.name}[/] into {db.display_url} (seed {run_seed}, scale {scale:g})"
    )
    try:
        with _progress() as progress:
            for generator, chunks in iter_spec(spec, seed=run_seed, scale=scale):
                task = progress.add_task(generator.name, total=generator.total_rows)
                table_start = time.perf_counter()
                rows = db.write_table(
                    spec,
                    generator.name,
                    chunks,
                    seed=run_seed,
                    scale=scale,
                    on_rows=lambda n, task=task: progress.advance(task, n),
                )
                summary.append((generator.name, rows, time.perf_counter() - table_start))
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        errors.print(
            "[yellow]cancelled:[/] the table being written was rolled back; "
            f"complete tables: {', '.join(s[0] for s in summary) or 'none'}"
        )
        raise typer.Exit(130) from None
    finally:
        db.dispose()
    _print_summary(summary, time.perf_counter() - started)


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
    rows = []
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        rows.append(
            (
                event.asset_key.to_user_string(),
                int(meta["dagster/row_count"].value),
                float(meta["seconds"].value),
            )
        )
    _print_summary(rows, seconds)
    targets = sorted(
        {
            str(e.materialization.metadata["target"].value)
            for e in result.get_asset_materialization_events()
        }
    )
    console.print(f"Written to {', '.join(targets)}; Dagster run {result.run_id}")
    if not result.success:
        errors.print("[bold red]the run failed[/]; see the Dagster logs above")
        raise typer.Exit(1)


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
