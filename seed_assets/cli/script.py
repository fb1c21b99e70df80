"""`seed-assets sql`: a spec as a literal SQL script for one dialect."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import typer

from seed_assets.cli.app import (
    MAX_ROWS_OPTION,
    SCALE_OPTION,
    SEED_OPTION,
    SPEC_ARG,
    app,
    console,
    errors,
    fail,
    in_file,
    make_dirs,
    remove_dirs,
    run_settings,
)
from seed_assets.errors import SeedAssetsError
from seed_assets.progress import table_progress


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
    seed: int = SEED_OPTION,
    scale: float = SCALE_OPTION,
    max_rows: int = MAX_ROWS_OPTION,
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
    from seed_assets.targets.capacity import check_script_fits
    from seed_assets.targets.literal import check_dialect
    from seed_assets.targets.representable import refuse_unfit
    from seed_assets.targets.script import is_script, script_statements

    try:
        spec = load_spec(spec_path)
        dialect = check_dialect(dialect)
        run_seed = run_settings(spec, seed, scale, max_rows)
        check_script_fits(spec, dialect, scale, out)
        refuse_unfit(spec, dialect)  # before a byte of the script is written
    except SeedAssetsError as exc:
        raise fail(exc) from None
    if out is not None and out.is_dir():
        raise fail(SeedAssetsError(f"--out {out} is a directory; name a file in it"))
    if out is not None and out.exists():
        with open(out, encoding="utf-8", errors="replace") as existing:
            if not is_script(existing.readline()):
                raise fail(
                    ValueError(
                        f"{out} exists and is not a script this tool wrote; refusing to "
                        "overwrite it. Delete it or choose another --out"
                    )
                )
    # The script may be going to stdout: everything else goes to stderr then.
    talk = console if out is not None else errors
    partial = out.with_name(out.name + ".partial") if out is not None else None
    if partial is not None:
        made = make_dirs(partial.parent)
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
        raise fail(in_file(exc, spec)) from None
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
                remove_dirs(made)
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
