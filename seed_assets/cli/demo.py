"""`seed-assets demo`: what `make demo` runs, every job of the Dagster definitions."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import typer

from seed_assets.cli.app import (
    app,
    console,
    errors,
    fail,
    print_summary,
)
from seed_assets.errors import SeedAssetsError
from seed_assets.progress import RunProgress, table_progress


@app.command(epilog="Example: make demo   (or: DAGSTER_HOME=$PWD/.dagster seed-assets demo)")
def demo() -> None:
    """Materialise every asset of the Dagster definitions in-process, then summarise.

    Uses the instance in DAGSTER_HOME when set, so the run shows in `make dev` afterwards.
    """
    from dagster import DagsterInstance

    try:
        from seed_assets.definitions import defs, specs
    except SeedAssetsError as exc:
        raise fail(exc) from None
    instance = (
        DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    )
    started = time.perf_counter()
    job = defs.resolve_implicit_global_asset_job_def()
    # Warnings and errors only, not Dagster's DEBUG event stream: the bars and the summary
    # below are what a user reads (the run's full log is in the UI).
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    run_id = str(uuid.uuid4())
    with table_progress(console) as progress:
        instance.add_event_listener(run_id, RunProgress(progress, _demo_steps(defs, specs)))
        result = job.execute_in_process(
            run_config=quiet, instance=instance, raise_on_error=False, run_id=run_id
        )
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
        if "report_file" in meta:
            reports.add(_report_text(meta))
    print_summary(rows, seconds)
    for name, meta in others:
        if "auc" in meta:
            console.print(f"{name}: AUC {meta['auc'].value:.3f}, {meta['class_balance'].value}")
        elif "dagster/row_count" in meta:
            console.print(f"{name}: {int(meta['dagster/row_count'].value):,} rows")
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    for evaluation in failed_checks:
        errors.print(f"[bold red]check failed:[/] {evaluation.asset_check_key.name}")
    if reports:
        console.print(
            f"Validation report: {'; '.join(sorted(reports))}", highlight=False, soft_wrap=True
        )
    console.print(f"Written to {', '.join(sorted(targets))}; Dagster run {result.run_id}")
    if not result.success:
        errors.print("[bold red]the run failed[/]; see the Dagster logs above")
        raise typer.Exit(1)


def _demo_steps(defs, specs) -> dict[str, tuple[str, float | None]]:
    """Op name -> (asset label, expected rows, None for the ML assets) of every asset."""
    from seed_assets.assets import table_key
    from seed_assets.engine.run import expected_rows
    from seed_assets.resources import GenerationResource

    scale = GenerationResource().scale
    guesses = {
        table_key(spec, table): rows
        for spec in specs
        for table, rows in expected_rows(spec, scale).items()
    }
    return {
        assets_def.op.name: (assets_def.key.to_user_string(), guesses.get(assets_def.key))
        for assets_def in defs.assets or []
    }


def _report_text(meta) -> str:
    """Where a table's report is, as paths from the current folder when they are below it."""
    from urllib.parse import unquote, urlparse

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    markdown = Path(str(meta["report_file"].value))
    html = meta.get("report_html")
    if html is None:
        return shown(markdown)
    return f"{shown(Path(unquote(urlparse(str(html.value)).path)))} (plots), {markdown.name}"
