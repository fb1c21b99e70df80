"""The partition half of a SQL target: one partition of a table replaced in its own
transaction, beside the others; a run of every partition prepared; the table completed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import sqlalchemy as sa

from seed_assets.errors import TargetError
from seed_assets.spec.models import Spec
from seed_assets.targets import ownership, registry
from seed_assets.targets.cancel import CancelToken
from seed_assets.targets.ddl import build_metadata
from seed_assets.targets.load_report import OnError, WriteResult, committing


class PartitionWrites:
    """Mixed into ``Target``: it uses the target's loading (``_load_all``, ``_end_load``) and
    its table bookkeeping (``_refuse_reach``, ``_clear_descendants``, ``_count``)."""

    def write_partition(
        self,
        spec: Spec,
        name: str,
        frames: Iterable[pd.DataFrame],
        *,
        partition: int,
        partitions: int,
        seed: int,
        scale: float,
        key_range=None,
        on_rows: Callable[[int], None] | None = None,
        on_error: OnError = "fail",
        approve: Callable[[], bool] | None = None,
        cancel: CancelToken | None = None,
    ) -> WriteResult:
        """Replace one partition of `name` in its own transaction: its rows (`key_range`: rows
        whose column lies in [low, high]) deleted, `frames` loaded, the partition recorded.
        `approve()` after the last row returning False rolls it all back (``committed`` False).

        The table stays `partial` until its whole-table check calls ``complete_partitions``.
        Tables below it would keep rows whose parents were deleted: they are emptied, as a
        whole-table write empties them. Partitions of one table may load at the same time
        (parallel steps), into the table as it is: with its keys and FKs, or, where the dialect
        builds them at completion, without.
        """
        sa_table = build_metadata(spec).tables[name]
        table = spec.tables[name]
        result = WriteResult(name)
        self.__dict__.pop("_constraints_seen", None)  # a user may have changed them since
        self._ensure_registry()
        created = self._ensure_table(spec, name, sa_table)
        # Partitions of one table load side by side: each holds the table's registry row only
        # while it checks ownership and empties the tables below (a short transaction of its
        # own), then again while it records itself, just before commit. So the counts each
        # one compares are never caught between another's rows and its bookkeeping, and the
        # loads themselves never wait for each other.
        with committing(result), self.engine.begin() as conn:
            owned = self._claim_for_partitions(conn, spec, name, created)
            ours = owned is not None and owned.spec_name == spec.name
        with committing(result), self.engine.begin() as conn:
            if key_range is not None:
                column = sa_table.c[key_range.column]
                conn.execute(
                    sa.delete(sa_table).where(column.between(key_range.low, key_range.high))
                )
            self._load_all(conn, sa_table, table, frames, result, on_error, on_rows, cancel)
            self._end_load(conn, name, table, result, on_error, approve)
            registry.lock_entry(conn, name)
            registry.record_partition(
                conn,
                name,
                partition,
                partitions=partitions,
                row_count=result.rows,
                seed=seed,
                scale=scale,
            )
            written = registry.partitions_of(conn, name, latest=True)
            registry.record(
                conn,
                name,
                spec_name=spec.name,
                created_by_tool=bool(owned.created_by_tool) if ours else created,
                status="partial",
                row_count=sum(p["rows"] for p in written.values()),
                seed=seed,
                scale=scale,
            )
        return result

    def _claim_for_partitions(
        self, conn: sa.Connection, spec: Spec, name: str, created: bool
    ) -> sa.Row | None:
        """Before partitions of `name` replace rows: refuse when it holds rows this spec did
        not write, and empty the tables below. Returns its registry entry, locked."""
        owned = registry.lock_entry(conn, name)
        ours = owned is not None and owned.spec_name == spec.name
        if not ours and not created and self._count(conn, name):
            whose = f"spec '{owned.spec_name}'" if owned else "someone else (not this tool)"
            raise TargetError(
                f"table '{name}' in {self.display_url} holds rows written by {whose}; "
                "refusing to write partitions into it. Empty it, or use another target"
            )
        why = "a partition write deletes rows of it"
        ownership.refuse_foreign(conn, spec, name, self.display_url, why)
        self._refuse_reach(conn, spec, name)
        self._clear_descendants(conn, spec, name)
        return owned

    def start_all_partitions(self, spec: Spec, name: str) -> None:
        """Before every partition of `name` loads in one run. A dialect whose partitions load
        into a table without keys (``_create_for_partitions``) empties its own table and drops
        them here, to build them once when the whole-table check completes it; nothing here."""
        return None

    def _ensure_table(self, spec: Spec, name: str, sa_table: sa.Table) -> bool:
        """Create `name` (registered, empty) and the partitions registry when missing, in their
        own transaction: parallel steps may try at once. Returns whether the tool created the
        table, now or in an earlier run (its registry entry says so)."""
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    registry.ensure_partitions(conn)
                    if sa.inspect(conn).has_table(name):
                        entry = registry.entry(conn, name)
                        return bool(entry is not None and entry.created_by_tool)
                    self._create_for_partitions(conn, spec, name, sa_table)
                    registry.record(
                        conn, name, spec_name=spec.name, created_by_tool=True, status="cleared",
                        row_count=0, seed=spec.seed, scale=1.0,
                    )  # fmt: skip
                    return True
            except sa.exc.DBAPIError:  # another step created it first: look again
                if attempt == 2:
                    raise
        return False

    def partition_entries(self, spec: Spec, name: str) -> dict[int, dict]:
        """The partitions written of `name`: number -> rows, seed, scale."""
        with self.engine.connect() as conn:
            return registry.partitions_of(conn, name)

    def _create_for_partitions(
        self, conn: sa.Connection, spec: Spec, name: str, sa_table: sa.Table
    ) -> None:
        """A table its partitions will fill: with its keys and FKs, unless the dialect builds
        them once the partitions are in (``_complete_keys``)."""
        sa_table.create(conn)

    def complete_partitions(self, spec: Spec, name: str, *, rows: int) -> list[str]:
        """Record a table written by partitions as complete (after its whole-table checks),
        its keys and FKs built first where its partitions loaded without them. Returns the
        constraints built."""
        with self.engine.begin() as conn:
            built = self._complete_keys(conn, spec, name)
            registry.record(conn, name, status="complete", row_count=rows)
        return built

    def _complete_keys(self, conn: sa.Connection, spec: Spec, name: str) -> list[str]:
        """Build the keys and FKs a partitioned table was created without: none here."""
        return []
