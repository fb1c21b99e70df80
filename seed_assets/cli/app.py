"""The Typer app, its consoles, the options commands share, and how results are printed."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from seed_assets.cli.cold_start import command_starts
from seed_assets.errors import SeedAssetsError
from seed_assets.progress import table_progress


class _App(typer.Typer):
    """Every command runs guarded: a failure is one line on stderr and an exit code."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda func: register(guarded(func))


app = _App(
    add_completion=False,
    no_args_is_help=True,
    help="Relational synthetic test databases that keep their relationships.",
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)
# `--debug`: failures raise with their traceback instead of one line.
DEBUG = {"on": False}
INTERNAL_ERROR = 3  # a bug: not the user's input, not the target


@app.callback()
def _options(
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of a failure instead of one line."
    ),
) -> None:
    DEBUG["on"] = debug
    if not debug:
        # A driver's own warnings while a failed load unwinds (psycopg: "error ignored
        # terminating <Copy>") would print before the one message that says what happened.
        import logging

        for name in ("psycopg", "pymysql"):
            logging.getLogger(name).addHandler(logging.NullHandler())
            logging.getLogger(name).propagate = False


SPEC_ARG = typer.Argument(
    ..., help="A YAML spec file, or a JSON generation plan.", show_default=False
)
URL_ARG = typer.Argument(
    ..., help="SQLAlchemy URL of the database, e.g. postgresql+psycopg://user@host/db.",
    show_default=False,
)  # fmt: skip


def fail(exc: Exception) -> typer.Exit:
    """Print `exc` as one line; the exit (2: bad input or unusable target) for the caller to
    raise. Under `--debug`, raise `exc` itself, with its traceback."""
    if DEBUG["on"]:
        raise exc
    # Text, not markup: a message quoting `[a, b]` must print as written.
    errors.print(Text.assemble(("error:", "bold red"), f" {exc}"), highlight=False, soft_wrap=True)
    return typer.Exit(2)


def guarded(func):
    """Run a command; what escapes it becomes one message: the user's mistake or an unusable
    target exits 2 (``errors.describe`` says which file, disk or server), anything else is a
    bug and exits 3, pointing at `--debug`."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        command_starts()
        try:
            return func(*args, **kwargs)
        # Typer's own (it carries its own click): usage errors and aborts print as Typer does.
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            raise
        except SeedAssetsError as exc:
            raise fail(exc) from None
        except Exception as exc:
            if DEBUG["on"]:
                raise
            known = describe(exc)
            if known is not None:
                raise fail(known) from None
            errors.print(
                Text.assemble(
                    ("error:", "bold red"),
                    f" internal error ({type(exc).__name__}: {exc}); this is a bug in "
                    "seed-assets: rerun with --debug for the traceback and report it",
                ),
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(INTERNAL_ERROR) from None

    return run


def describe(exc: Exception) -> SeedAssetsError | None:
    """A failure that is not a bug, as one sentence: a file or folder that cannot be written
    (full disk, read-only), a URL that cannot be read, a database connection that failed."""
    import sqlalchemy as sa

    from seed_assets.errors import describe_os_error

    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, sa.exc.ArgumentError):
        return SeedAssetsError(f"cannot read the target URL: {exc}")
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        orig = str(getattr(exc, "orig", None) or exc).strip()
        return SeedAssetsError(
            f"the database failed: {orig.splitlines()[0] if orig else type(exc).__name__}"
        )
    return None


MAX_ROWS_OPTION = typer.Option(
    1_000_000_000,
    "--max-rows",
    min=1,
    help="Refuse a run estimated to write more rows than this in all (a typo such as "
    "rows: 1e12 fails at once instead of running for days).",
)
TARGET_OPTION = typer.Option(
    None, "--target", help="SQLAlchemy URL. Default: sqlite:///data/<spec file stem>.sqlite"
)
SEED_OPTION = typer.Option(
    None, "--seed", help="Root seed, 0 to 2**63-1. Default: the spec's `seed`."
)
SCALE_OPTION = typer.Option(
    1.0, "--scale", help="Multiply root tables' rows (a finite number >= 0)."
)


def run_settings(spec, seed: int | None, scale: float, max_rows: int) -> int:
    """The run's seed; SpecError for a seed, scale or size the run cannot use."""
    from seed_assets.spec.limits import check_scale_value, check_seed
    from seed_assets.spec.loader import check_scale

    run_seed = spec.seed if seed is None else seed
    if seed is not None:
        check_seed(seed, "--seed")
    check_scale_value(scale)
    check_scale(spec, scale, max_rows=max_rows)
    return run_seed


def in_file(exc: SeedAssetsError, spec) -> SeedAssetsError:
    """A SpecError raised while generating, pointed at the spec's file as load errors are."""
    from seed_assets.errors import SpecError

    if isinstance(exc, SpecError) and not exc.source:
        return exc.located(spec.source or spec.name)
    return exc


def make_dirs(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones made, for `remove_dirs` on failure."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def remove_dirs(made: list[Path]) -> None:
    """Remove the folders `make_dirs` made, deepest first, if they are still empty."""
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            return


def out_option(what: str):
    """``--out``: where a command writes what it makes, printed when it is not given."""
    return typer.Option(None, "--out", help=f"Write the {what} here (default: print it).")


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


REPORT_DIR_OPTION = typer.Option(
    None,
    "--report-dir",
    help="Where a server database's report goes (<database>.<spec>.report.json/.md/.html). "
    "Default: $SEED_ASSETS_REPORT_DIR, else data/. SQLite and Parquet reports stay beside "
    "the data.",
)


def write_or_print(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(SeedAssetsError(f"cannot write {out}: {exc.strerror}")) from None


def print_summary(rows: list[tuple[str, int, float]], seconds: float) -> None:
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


def print_verdict(report: dict, paths) -> None:
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


def print_report(report: dict) -> None:
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


def validate_with_progress(spec, url: str, paths) -> dict:
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
