"""The gate every table asset passes: parents complete, rows checked before commit.

Rows stream to the writer while the checks' accumulators take each frame in a thread beside it
(``CheckedStream``); the checks conclude inside the transaction (``gated_write``), so a failing
blocking check rolls it back and the step fails (``gate_failure``) without a materialisation.
"""

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dagster import Failure, MetadataValue

from seed_assets.assets.checks import check_result
from seed_assets.assets.report_metadata import report_metadata
from seed_assets.engine.memory import set_resident_ceiling
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.table import RowFilter
from seed_assets.spec.graph import ancestors, component_of, links_name, parents
from seed_assets.spec.models import Spec
from seed_assets.targets.ahead import available as worker_available
from seed_assets.targets.ahead import close_worker, worker_stream
from seed_assets.validation.results import CheckResult

FrameHook = Callable[[str, pd.DataFrame], pd.DataFrame]

# A step's resident memory past which free pages are handed back before its generator makes a
# chunk (``engine/memory.py``): the budget is under 1 GB a step at 100M rows. A step starts at
# about 330 MB (the interpreter forked with Dagster, GX and Pandera); making a chunk of
# transactions (1.5M rows at any scale) adds up to about 200 MB on top of what is live.
STEP_CEILING_MB = 720


@dataclass
class StepRun:
    """What a step works with: the run's seed and scale, the target (its URL, its writer), the
    row filter for CHECKs only the database judges, and when the step started."""

    seed: int
    scale: float
    url: str
    db: Any
    row_filter: RowFilter | None
    started: float
    cpu_started: float = 0.0
    # A worker process that made, checked and encoded the rows (``ForkedChecks``): its peak
    # and CPU seconds are the step's too.
    worker_peak_mb: int = 0
    worker_cpu_seconds: float = 0.0

    def metadata(self, rows: int, paths=None, report=None, unit: str | None = None) -> dict:
        """What every step's materialisation says: rows, target, seed, scale, time, speed; and
        the report beside the database, when there is one: `unit`'s part of it rendered, a link
        to the HTML, and the verdict once known (``report_metadata.py``)."""
        seconds = time.perf_counter() - self.started
        out = {
            "dagster/row_count": rows,
            "target": self.db.display_url,
            "seed": self.seed,
            "scale": self.scale,
            "seconds": round(seconds, 3),
            "rows_per_second": int(rows / seconds) if seconds else 0,
            "peak_rss_mb": max(peak_rss_mb(), self.worker_peak_mb),
            # CPU seconds of the step's process, every thread, and of its worker (a shared
            # machine's load inflates wall seconds, much less these).
            "cpu_seconds": round(
                time.process_time() - self.cpu_started + self.worker_cpu_seconds, 2
            ),
        }
        if paths is not None and report is not None and unit is not None:
            out.update(report_metadata(paths, report, unit))
        return out


def peak_rss_mb() -> int:
    """The step process's peak resident memory so far, in MB (Linux: VmHWM, which a process
    forked from a preloaded server starts at that server's size; elsewhere ``ru_maxrss``)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1 << 20) if sys.platform == "darwin" else peak // 1024


@contextlib.contextmanager
def step_run(spec: Spec, target, generation, *, filtered: bool = True) -> Iterator[StepRun]:
    """A step's target and filter, released when it ends however it ends."""
    from seed_assets.targets.check_filter import check_filter  # SQLAlchemy: at run time

    url = target.url_for(spec)
    db = target.target_for(spec)
    row_filter = check_filter(spec, url) if filtered else None
    ceiling = set_resident_ceiling(STEP_CEILING_MB)  # put back after: a user's own process
    try:
        yield StepRun(
            generation.seed_for(spec),
            generation.scale,
            url,
            db,
            row_filter,
            time.perf_counter(),
            time.process_time(),
        )
    finally:
        set_resident_ceiling(ceiling)
        db.dispose()
        if row_filter is not None:
            row_filter.close()


def forks_checks(db, row_filter) -> bool:
    """Whether a step's rows are made, checked and encoded in a worker (``ForkedChecks``): for
    a target whose driver binds rows holding the GIL (``workers_ahead``, SQLite), where the
    platform forks, and no row filter holds a connection a forked process must not share."""
    return getattr(db, "workers_ahead", 0) > 0 and worker_available() and row_filter is None


def check_results(context, results: list[CheckResult], key) -> list:
    """The asset check results of a step, each error that kept a check from running logged.
    Passing ones go in the step's ``MaterializeResult(check_results=...)``, so the materialization
    they checked is their target; failing ones are yielded before the step fails."""
    for result in results:
        if result.error is not None:
            context.log.error(f"{result.name} could not run: {result.error}")
    return [check_result(result, key) for result in results]


def check_events(context, results: list[CheckResult], key) -> Iterator:
    """The asset check results to yield, each error that kept a check from running logged."""
    for result in results:
        if result.error is not None:
            context.log.error(f"{result.name} could not run: {result.error}")
        yield check_result(result, key)


