"""Which rows of a table the tool wrote, so that it never deletes or changes anyone else's.

The registry (``registry.py``) records, per table, the spec that wrote it and how many of the
rows in it that spec wrote (``row_count``). Rows beyond that count are someone else's: a user's
rows that an ``--if-exists append`` added to, or rows added by hand since. A replace refuses
such a table, and any delete whose FK actions (ON DELETE CASCADE / SET NULL / SET DEFAULT)
would reach a table holding rows the tool did not write. All of it is asked before anything
is deleted: ``preflight`` for a whole run, ``refuse_foreign`` and ``refuse_reach`` per table.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from seed_assets.errors import TargetError
from seed_assets.spec.graph import replaced_with
from seed_assets.spec.models import Spec
from seed_assets.targets import registry

# FK actions that change the referencing rows when referenced rows are deleted.
REACHING = ("CASCADE", "SET NULL", "SET DEFAULT")


def _count(conn: sa.Connection, name: str) -> int:
    quoted = conn.dialect.identifier_preparer.quote(name)
    return conn.execute(sa.text(f"SELECT COUNT(*) FROM {quoted}")).scalar_one()


def own_rows(conn: sa.Connection, spec: Spec, name: str) -> int:
    """Rows of `name` this spec wrote (0 when another spec, or nobody, registered it)."""
    entry = registry.entry(conn, name)
    if entry is None or entry.spec_name != spec.name:
        return 0
    return int(entry.row_count)


def foreign_rows(conn: sa.Connection, spec: Spec, name: str, held: int | None = None) -> int:
    """Rows of `name` this spec did not write (the table exists)."""
    held = _count(conn, name) if held is None else held
    return max(0, held - own_rows(conn, spec, name))


def kept_rows(conn: sa.Connection, spec: Spec, name: str, if_exists: str) -> int:
    """Rows of this spec that stay when `name` is written with `if_exists` (appended to)."""
    if if_exists != "append" or not sa.inspect(conn).has_table(name):
        return 0
    return own_rows(conn, spec, name)


def _whose(conn: sa.Connection, spec: Spec, name: str) -> str:
    entry = registry.entry(conn, name)
    if entry is None:
        return "not written by this tool"
    if entry.spec_name != spec.name:
        return f"written by spec '{entry.spec_name}', not '{spec.name}'"
    return f"not written by this tool (spec '{spec.name}' wrote {entry.row_count:,} of them)"


def refuse_foreign(conn: sa.Connection, spec: Spec, name: str, where: str, why: str) -> None:
    """Raise when `name` holds rows this spec did not write; `why` says what would delete them."""
    held = _count(conn, name)
    foreign = foreign_rows(conn, spec, name, held)
    if foreign:
        raise TargetError(
            f"table '{name}' in {where} holds {held:,} rows, {foreign:,} of them "
            f"{_whose(conn, spec, name)}; {why}. Nothing was changed. Empty the table yourself, "
            "write to another database, or pass --if-exists append"
        )


def refuse_reach(conn: sa.Connection, spec: Spec, emptied: Iterable[str], where: str) -> None:
    """Raise when deleting the rows of `emptied` would cascade into (or SET NULL in) a table
    holding rows this spec did not write, through an FK of the database (the spec's or not)."""
    emptied = set(emptied)
    inspector = sa.inspect(conn)
    for (_schema, table), fks in inspector.get_multi_foreign_keys().items():
        if table in emptied or table in (registry.REGISTRY, registry.PARTITIONS):
            continue
        for fk in fks:
            action = ((fk.get("options") or {}).get("ondelete") or "").upper()
            if fk["referred_table"] not in emptied or action not in REACHING:
                continue
            foreign = foreign_rows(conn, spec, table)
            if foreign:
                raise TargetError(
                    f"replacing the rows of '{fk['referred_table']}' in {where} would reach "
                    f"table '{table}' through its foreign key "
                    f"({', '.join(fk['constrained_columns'])}) ON DELETE {action}, and "
                    f"'{table}' holds {foreign:,} rows {_whose(conn, spec, table)}; refusing "
                    "before anything is deleted. Drop or change that foreign key, or write to "
                    "another database"
                )


def preflight(target, spec: Spec, names: Iterable[str], if_exists: str) -> None:
    """Before a run writes `names` with `if_exists`: refuse, with nothing changed yet, a
    replace that would delete rows the tool did not write, directly or through FKs."""
    if if_exists != "replace" or not hasattr(target, "engine"):
        return
    where = target.display_url
    with target.engine.connect() as conn:
        inspector = sa.inspect(conn)
        existing = [n for n in names if inspector.has_table(n)]
        for name in existing:
            if not _count(conn, name):
                continue
            refuse_foreign(conn, spec, name, where, "replace only replaces what this spec wrote")
            emptied = [name, *replaced_with(spec, name).deleted]
            refuse_reach(conn, spec, [t for t in emptied if inspector.has_table(t)], where)
