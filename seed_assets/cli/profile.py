"""`profile` (a spec fitted from a database's data) and `compare` (synthetic against real)."""

from __future__ import annotations

from pathlib import Path

import typer

from seed_assets.cli.app import URL_ARG, app, console, errors, fail, out_option, write_or_print
from seed_assets.errors import SeedAssetsError

_HEADER = """\
# Profiled by `seed-assets profile`: every figure is an aggregate of the source's rows (labels
# kept only when seen at least {k} times; range ends are means of the {k} extreme values).
# Each comment says where a figure came from. Then: seed-assets generate THIS_FILE --target URL
"""


@app.command(
    epilog="Example: seed-assets profile sqlite:///chinook.db --out chinook.yaml && "
    "seed-assets generate chinook.yaml --target sqlite:///synthetic.db"
)
def profile(
    url: str = URL_ARG,
    out: Path = out_option("spec"),
    sample: int = typer.Option(
        100_000, "--sample", min=1, help="Rows read per table at most (every k-th, in key order)."
    ),
    min_count: int = typer.Option(
        5, "--min-count", min=1, help="Keep a label only if it appears at least this often."
    ),
    tables: list[str] = typer.Option(
        None, "--tables", help="Only these tables (repeat the option); their parents too."
    ),
    name: str = typer.Option(None, "--name", help="The spec's name. Default: the database's."),
) -> None:
    """Fit a spec from a database's data: nulls, categories, numeric and date shapes, children
    per parent, date rules. Only aggregates are written, never a row's value. URL may be a
    Parquet folder (parquet:///dir: a <table>.parquet file or <table>/ folder of parts per
    table), its keys declared in dir/keys.yaml or else inferred from the data."""
    from seed_assets.sources.profile import profile as profile_database
    from seed_assets.sources.yaml_writer import reflection_yaml

    try:
        reflection = profile_database(
            url, sample_rows=sample, min_count=min_count, tables=tables or None, name=name
        )
    except SeedAssetsError as exc:
        raise fail(exc) from None
    text = reflection_yaml(reflection, header=_HEADER.format(k=min_count))
    write_or_print(text, out)
    for note in reflection.notes:
        errors.print(f"[yellow]review:[/] {note}", highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"Wrote {out}: {len(reflection.data['tables'])} table(s) profiled")


@app.command(
    epilog="Example: seed-assets compare sqlite:///chinook.db sqlite:///synthetic.db "
    "--out fidelity.html"
)
def compare(
    real_url: str = typer.Argument(
        ..., metavar="REAL_URL", help="The real database (or a parquet:/// folder)."
    ),
    synth_url: str = typer.Argument(
        ..., metavar="SYNTH_URL", help="The synthetic database (or a parquet:/// folder)."
    ),
    out: Path = typer.Option(None, "--out", help="Write the HTML report here."),
    json_out: Path = typer.Option(None, "--json", help="Write the figures as JSON here."),
) -> None:
    """Score synthetic data against real (databases or Parquet folders): SDMetrics' quality
    measures (column shapes, pair trends, cardinality, inter-table trends), the real data's
    date rules, privacy."""
    import json

    import sqlalchemy as sa

    from seed_assets.reports.fidelity_html import render_fidelity_html
    from seed_assets.reports.fidelity_run import compare as run_compare
    from seed_assets.sources.parquet.folder import open_folder
    from seed_assets.targets.base import mask_url
    from seed_assets.targets.connect import check_sqlite_exists
    from seed_assets.targets.parquet_urls import is_parquet_url

    for url in (real_url, synth_url):  # say which database cannot be read
        if is_parquet_url(url):
            try:
                open_folder(url)
            except SeedAssetsError as exc:
                raise fail(exc) from None
            continue
        try:
            check_sqlite_exists(url)
        except SeedAssetsError as exc:
            raise fail(exc) from None
        try:
            engine = sa.create_engine(url)
            with engine.connect():
                pass
            engine.dispose()
        except (sa.exc.SQLAlchemyError, ImportError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise fail(SeedAssetsError(f"cannot open {mask_url(url)}: {first}")) from None
    try:
        report = run_compare(real_url, synth_url)
    except SeedAssetsError as exc:
        raise fail(exc) from None
    except sa.exc.SQLAlchemyError as exc:
        raise fail(SeedAssetsError(f"cannot read a database: {exc.__class__.__name__}")) from None
    q = report["quality"]
    short = dict(
        zip(q["properties"], ("shapes", "pairs", "cardinality", "intertable"), strict=True)
    )
    props = " ".join(f"{short[k]}={v:.3f}" for k, v in q["properties"].items())
    broken = sum(r["broken"] for r in report["rules"])
    console.print(
        f"quality={q['quality']:.3f} {props} date_rules={len(report['rules'])} broken={broken}",
        highlight=False,
    )
    if out is not None:
        out.write_text(render_fidelity_html(report), encoding="utf-8")
        console.print(f"Wrote {out}")
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
