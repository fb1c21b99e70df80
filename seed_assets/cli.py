"""The command line: generate a spec into a database, validate a database, run the Dagster
demo, check a spec."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from seed_assets.errors import SeedAssetsError
from seed_assets.progress import RunProgress, table_progress

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Relational synthetic test databases that keep their relationships.",
)
console = Console()
errors = Console(stderr=True)

SPEC_ARG = typer.Argument(
    ..., help="A YAML spec file, or a JSON generation plan.", show_default=False
)
URL_ARG = typer.Argument(
    ..., help="SQLAlchemy URL of the database, e.g. postgresql+psycopg://user@host/db.",
    show_default=False,
)  # fmt: skip


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
    "--target postgresql+psycopg://postgres@127.0.0.1:5432/test --if-exists replace --validate"
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
    from seed_assets.engine.run import iter_plan
    from seed_assets.reports.report import forget_tables, report_paths
    from seed_assets.resources.target import default_url
    from seed_assets.sources.files import load_spec
    from seed_assets.spec.loader import check_scale
    from seed_assets.targets.base import IF_EXISTS, ON_ERROR, Target
    from seed_assets.targets.cancel import CancelToken, first_interrupt_cancels
    from seed_assets.targets.check_filter import check_filter
    from seed_assets.targets.load_report import LoadCancelled, summarise

    try:
        if if_exists not in IF_EXISTS or on_error not in ON_ERROR:
            raise SeedAssetsError(
                f"--if-exists takes {'/'.join(IF_EXISTS)} and --on-error {'/'.join(ON_ERROR)}"
            )
        spec = load_spec(spec_path, target=target)
        check_scale(spec, scale)
        url = target or default_url(spec)
        db = Target.for_url(url)
        row_filter = check_filter(spec, url)  # CHECKs only the database can judge
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    run_seed = spec.seed if seed is None else seed
    summary: list[tuple[str, int, float]] = []
    rejected: list = []
    started = time.perf_counter()
    console.print(
        f"Generating [bold]{spec.name}[/] into {db.display_url} (seed {run_seed}, scale {scale:g})"
    )
    paths = report_paths(url)
    token = CancelToken()
    warn = lambda text: errors.print(f"[yellow]{text}[/]")  # noqa: E731
    try:
        with first_interrupt_cancels(token, warn), table_progress(console) as progress:
            for step in iter_plan(spec, seed=run_seed, scale=scale, row_filter=row_filter):
                step_start = time.perf_counter()
                results = _write_step(
                    db, spec, step, progress, run_seed, scale, if_exists, on_error, token
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
        raise _fail(exc) from None
    finally:
        db.dispose()
        if row_filter is not None:
            row_filter.close()
    _print_summary(summary, time.perf_counter() - started)
    for result in rejected:
        errors.print(
            f"[bold yellow]{result.rejected_count} row(s) of {result.table} were refused and "
            "skipped (--on-error continue):[/]\n"
            + summarise(result.rejected, result.rejected_count),
            highlight=False,
            soft_wrap=True,
        )
    if check:
        report = _validate_with_progress(spec, url, paths)
        _print_verdict(report, paths)
        raise typer.Exit(0 if report["approved"] else 1)


def _write_step(db, spec, step, progress, seed, scale, if_exists, on_error, token) -> list:
    """Write one step of ``iter_plan``; the WriteResult of each table it wrote."""
    from seed_assets.engine.run import ComponentStep, LinksStep
    from seed_assets.targets import links
    from seed_assets.targets.load_report import WriteResult

    if isinstance(step, LinksStep):  # a nullable cycle: fill the FKs written NULL
        task = progress.add_task(step.name, total=len(step.frame))
        rows = links.update_links(db, spec, step.table, step.frame, seed=seed, scale=scale)
        progress.update(task, completed=len(step.frame))
        return [WriteResult(step.name, rows=rows, committed=True)]
    if isinstance(step, ComponentStep):  # a NOT NULL cycle: its tables in one transaction
        tasks = {name: progress.add_task(name, total=len(f)) for name, f in step.frames.items()}
        results = links.write_component(
            db,
            spec,
            {name: [frame] for name, frame in step.frames.items()},
            seed=seed,
            scale=scale,
            on_rows=lambda name, n: progress.advance(tasks[name], n),
            if_exists=if_exists,
            on_error=on_error,
            cancel=token,
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
    )
    return [result]


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


@app.command(
    epilog="Example: seed-assets sql seed_assets/examples/banking.yaml --dialect postgresql "
    "--out banking.sql   (then: psql -v ON_ERROR_STOP=1 -d mydb -f banking.sql)"
)
def sql(
    spec_path: Path = SPEC_ARG,
    dialect: str = typer.Option(
        ..., "--dialect", help="postgresql, mysql (also for MariaDB) or sqlite.", show_default=False
    ),
    out: Path = typer.Option(
        None, "--out", help="Write the script to this file (default: standard output)."
    ),
    seed: int = typer.Option(None, "--seed", help="Root seed. Default: the spec's `seed`."),
    scale: float = typer.Option(1.0, "--scale", min=0.0, help="Multiply root tables' rows."),
    no_ddl: bool = typer.Option(
        False, "--no-ddl", help="Leave out CREATE TABLE: fill tables that already exist."
    ),
    rows_per_insert: int = typer.Option(
        500, "--rows-per-insert", min=1, max=10_000, help="Rows per INSERT statement."
    ),
) -> None:
    """Write SPEC as a SQL script: CREATE TABLEs, then INSERTs of literal values, in one
    transaction.

    Loaded into an empty database it gives the same tables and rows as `generate` with the same
    seed and scale. An existing --out file is replaced only if this command wrote it.
    """
    import io

    from seed_assets.sources.files import load_spec
    from seed_assets.targets.literal import check_dialect
    from seed_assets.targets.script import is_script, script_statements

    try:
        spec = load_spec(spec_path)
        dialect = check_dialect(dialect)
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    if out is not None and out.exists():
        with open(out, encoding="utf-8", errors="replace") as existing:
            if not is_script(existing.readline()):
                raise _fail(
                    ValueError(
                        f"{out} exists and is not a script this tool wrote; refusing to "
                        "overwrite it. Delete it or choose another --out"
                    )
                )
    run_seed = spec.seed if seed is None else seed
    # The script may be going to stdout: everything else goes to stderr then.
    talk = console if out is not None else errors
    partial = out.with_name(out.name + ".partial") if out is not None else None
    if partial is not None:
        partial.parent.mkdir(parents=True, exist_ok=True)
        stream = open(partial, "w", encoding="utf-8", newline="", buffering=1 << 20)  # noqa: SIM115
    else:
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    started = time.perf_counter()
    rows_written: dict[str, int] = {}
    progress = table_progress(talk)

    def on_table(generator) -> None:
        progress.add_task(generator.name, total=generator.total_rows)
        rows_written[generator.name] = 0

    def on_rows(n: int) -> None:
        progress.advance(progress.task_ids[-1], n)
        rows_written[next(reversed(rows_written))] += n

    ok = False
    try:
        with progress:
            for piece in script_statements(
                spec,
                dialect,
                seed=run_seed,
                scale=scale,
                ddl=not no_ddl,
                rows_per_statement=rows_per_insert,
                on_table=on_table,
                on_rows=on_rows,
            ):
                stream.write(piece)
        ok = True
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        errors.print("[yellow]cancelled:[/] no script written")
        raise typer.Exit(130) from None
    finally:
        if partial is not None:
            stream.close()
            if ok:
                os.replace(partial, out)
            else:
                partial.unlink(missing_ok=True)
        else:
            stream.flush()
            stream.detach()
    seconds = time.perf_counter() - started
    where = out if out is not None else "standard output"
    talk.print(
        f"Wrote a {dialect} script of [bold]{spec.name}[/] (seed {run_seed}, scale {scale:g}): "
        f"{len(rows_written)} tables, {sum(rows_written.values()):,} rows in {seconds:.2f} s "
        f"to {where}",
        highlight=False,
    )


@app.command(epilog="Example: make demo   (or: DAGSTER_HOME=$PWD/.dagster seed-assets demo)")
def demo() -> None:
    """Materialise every asset of the Dagster definitions in-process, then summarise.

    Uses the instance in DAGSTER_HOME when set, so the run shows in `dagster dev` afterwards.
    """
    from dagster import DagsterInstance

    try:
        from seed_assets.definitions import defs, specs
    except SeedAssetsError as exc:
        raise _fail(exc) from None
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
        if "report" in meta:
            html = meta.get("report_html")
            reports.add(
                f"{html.value} (plots), {meta['report'].value}" if html else meta["report"].value
            )
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
    from seed_assets.reports.report import report_paths
    from seed_assets.resources.target import default_url
    from seed_assets.sources.files import load_spec

    try:
        spec = load_spec(spec_path, target=target)
        url = target or default_url(spec)
        paths = report_paths(url)
        report = _validate_with_progress(spec, url, paths)
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    _print_report(report)
    _print_verdict(report, paths)
    raise typer.Exit(0 if report["approved"] else 1)


def _validate_with_progress(spec, url: str, paths) -> dict:
    """Every check over the database, a bar per table; writes the report files."""
    from seed_assets.engine.run import expected_rows
    from seed_assets.reports.report import write_report
    from seed_assets.targets.base import mask_url
    from seed_assets.validation.database import validate_database

    console.print(f"Checking [bold]{spec.name}[/] in {mask_url(url)}")
    guesses = expected_rows(spec)
    with table_progress(console) as progress:
        tasks = {
            t: progress.add_task(t, total=max(round(guesses[t]), 1), start=False) for t in guesses
        }

        def on_table(name: str, rows: int | None) -> None:
            if rows is None:
                progress.start_task(tasks[name])
            else:
                progress.update(tasks[name], total=max(rows, 1), completed=max(rows, 1))
                progress.stop_task(tasks[name])

        report = validate_database(spec, url, on_table=on_table)
    write_report(report, paths)
    return report


def _print_verdict(report: dict, paths) -> None:
    if report["approved"]:
        console.print("[bold green]PASS[/]: approved for ML use")
    else:
        console.print(f"[bold red]FAIL[/]: not approved, {len(report['failures'])} failure(s):")
        for failure in report["failures"]:
            console.print(f"  - {failure}", highlight=False, soft_wrap=True)
    console.print(
        f"Report: {paths.html} (plots), {paths.markdown.name}, {paths.json.name}",
        highlight=False,
        soft_wrap=True,
    )


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


@app.command(epilog="Example: seed-assets check seed_assets/examples/banking.yaml")
def check(spec_path: Path = SPEC_ARG) -> None:
    """Validate SPEC and print its tables in generation order, with their parents, and the
    FK cycles it found (each with the FK filled last)."""
    from seed_assets.sources.files import load_spec
    from seed_assets.spec.graph import components, parents, topological_order

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


@app.command(
    epilog="Example: seed-assets schema > spec.schema.json   (then, first line of a spec: "
    "# yaml-language-server: $schema=./spec.schema.json)"
)
def schema() -> None:
    """Print the spec's JSON Schema, so editors can complete and validate YAML specs."""
    import json

    from seed_assets.spec.schema import spec_json_schema

    sys.stdout.write(json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n")


@app.command(
    epilog="Example: seed-assets reflect postgresql+psycopg://postgres@127.0.0.1/shop "
    "--out shop.yaml && seed-assets generate shop.yaml --target "
    "postgresql+psycopg://postgres@127.0.0.1/shop"
)
def reflect(
    url: str = URL_ARG,
    out: Path = typer.Option(None, "--out", help="Write the spec here (default: print it)."),
    name: str = typer.Option(None, "--name", help="The spec's name. Default: the database's."),
) -> None:
    """Read the tables of a database into a spec, with inferred value sources to review.

    Each column's comment says why its values are made that way; CHECKs the generator does not
    understand are listed (the database judges the generated rows against them).
    """
    from seed_assets.sources.reflect import reflect as reflect_database
    from seed_assets.sources.yaml_writer import reflection_yaml

    try:
        reflection = reflect_database(url, name=name)
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    text = reflection_yaml(reflection)
    _write_or_print(text, out)
    tables = len(reflection.data["tables"])
    for note in reflection.notes:
        errors.print(f"[yellow]review:[/] {note}", highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"Wrote {out}: {tables} table(s); review the commented choices")


@app.command(
    epilog="Example: seed-assets plan postgresql+psycopg://postgres@127.0.0.1/shop --out plan.json"
)
def plan(
    url: str = URL_ARG,
    out: Path = typer.Option(None, "--out", help="Write the plan here (default: print it)."),
) -> None:
    """Write a JSON generation plan for a database, for a person or an LLM to edit.

    Generate from it with `seed-assets generate PLAN --target URL`: columns the plan leaves out
    (keys, foreign keys, ordered dates) are filled from the database's schema.
    """
    import json

    from seed_assets.sources.plan import plan_from_spec
    from seed_assets.sources.reflect import reflect as reflect_database
    from seed_assets.spec.loader import spec_from_dict

    try:
        reflection = reflect_database(url)
        spec = spec_from_dict(reflection.data, source="<reflected>")
    except SeedAssetsError as exc:
        raise _fail(exc) from None
    rationale = (
        "Record counts: root tables get a default number of rows; child tables the expected "
        "rows of their parent times their cardinality. Providers follow the column names and "
        "types and the database's CHECKs. Keys, foreign keys, dates ordered after their "
        "parent's, uuids and json are filled from the schema and are not listed."
    )
    text = json.dumps(plan_from_spec(spec, rationale), indent=2) + "\n"
    _write_or_print(text, out)
    if out is not None:
        console.print(f"Wrote {out}: {len(spec.tables)} table(s)")


def _write_or_print(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(SeedAssetsError(f"cannot write {out}: {exc.strerror}")) from None


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
