"""The same checks over a database that already exists (``seed-assets validate``).

Tables are read in chunks, in primary-key order, and checked chunk by chunk (``stream.py``), so
memory stays bounded whatever their size (a spec with FK cycles is read whole: its deferred
FKs point at later tables). Each column is given the engine's dtype where its
values allow; a column whose values do not fit (text in a numeric column, which SQLite accepts)
is kept as read, so the Pandera check reports the wrong dtype instead of the reader failing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from seed_assets.engine.links import link_columns
from seed_assets.engine.table import sort_key
from seed_assets.errors import TargetError
from seed_assets.output.reading import TableReader, TargetParents, tolerant_frame
from seed_assets.spec.graph import components, linked_fks, links_name, topological_order
from seed_assets.spec.models import Spec
from seed_assets.sql import registry
from seed_assets.sql.target import Target, mask_url
from seed_assets.validation.inputs import TableData
from seed_assets.validation.profile import profile_table
from seed_assets.validation.report import assemble, table_section
from seed_assets.validation.rules import check_links, check_table
from seed_assets.validation.stream import TableChecker

__all__ = ["open_existing", "read_table", "run_scale", "tolerant_frame", "validate_database"]


def open_existing(url: str) -> Target:
    """A target for a database that must already exist (never creates an empty SQLite file)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:" or not Path(database).is_file():
            raise TargetError(f"no SQLite database at {mask_url(url)}")
    return Target.for_url(url)


def read_table(target: Target, spec: Spec, table_name: str) -> pd.DataFrame:
    """A whole table, in primary-key order (specs with FK cycles are validated whole)."""
    order = sort_key(spec.tables[table_name])
    quote = target.engine.dialect.identifier_preparer.quote
    with target.engine.connect() as conn:
        have = [c["name"] for c in sa.inspect(conn).get_columns(table_name)]
        query = f"SELECT * FROM {quote(table_name)}"
        usable = [c for c in order if c in have]
        if usable:
            query += f" ORDER BY {', '.join(quote(c) for c in usable)}"
        frame = pd.read_sql_query(sa.text(query), conn)
    return tolerant_frame(frame, spec, table_name)


def _whole_sections(target: Target, spec: Spec, scale: float | None, on_table) -> dict:
    """Specs with FK cycles: every table read whole first (a deferred FK points at a later
    table), then checked, each links step apart."""
    frames = {name: read_table(target, spec, name) for name in topological_order(spec)}
    sections = {}
    for name in topological_order(spec):
        if on_table:
            on_table(name, None)
        pending = frozenset(fk.label for fk in linked_fks(spec, name))
        data = TableData(spec, name, frames[name], frames, scale=scale, pending=pending)
        results = check_table(spec, name, frames[name], frames, scale=scale, data=data)
        profile = profile_table(spec, name, frames[name], frames, data=data)
        sections[name] = table_section(
            results, rows=len(frames[name]), written=True, profile=profile
        )
        fks = linked_fks(spec, name)
        if fks:
            columns = link_columns(spec, name, fks)[name]
            columns += [c for fk in fks for c in fk.columns if c not in columns]
            links = frames[name][columns]
            results = check_links(spec, name, links, frames, scale=scale)
            sections[links_name(name)] = table_section(results, rows=len(links), written=True)
        if on_table:
            on_table(name, len(frames[name]))
    return sections


def run_scale(target: Target, spec: Spec) -> float | None:
    """The scale the tool recorded writing this spec's root tables (None when unknown)."""
    with target.engine.connect() as conn:
        entries = registry.entries(conn)
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
        with target.engine.connect() as conn:
            inspector = sa.inspect(conn)
            missing = [t for t in spec.tables if not inspector.has_table(t)]
        if missing:
            raise TargetError(
                f"{target.display_url} has no table(s) {', '.join(missing)} of spec "
                f"'{spec.name}'; generate them first"
            )
        scale = run_scale(target, spec)
        if any(c.is_cycle for c in components(spec)):
            return assemble(
                spec, target.display_url, _whole_sections(target, spec, scale, on_table)
            )
        reader = TableReader(target, spec, tolerant=True)
        source = TargetParents(reader)
        sections = {}
        for name in topological_order(spec):
            if on_table:
                on_table(name, None)
            rows = reader.count(name)
            with target.engine.connect() as conn:
                have = {c["name"] for c in sa.inspect(conn).get_columns(name)}
            columns = [c for c in spec.tables[name].columns if c in have]
            checker = TableChecker(spec, name, source, scale=scale, expected_rows=rows)
            for frame in reader.frames(name, columns):
                checker.add(frame)
            results = checker.conclude()
            sections[name] = table_section(
                results, rows=rows, written=True, profile=checker.profile()
            )
            if on_table:
                on_table(name, rows)
        return assemble(spec, target.display_url, sections)
    finally:
        target.dispose()
