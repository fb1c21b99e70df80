"""Partitions of one table, each generated, checked and written in its own transaction; several
of one run at once, a process each.

A backfill of several partitions is one run (the partitioned asset's backfill policy is a single
run), so the target's pool (``keys.target_pool``) still keeps two runs apart, while the
partitions inside the run load side by side: each in a process forked from the step's for it
alone, ``GenerationResource.workers`` at a time (default: one per core). Partitions of one table
may write at once: each deletes its own key range and loads its own rows, and the table and
the registry are created race-safe (``targets/base.py``). Into PostgreSQL they load into a table
without keys or FKs (new, or emptied of them before a run of every partition), which its
whole-table check builds once; elsewhere FKs stay in place. A MySQL/MariaDB deadlock between
them is retried (``DEADLOCK_RETRIES``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass, field

from seed_assets.assets.gate import CheckedStream, gated_write, parent_source, peak_rss_mb, step_run
from seed_assets.engine.partitions import partition_keys, plan_partition
from seed_assets.engine.run import FRAME_ROWS
from seed_assets.spec.models import Spec
from seed_assets.validation import partials
from seed_assets.validation.results import CheckResult
from seed_assets.validation.stream import TableChecker

# A partition's transaction chosen as a deadlock victim (InnoDB next-key locks of two range
# DELETEs) is rolled back whole, so it is simply run again.
DEADLOCK_RETRIES = 3

# Set to `reread`, the whole-table check of a partitioned table reads every row back from the
# target instead of adding up its partitions' checks (``whole_table_checker``).
REREAD_ENV = "SEED_ASSETS_PARTITION_CHECKS"


@dataclass
class PartitionOutcome:
    """What one partition's load did: rows written (0 when refused), its checks' results."""

    index: int
    key: str
    rows: int
    written: bool
    results: list[CheckResult]
    row_start: int
    row_stop: int
    total_rows: int
    key_range: str
    seconds: float
    peak_rss_mb: int
    display_url: str = ""
    pid: int = 0
    failed: list[CheckResult] = field(default_factory=list)
    summary_kept: bool = False


def load_partition(
    spec: Spec, name: str, index: int, target, generation, frame_hook=None
) -> PartitionOutcome:
    """Partition `index` of `name`: its rows made from their own streams, fed to the checks,
    written in one transaction that the checks approve before commit."""
    count = spec.tables[name].partitions
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return _load_once(spec, name, index, count, target, generation, frame_hook)
        except Exception as exc:
            if attempt == DEADLOCK_RETRIES or not is_deadlock(exc):
                raise
    raise AssertionError("unreachable")


def _load_once(spec, name, index, count, target, generation, frame_hook) -> PartitionOutcome:
    table = spec.tables[name]
    with step_run(spec, target, generation, filtered=False) as run:
        seed, scale, db = run.seed, run.scale, run.db
        source = parent_source(spec, name, db, seed, scale)
        generator = source.generator(name)
        part = plan_partition(generator, count, index)
        checker = TableChecker(
            spec,
            name,
            source,
            scale=scale,
            expected_rows=part.rows,
            parent_range=(part.parent_start, part.parent_stop)
            if table.driving_fk is not None
            else None,
            partial=True,
            first_row=part.row_start,
            # Its share of the table's sample, and what the table's check needs beyond its
            # own rows: the partitions' checks then add up to the table's (``partials.py``).
            table_rows=generator.total_rows,
            mergeable=True,
        )
        stream = CheckedStream(
            generator.frames(max_rows=FRAME_ROWS, chunks=part.chunks), checker, name, frame_hook
        )
        rows, results, written = gated_write(
            lambda approve: db.write_partition(
                spec,
                name,
                stream,
                partition=index,
                partitions=count,
                key_range=part.key_range,
                seed=seed,
                scale=scale,
                approve=approve,
            ),
            stream,
        )
        key_range = part.key_range
        kept = written and keep_summary(spec, name, index, db, checker, seed, scale)
        return PartitionOutcome(
            index=index,
            key=part.key,
            rows=rows,
            written=written,
            results=results,
            row_start=part.row_start,
            row_stop=part.row_stop,
            total_rows=generator.total_rows,
            key_range=f"{key_range.column} in [{key_range.low}, {key_range.high}]"
            if key_range
            else "(empty)",
            seconds=time.perf_counter() - run.started,
            peak_rss_mb=peak_rss_mb(),
            display_url=db.display_url,
            pid=os.getpid(),
            failed=[r for r in results if not r.passed],
            summary_kept=kept,
        )


def keep_summary(spec: Spec, name: str, index: int, db, checker, seed, scale) -> bool:
    """Keep a written partition's check summary beside its rows, for the table's check; a
    summary not kept (the table's check then reads the table back) never fails the step."""
    from seed_assets.targets import partition_checks  # SQLAlchemy: not at definitions' import

    try:
        blob = partials.summarise(checker, partition=index, seed=seed, scale=scale)
        return partition_checks.store(db, spec, name, index, blob)
    except Exception:
        return False


def is_deadlock(exc: BaseException) -> bool:
    """A deadlock the database broke by rolling this transaction back (MySQL 1213, PostgreSQL
    40P01), wherever in the chain of causes it was raised."""
    while exc is not None:
        orig = getattr(exc, "orig", None)
        code = getattr(orig, "args", (None,))[0] if orig is not None else None
        if code == 1213 or getattr(orig, "sqlstate", None) == "40P01":
            return True
        if "deadlock" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# The job of the processes forked for one run's partitions: set before they fork, so they read
# it instead of receiving the spec and the test hook (which need not pickle).
_job: tuple | None = None


def _load_in_child(index: int) -> PartitionOutcome:
    spec, name, target, generation, frame_hook = _job
    return load_partition(spec, name, index, target, generation, frame_hook)


def workers_for(generation, partitions: int) -> int:
    """Processes for `partitions` partitions: the run's `workers`, else one per core."""
    wanted = generation.workers or os.cpu_count() or 1
    return max(1, min(wanted, partitions))


def load_partitions(
    spec: Spec, name: str, keys: list[str], target, generation, frame_hook=None
) -> list[PartitionOutcome]:
    """The partitions `keys` of `name`, in key order, each in a process forked for it alone,
    `workers` at a time: a process's memory goes with it (four partitions loaded one after
    another in one process grew it from 0.9 to 1.9 GB at 10M rows). One partition, or a step
    in a daemonic process (which may not have children), loads in this process."""
    global _job
    count = spec.tables[name].partitions
    indices = [partition_keys(count).index(k) for k in keys]
    workers = workers_for(generation, len(indices))
    if sorted(indices) == list(range(count)):  # the whole table: its keys may go and come back
        db = target.target_for(spec)
        try:
            db.start_all_partitions(spec, name)
        finally:
            db.dispose()
    if len(indices) == 1 or multiprocessing.current_process().daemon:
        return [load_partition(spec, name, i, target, generation, frame_hook) for i in indices]
    _job = (spec, name, target, generation, frame_hook)
    pool = multiprocessing.get_context("fork").Pool(
        processes=workers, maxtasksperchild=1, initializer=_pool_process_start
    )
    try:
        outcomes = pool.map(_load_in_child, indices, chunksize=1)
        # Not `terminate()` (what leaving `with Pool` does): the pool replaces each process
        # as its one task ends, and one started just then waits for a task on a lock the
        # terminating pool holds; closed, every process is sent its end instead.
        pool.close()
        return outcomes
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        _job = None


def _pool_process_start() -> None:
    """A pool process ends on SIGTERM, which is how ``Pool.terminate`` stops it: the step's
    process may catch SIGTERM (Dagster does, in a run's process), and a forked child inherits
    the handler, which only records it. A run that hung here, both processes waiting, is what
    this mends."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def whole_table_checker(spec: Spec, name: str, db, source, *, scale: float, expected: int):
    """The checker of a partitioned table, fed: from its partitions' kept summaries when every
    one is there and they tile the table (no row read again), else the table read back from
    the target, every row. Returns it and how it was fed."""
    from seed_assets.targets import partition_checks  # SQLAlchemy: not at definitions' import

    count = spec.tables[name].partitions
    try:
        if os.environ.get(REREAD_ENV) == "reread":
            raise partials.NotCombinable(f"{REREAD_ENV}=reread")
        blobs = partition_checks.kept(db, spec, name, count)
        missing = [i for i in range(count) if i not in blobs]
        if missing:
            raise partials.NotCombinable(
                f"no check summary kept for partition(s) {', '.join(map(str, missing))}"
            )
        parts = [partials.read(blobs[i]) for i in range(count)]
        checker = partials.combine(spec, name, source, parts, scale=scale, expected_rows=expected)
        return checker, f"combined from its {count} partitions' checks"
    except partials.NotCombinable as why:
        reason = str(why)
    from seed_assets.targets.reading import TableReader, TargetParents

    reader = TableReader(db, spec)
    checker = TableChecker(spec, name, TargetParents(reader), scale=scale, expected_rows=expected)
    for frame in reader.frames(name):
        checker.add(frame)
    return checker, f"read back whole ({reason})"
