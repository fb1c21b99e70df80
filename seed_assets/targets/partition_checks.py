"""Where a partition's check summary (``validation/partials.py``) is kept, beside its rows: in
the target's database (table ``seed_assets_partition_checks``), or, for Parquet, a file under
``<dir>/<spec>/.checks/<table>/``. So the whole-table check finds them on any worker.

Each summary is kept with the stamp of the partition it describes, taken after its commit: the
partition registry row's write time, rows, seed and scale (SQL), or its file's size and time and
the manifest's entry (Parquet). A summary whose stamp is no longer the partition's (written
again since, and its summary not kept) is not returned: the table is then read back whole.
"""

from __future__ import annotations

import contextlib
import os

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from seed_assets.spec.models import Spec
from seed_assets.targets import registry
from seed_assets.targets.parquet import ParquetTarget

CHECKS = "seed_assets_partition_checks"
checks_table = sa.Table(
    CHECKS,
    sa.MetaData(),
    sa.Column("table_name", sa.String(128), primary_key=True),
    sa.Column("partition_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("stamp", sa.String(200), nullable=False),
    sa.Column("summary", sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")),
)

# Larger summaries are not kept (MySQL's default max_allowed_packet is 16 MB): the whole-table
# check then reads the table back.
LARGEST = 12 << 20


def stamp(db, spec: Spec, name: str, partition: int) -> str | None:
    """What identifies partition `partition` of `name` as last committed; None if unwritten."""
    if isinstance(db, ParquetTarget):
        entry = db.partition_entries(spec, name).get(partition)
        path = db.partition_path(spec, name, partition)
        if entry is None or not path.exists():
            return None
        st = path.stat()
        return f"{st.st_size}|{st.st_mtime_ns}|{entry['rows']}|{entry['seed']}|{entry['scale']!r}"
    table = registry.partitions_table
    query = sa.select(table).where(
        (table.c.table_name == name) & (table.c.partition_no == partition)
    )
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table(registry.PARTITIONS):
            return None
        row = conn.execute(query).first()
    if row is None:
        return None
    return f"{row.updated_at.isoformat()}|{row.row_count}|{row.seed}|{row.scale!r}"


def _sidecar(db: ParquetTarget, spec: Spec, name: str, partition: int):
    return db.spec_dir(spec) / ".checks" / name / f"part-{partition:05d}.npz"


def store(db, spec: Spec, name: str, partition: int, summary: bytes | None) -> bool:
    """Keep `summary` of a just-committed partition (None, or too large: forget any kept);
    whether it was kept."""
    mark = stamp(db, spec, name, partition)
    keep = summary is not None and mark is not None and len(summary) <= LARGEST
    if isinstance(db, ParquetTarget):
        path = _sidecar(db, spec, name, partition)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not keep:
            path.unlink(missing_ok=True)
            return False
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(mark.encode() + b"\n" + summary)
        temp.replace(path)
        return True
    where = (checks_table.c.table_name == name) & (checks_table.c.partition_no == partition)
    # Another partition's process may create it at the same moment.
    with contextlib.suppress(sa.exc.DBAPIError), db.engine.begin() as conn:
        checks_table.create(conn, checkfirst=True)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(checks_table).where(where))
        if keep:
            values = {"stamp": mark, "summary": summary}
            conn.execute(
                sa.insert(checks_table).values(table_name=name, partition_no=partition, **values)
            )
    return keep


def kept(db, spec: Spec, name: str, partitions: int) -> dict[int, bytes]:
    """The summaries kept of `name`'s partitions that still describe their committed rows."""
    found: dict[int, tuple[str, bytes]] = {}
    if isinstance(db, ParquetTarget):
        for partition in range(partitions):
            path = _sidecar(db, spec, name, partition)
            if path.exists():
                mark, _, summary = path.read_bytes().partition(b"\n")
                found[partition] = (mark.decode(), summary)
    else:
        with db.engine.connect() as conn:
            if sa.inspect(conn).has_table(CHECKS):
                query = sa.select(checks_table).where(checks_table.c.table_name == name)
                for row in conn.execute(query):
                    found[row.partition_no] = (row.stamp, row.summary)
    return {
        p: summary
        for p, (mark, summary) in found.items()
        if summary is not None and mark == stamp(db, spec, name, p)
    }