def gate_failure(what: str, failed, db, paths) -> Failure:
    """The step's failure when blocking checks failed: nothing was written."""
    lines = [line for r in failed for line in r.failures()]
    return Failure(
        f"{what} was not written: {len(failed)} blocking check(s) failed: "
        f"{', '.join(r.name for r in failed)}. {db.display_url} keeps the rows it held "
        "before; everything downstream is skipped.",
        metadata={
            "failed_checks": ", ".join(r.name for r in failed),
            "failures": MetadataValue.md("\n".join(f"- {line}" for line in lines)),
            "report_file": MetadataValue.path(str(paths.markdown.resolve())),
            "report_html": MetadataValue.url(paths.html.resolve().as_uri()),
        },
        allow_retries=False,
    )


def parent_source(
    spec: Spec,
    name: str,
    db,
    seed: int,
    scale: float,
    *,
    row_filter: RowFilter | None = None,
    tables: Iterable[str] | None = None,
) -> RegeneratedParents:
    """The parents' rows, regenerated slice by slice from the spec, once the target shows every
    table above `name` (or each of `tables`) complete and made with this run's seed and scale
    (so regenerating them gives exactly their committed rows). A table of `name`'s own FK
    cycle may still wait for its links: its keys are final. `row_filter` judges the CHECKs only
    the database understands, again for every parent chunk made (see ``RegeneratedParents``).

    Regenerated, not read back: reading parent tables while this step's transaction loads (and,
    on PostgreSQL, re-creates FKs pointing at them) would wait on its own locks, and it is
    faster. The whole-table checks of a partitioned table do read what was committed.
    """
    status = db.status()
    # Waiting for its links, a table's keys and other columns are final, and regenerated rows
    # never hold the links: only a direct parent outside `name`'s cycle must be complete.
    inside = component_of(spec, name).tables if name in spec.tables else ()
    source = RegeneratedParents(
        spec, seed=seed, scale=scale, row_filter=row_filter, keeps_for=inside or None
    )
    direct = parents(spec, name) if name in spec.tables else ()
    for ancestor in ancestors(spec, name) if tables is None else tables:
        entry = status.get(ancestor)
        ready = entry is not None and (
            entry.status == "complete"
            or (entry.status == "linking" and (ancestor in inside or ancestor not in direct))
        )
        if not ready:
            step = (
                links_name(ancestor)
                if entry is not None and entry.status == "linking"
                else ancestor
            )
            raise Failure(
                f"{name} needs the rows of {ancestor}, which {db.display_url} does not hold "
                f"complete; materialise {step} first"
            )
        if entry.seed != seed or entry.scale != scale:
            raise Failure(
                f"{name} is made from the rows of {ancestor}, which {db.display_url} holds for "
                f"seed {entry.seed}, scale {entry.scale:g}; this run uses seed {seed}, scale "
                f"{scale:g}. Materialise {ancestor} with this run's seed and scale first"
            )
        expected = source.row_count(ancestor)
        if entry.row_count != expected:
            raise Failure(
                f"{ancestor} in {db.display_url} holds {entry.row_count:,} rows, but seed {seed} "
                f"and scale {scale:g} make {expected:,} (rows appended, or changed by hand?); "
                f"materialise {ancestor} again"
            )
    return source


class CheckedStream:
    """Frames on their way to the writer, each first through the test hook, then handed to the
    checks' accumulators in a thread of their own (``_Feeder``): the checks of a frame run
    while the next one is generated and this one is written, and what of either releases the
    GIL (NumPy, Arrow, the writer's I/O) overlaps: the steps of a 10M-row run take 15% less
    time. ``drain()`` feeds the checks whatever the writer did not take (it stopped on a
    database error), so the checks always see every row.

    Once the last frame has passed, the checks conclude in that thread (Pandera and GX on the
    sample take seconds) while the writer finishes: on PostgreSQL the server builds the keys
    and FKs meanwhile. ``conclude()`` waits for them; the commit still comes after."""

    def __init__(self, frames: Iterator[pd.DataFrame], checker, name, hook) -> None:
        self.frames = frames
        self.checker = checker
        self.name = name
        self.hook = hook
        self._feeder: _Feeder | None = None

    def _next_frames(self) -> Iterator[pd.DataFrame]:
        feeder = self._feeder = _Feeder(self.checker, self.name)
        try:
            for frame in self.frames:
                if self.hook is not None:
                    frame = self.hook(self.name, frame)
                feeder.put(frame)
                yield frame
                frame = None  # not held while the next chunk is made (see ``_Feeder._run``)
        except GeneratorExit:  # closed before the last frame: the checks cannot conclude
            feeder.finish(RuntimeError(f"{self.name}: frames closed before the last one"))
            raise
        except BaseException as exc:  # a frame could not be made: the verdict is that error
            feeder.finish(exc)
            raise
        feeder.finish()

    def __iter__(self) -> Iterator[pd.DataFrame]:
        self._iterator = self._next_frames()
        return self._iterator

    def drain(self) -> None:
        for _ in getattr(self, "_iterator", None) or self._next_frames():
            pass

    def conclude(self) -> list[CheckResult]:
        """The checks' results over every row (fed first, when the writer stopped early)."""
        self.drain()
        return self._feeder.results()


