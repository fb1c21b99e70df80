"""The same checks over a database that already exists (``seed-assets validate``).

Tables are read in chunks, in primary-key order, and checked chunk by chunk (``stream.py``), so
memory stays bounded whatever their size; the FKs closing a nullable cycle are checked apart,
as their links step was. Each column is given the engine's dtype where its
values allow; a column whose values do not fit (text in a numeric column, which SQLite accepts)
is kept as read, so the Pandera check reports the wrong dtype instead of the reader failing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from seed_assets.errors import TargetError
from seed_assets.reports.report import assemble, table_section
from seed_assets.spec.graph import linked_fks, links_name, topological_order
from seed_assets.spec.models import Spec
from seed_assets.targets.base import Target, mask_url
from seed_assets.targets.parquet import ParquetTarget, is_parquet_url, parquet_dir
from seed_assets.targets.reading import TableReader, TargetParents, tolerant_frame
from seed_assets.validation.stream import TableChecker

__all__ = ["open_existing", "run_scale", "tolerant_frame", "validate_database"]


def open_existing(url: str) -> Target | ParquetTarget:
    """A target that must already exist (never creates an empty SQLite file or directory)."""
    from seed_assets.targets.connect import check_sqlite_exists

    if is_parquet_url(url):
        if not parquet_dir(url).is_dir():
            raise TargetError(f"no Parquet directory at {url}")
        return ParquetTarget(url)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        check_sqlite_exists(parsed)
        if not database or database == ":memory:" or not Path(database).is_file():
            raise TargetError(f"no SQLite database at {mask_url(url)}")
    return Target.for_url(url, for_writing=False)


def _links_section(reader: TableReader, source, spec: Spec, name: str, scale) -> dict:
    checker = TableChecker(
        spec, name, source, scale=scale, expected_rows=reader.count(name), links=True
    )
    for frame in reader.frames(name, checker.columns):
        checker.add(frame)
    return table_section(checker.conclude(), rows=checker.rows, written=True)


def run_scale(target: Target | ParquetTarget, spec: Spec) -> float | None:
    """The scale the tool recorded writing this spec's root tables (None when unknown)."""
    entries = target.status()
    scales = {
        entries[t].scale
        for t, table in spec.tables.items()
        if table.rows is not None and t in entries and entries[t].spec_name == spec.name
    }
    return scales.pop() if len(scales) == 1 else None


def validate_database(
    spec: Spec, url: str, *, on_table: Callable[[str, int | None], None] | None = None
) -> dict:
    """Run every check of every table of `spec` over the database at `url`; the report.

    `on_table(name, rows)` is called as each table starts (rows None) and when its checks are
    done (rows checked): the CLI's progress bars.
    """
    target = open_existing(url)
    try:
        reader = TableReader(target, spec, tolerant=True)
        missing = [t for t in spec.tables if not reader.has_table(t)]
        if missing:
            raise TargetError(
                f"{target.display_url} has no table(s) {', '.join(missing)} of spec "
                f"'{spec.name}'; generate them first"
            )
        scale = run_scale(target, spec)
        source = TargetParents(reader)
        sections = {}
        for name in topological_order(spec):
            if on_table:
                on_table(name, None)
            rows = reader.count(name)
            checker = TableChecker(spec, name, source, scale=scale, expected_rows=rows)
            for frame in reader.frames(name, reader.present_columns(name)):
                checker.add(frame)
            results = checker.conclude()
            sections[name] = table_section(
                results, rows=rows, written=True, profile=checker.profile()
            )
            if linked_fks(spec, name):  # a nullable cycle's links, checked as their own step
                sections[links_name(name)] = _links_section(reader, source, spec, name, scale)
            if on_table:
                on_table(name, rows)
        return assemble(spec, target.display_url, sections)
    finally:
        target.dispose()
