"""`seed-assets generate`: a spec into a target, table by table, with progress and a summary."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import typer

from seed_assets.cli.app import (
    IF_EXISTS_OPTION,
    MAX_ROWS_OPTION,
    ON_ERROR_OPTION,
    REPORT_DIR_OPTION,
    SCALE_OPTION,
    SEED_OPTION,
    SPEC_ARG,
    TARGET_OPTION,
    app,
    console,
    errors,
    fail,
    in_file,
    print_summary,
    print_verdict,
    run_settings,
    validate_with_progress,
)
from seed_assets.cli.cold_start import importing
from seed_assets.errors import SeedAssetsError, TargetError
from seed_assets.progress import table_progress


@app.command(
    epilog="Example: seed-assets generate seed_assets/examples/banking.yaml --scale 10 --seed 7 "
    "--target postgresql+psycopg://postgres@127.0.0.1:5432/test --if-exists replace --validate"
)
def generate(
    spec_path: Path = SPEC_ARG,
    target: str = TARGET_OPTION,
    seed: int = SEED_OPTION,
    scale: float = SCALE_OPTION,
    max_rows: int = MAX_ROWS_OPTION,
    if_exists: str = IF_EXISTS_OPTION,
    on_error: str = ON_ERROR_OPTION,
    wait: float = typer.Option(
        0.0,
        "--wait",
        min=0.0,
        help="If another run is writing the target, wait up to this many seconds for it, "
        "then exit 2 naming it.",
    ),
    report_dir: Path = REPORT_DIR_OPTION,
    check: bool = typer.Option(
        False,
        "--validate",
        help="Then run every check on the database and write the report (JSON, Markdown, "
        "HTML with plots) beside it; exit 1 if it is not approved.",
    ),
) -> None:
    """Generate every table of SPEC, parents first, into a database.

    Each table is one transaction (a NOT NULL FK cycle: all its tables in one; a nullable one:
    its deferred FK columns filled by a last UPDATE). Ctrl+C stops after the current batch and
    rolls that table back; a second Ctrl+C exits at once (the database still rolls the open
    transaction back). Without --validate no check runs: a report left by an earlier run
    forgets the tables rewritten (its verdict becomes "not approved" until they are validated
    again).
    """
    with importing():  # no collection while they load (cold_start.py)
        import sqlalchemy as sa

        from seed_assets.engine.run import iter_plan
        from seed_assets.reports.report import forget_tables, report_paths
        from seed_assets.sources.files import load_spec
        from seed_assets.targets import ownership
        from seed_assets.targets.ahead import generated_ahead
        from seed_assets.targets.base import IF_EXISTS, ON_ERROR, Target
        from seed_assets.targets.cancel import CancelToken, first_interrupt_cancels
        from seed_assets.targets.capacity import check_target_fits
        from seed_assets.targets.check_filter import check_filter
        from seed_assets.targets.connect import new_paths, remove_new_paths
        from seed_assets.targets.default_target import default_url
        from seed_assets.targets.load_report import LoadCancelled, summarise
        from seed_assets.targets.lock import target_lock
        from seed_assets.targets.rejects import RejectFile, rejects_path
        from seed_assets.targets.representable import refuse_unfit_url

    held = contextlib.ExitStack()  # the target's write lock, once taken
    try:
        if if_exists not in IF_EXISTS or on_error not in ON_ERROR:
            raise SeedAssetsError(
                f"--if-exists takes {'/'.join(IF_EXISTS)} and --on-error {'/'.join(ON_ERROR)}"
            )
        spec = load_spec(spec_path, target=target)
        run_seed = run_settings(spec, seed, scale, max_rows)
        url = target or default_url(spec)
        # Values and DDL the database cannot take are refused before it is even reached.
        refuse_unfit_url(spec, url)
        check_target_fits(spec, url, scale)
        paths = report_paths(url, spec.name, report_dir)
        fresh = new_paths(url) + [
            p for p in (paths.json, paths.markdown, paths.html, paths.lock) if not p.exists()
        ]
        db = Target.for_url(url)
        held.enter_context(target_lock(db, spec.name, wait=wait))  # one writer per target
        ownership.preflight(db, spec, list(spec.tables), if_exists)  # nobody else's rows go
        row_filter = check_filter(spec, url)  # CHECKs only the database can judge
    except SeedAssetsError as exc:
        held.close()
        raise fail(exc) from None
    summary: list[tuple[str, int, float]] = []
    rejected: list = []
    started = time.perf_counter()
    console.print(
        f"Generating [bold]{spec.name}[/] into {db.display_url} (seed {run_seed}, scale {scale:g})"
    )
    # Every refused row of a run that goes on past them, beside the report.
    rejects = RejectFile(rejects_path(paths.json)) if on_error == "continue" else None
    token = CancelToken()
    warn = lambda text: errors.print(f"[yellow]{text}[/]")  # noqa: E731
    current: list[str] = []
    try:
        plan = iter_plan(spec, seed=run_seed, scale=scale, row_filter=row_filter)
        with (
            first_interrupt_cancels(token, warn),
            generated_ahead(db, plan) as steps,  # the next tables made while this one loads
            table_progress(console) as progress,
        ):
            for step in steps:
                current[:] = [getattr(step, "name", None) or ", ".join(step.frames)]
                step_start = time.perf_counter()
                results = _write_step(
                    db, spec, step, progress, run_seed, scale, if_exists, on_error, token, rejects
                )
                took = time.perf_counter() - step_start
                summary += [(r.table, r.rows, took) for r in results]
                forget_tables(paths, spec, db.display_url, [r.table for r in results])
                rejected += [r for r in results if r.rejected_count]
    except (LoadCancelled, KeyboardInterrupt) as exc:
        name = getattr(exc, "table", "the table being written")
        errors.print(
            f"[yellow]cancelled:[/] {name} was rolled back; complete tables: "
            f"{', '.join(f'{s[0]} ({s[1]:,} rows)' for s in summary) or 'none'}"
        )
        raise typer.Exit(130) from None
    except SeedAssetsError as exc:
        if not summary:
            remove_new_paths(fresh)
        raise fail(in_file(exc, spec)) from None
    except (sa.exc.SQLAlchemyError, OSError) as exc:  # the server or the disk failed mid-run
        if not summary:
            remove_new_paths(fresh)
        raise fail(interrupted(exc, url, summary, current)) from None
    finally:
        held.close()
        db.dispose()
        if rejects is not None:
            rejects.close()
        if row_filter is not None:
            row_filter.close()
    print_summary(summary, time.perf_counter() - started)
    for result in rejected:
        errors.print(
            f"[bold yellow]{result.rejected_count} row(s) of {result.table} were refused and "
            "skipped (--on-error continue):[/]\n"
            + summarise(result.rejected, result.rejected_count),
            highlight=False,
            soft_wrap=True,
        )
    if rejects is not None and rejects.count:
        errors.print(
            f"Every refused row: {rejects.path} (JSON lines)", highlight=False, soft_wrap=True
        )
    if check:
        report = validate_with_progress(spec, url, paths)
        print_verdict(report, paths)
        raise typer.Exit(0 if report["approved"] else 1)


def interrupted(exc: Exception, url: str, summary: list, current: list[str]) -> TargetError:
    """A run stopped by its database or disk: why, what was committed, what was rolled back,
    and how to finish."""
    from seed_assets.errors import describe_os_error
    from seed_assets.targets.base import mask_url
    from seed_assets.targets.connect import describe_db_error, is_transient

    if isinstance(exc, OSError):
        why = str(describe_os_error(exc))
    else:
        found = describe_db_error(exc, url)
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
        why = str(found) if found else f"target {mask_url(url)}: the database refused: {first[0]}"
    done = ", ".join(f"{name} ({rows:,} rows)" for name, rows, _ in summary) or "none"
    lost = current[0] if current else "none"
    then = (
        "Run the same command with --if-exists replace to finish: it rewrites the tables this "
        "spec wrote and writes the rest"
        if is_transient(exc)
        else "Fix the cause, then run again (with --if-exists replace if tables were committed)"
    )
    return TargetError(
        f"{why}. Committed before it: {done}. Rolled back: {lost} (no part of it was kept). " + then
    )


def _write_step(
    db, spec, step, progress, seed, scale, if_exists, on_error, token, rejects=None
) -> list:
    """Write one step of ``iter_plan``; the WriteResult of each table it wrote."""
    from seed_assets.engine.run import ComponentStep, LinksStep
    from seed_assets.targets import links

    if isinstance(step, LinksStep):  # a nullable cycle: fill the FKs written NULL
        task = progress.add_task(step.name, total=step.rows)
        result = links.update_links(
            db, spec, step.table, step.frames, rows=step.rows, seed=seed, scale=scale
        )
        progress.update(task, completed=step.rows)
        return [result]
    if isinstance(step, ComponentStep):  # a NOT NULL cycle: its tables in one transaction
        tasks = {
            name: progress.add_task(name, total=generator.total_rows)
            for name, generator in step.generators.items()
        }
        results = links.write_component(
            db,
            spec,
            step.frames,
            seed=seed,
            scale=scale,
            on_rows=lambda name, n: progress.advance(tasks[name], n),
            if_exists=if_exists,
            on_error=on_error,
            cancel=token,
            **({"rejects": rejects} if hasattr(db, "engine") else {}),
        )
        return list(results.values())
    task = progress.add_task(step.name, total=step.generator.total_rows)
    result = db.write_table(
        spec,
        step.name,
        step.chunks,
        seed=seed,
        scale=scale,
        on_rows=lambda n: progress.advance(task, n),
        if_exists=if_exists,
        on_error=on_error,
        cancel=token,
        **({"rejects": rejects} if hasattr(db, "engine") else {}),
    )
    return [result]