class ForkedChecks:
    """A table's frames made, checked and encoded for its writer in a forked worker process
    (``ahead.worker_stream``), for a driver that binds every value holding the GIL (SQLite):
    the step's process only loads, and the checks' thread no longer takes turns with it.
    ``batches`` goes to the writer in place of the frames; ``conclude()`` gives the checks'
    results, concluded in the worker after the last frame, as ``CheckedStream.conclude`` does.
    After it: the rows fed to the checks, their report's plots (``profile``), and the
    worker's peak memory and CPU seconds (``peak_mb``, ``cpu_seconds``)."""

    def __init__(self, stream: CheckedStream, db, table, seed: int) -> None:
        self.name = stream.name
        self.rows = 0
        self.profile: dict | None = None
        self.peak_mb = 0
        self.cpu_seconds = 0.0

        def in_worker() -> dict:
            results = stream.conclude()
            return {
                "results": results,
                "rows": stream.checker.rows,
                "profile": stream.checker.profile(seed=seed),
                "peak_mb": peak_rss_mb(),
                "cpu_seconds": time.process_time(),  # a forked process counts from zero
            }

        self.batches = worker_stream(db, stream, table, stream.name, in_worker)

    def conclude(self) -> list[CheckResult]:
        outcome = self.batches.outcome()
        self.rows, self.profile = outcome["rows"], outcome["profile"]
        self.peak_mb, self.cpu_seconds = outcome["peak_mb"], outcome["cpu_seconds"]
        return outcome["results"]

    def close(self) -> None:
        close_worker(self.batches)


class _Feeder:
    """One table's checker fed in a thread, frames in order, at most ``DEPTH`` waiting (each
    up to ``FRAME_ROWS`` rows); concluded there after the last. Determinism is the checker's:
    it sees the same frames in the same order, whatever the timing. An exception in the thread
    is raised again by ``results()``, where the step's writer asks for the verdict."""

    DEPTH = 2
    _LAST = object()

    def __init__(self, checker, name: str) -> None:
        self.checker = checker
        self._frames: queue.Queue = queue.Queue(maxsize=self.DEPTH)
        self._results: list[CheckResult] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"seed-assets-checks-{name}", daemon=True
        )
        self._thread.start()

    def put(self, frame: pd.DataFrame) -> None:
        self._frames.put(frame)

    def finish(self, error: BaseException | None = None) -> None:
        """No more frames; `error`: the rows stopped short, so the checks may not conclude."""
        if error is not None:
            self._error = self._error or error
        self._frames.put(self._LAST)

    def _run(self) -> None:
        while (frame := self._frames.get()) is not self._LAST:
            if self._error is None:  # after an error, frames are only taken off the queue
                try:
                    self.checker.add(frame)
                except BaseException as exc:
                    self._error = exc
            # Not held while waiting: a frame is a slice that keeps its whole chunk resident.
            frame = None
        if self._error is None:
            try:
                self._results = self.checker.conclude()
            except BaseException as exc:
                self._error = exc

    def results(self) -> list[CheckResult]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._results


def gated_write(write: Callable, stream: CheckedStream) -> tuple[int, list[CheckResult], bool]:
    """``gated_writes`` for one table: rows written, its results, and whether committed."""
    result, results, committed = gated_writes(write, [stream])
    return (result.rows if committed else 0), results[stream.name], committed


def gated_writes(
    write: Callable, streams: list[CheckedStream]
) -> tuple[Any, dict[str, list[CheckResult]], bool]:
    """Write with the checks of every stream concluding inside the transaction, before commit
    (`approve`): one table, or the tables of a NOT NULL cycle written together.

    Returns what `write` returned (None when it raised and the checks failed), each stream's
    results, and whether they were committed. A writer that is told no rolls back; however it
    signals that (an exception, or a return), nothing was kept. When the database refuses a row
    first (an orphan against its FK constraint, a repeated key), the checks still see every row
    and say why; a database error no check explains is raised.
    """
    outcome: dict = {}

    def approve() -> bool:
        outcome["results"] = {s.name: s.conclude() for s in streams}
        outcome["approved"] = all(r.passed for rs in outcome["results"].values() for r in rs)
        return outcome["approved"]

    try:
        result = write(approve)
    except Exception:
        if "results" not in outcome:  # the database stopped the write: check every row anyway
            approve()
        if outcome["approved"] is False:
            return None, outcome["results"], False
        raise
    if "results" not in outcome:  # the writer never asked: check now, and say so if it kept rows
        approve()
        if not outcome["approved"]:
            raise Failure("the writer committed rows without asking the checks; report this")
    written = result.values() if isinstance(result, dict) else [result]
    committed = outcome["approved"] and all(r.committed for r in written)
    return result, outcome["results"], committed
