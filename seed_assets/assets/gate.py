"""The gate every table asset passes: parents complete, rows checked before commit.

Rows stream to the writer through the checks' accumulators (``CheckedStream``); the checks
conclude inside the transaction (``gated_write``), so a failing blocking check rolls it back and
the step fails (``gate_failure``) without a materialisation.
"""

from collections.abc import Callable, Iterator

import pandas as pd
from dagster import Failure, MetadataValue

from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.spec.graph import ancestors, component_of, links_name
from seed_assets.spec.models import Spec
from seed_assets.validation.results import CheckResult

FrameHook = Callable[[str, pd.DataFrame], pd.DataFrame]


def require_rows(db, spec: Spec, reader: str, tables) -> None:
    """Raise Failure unless `db` holds each of `tables` complete (tables of `reader`'s cycle
    may still wait for their links: their keys are final)."""
    status = db.status()
    inside = component_of(spec, reader).tables if reader in spec.tables else ()
    for parent in tables:
        entry = status.get(parent)
        ok = entry is not None and (
            entry.status == "complete" or (entry.status == "linking" and parent in inside)
        )
        if not ok:
            step = links_name(parent) if entry is not None and entry.status == "linking" else parent
            raise Failure(
                f"{reader} needs the rows of {parent}, which {db.display_url} does not hold "
                f"complete; materialise {step} first"
            )


def read_parents(db, spec: Spec, reader: str, tables: dict[str, list[str]]) -> dict:
    """The committed columns `reader` needs of each table, once they are complete."""
    require_rows(db, spec, reader, tables)
    return {t: db.read_columns(spec, t, cols) for t, cols in tables.items()}


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


def parent_source(spec: Spec, name: str, db, seed: int, scale: float) -> RegeneratedParents:
    """The parents' rows, regenerated slice by slice from the spec, once the target shows every
    table above `name` complete and made with this run's seed and scale (so regenerating them
    gives exactly their committed rows).

    Regenerated, not read back: reading parent tables while this step's transaction loads (and,
    on PostgreSQL, re-creates FKs pointing at them) would wait on its own locks, and it is
    faster. The whole-table checks of a partitioned table do read what was committed.
    """
    status = db.status()
    source = RegeneratedParents(spec, seed=seed, scale=scale)
    for ancestor in ancestors(spec, name):
        entry = status.get(ancestor)
        if entry is None or entry.status != "complete":
            raise Failure(
                f"{name} needs the rows of {ancestor}, which {db.display_url} does not hold "
                f"complete; materialise {ancestor} first"
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
    """Frames on their way to the writer, each first through the test hook and the checks'
    accumulators. ``drain()`` feeds the checks whatever the writer did not take (it stopped on a
    database error), so the checks always see every row."""

    def __init__(self, frames: Iterator[pd.DataFrame], checker, name, hook) -> None:
        self.frames = frames
        self.checker = checker
        self.name = name
        self.hook = hook

    def _next_frames(self) -> Iterator[pd.DataFrame]:
        for frame in self.frames:
            if self.hook is not None:
                frame = self.hook(self.name, frame)
            self.checker.add(frame)
            yield frame

    def __iter__(self) -> Iterator[pd.DataFrame]:
        self._iterator = self._next_frames()
        return self._iterator

    def drain(self) -> None:
        for _ in getattr(self, "_iterator", None) or self._next_frames():
            pass


def gated_write(write: Callable, stream: CheckedStream) -> tuple[int, list[CheckResult], bool]:
    """Write with the checks concluding inside the transaction, before commit (`approve`).

    Returns rows written, the results, and whether they were committed. A writer that is told
    no rolls back; however it signals that (an exception, or a return), nothing was kept. When
    the database refuses a row first (an orphan against its FK constraint, a repeated key), the
    checks still see every row and say why; a database error no check explains is raised.
    """
    outcome: dict = {}
    checker = stream.checker

    def approve() -> bool:
        stream.drain()
        outcome["results"] = checker.conclude()
        outcome["approved"] = all(r.passed for r in outcome["results"])
        return outcome["approved"]

    try:
        result = write(approve)
    except Exception:
        if "results" not in outcome:  # the database stopped the write: check every row anyway
            approve()
        if outcome["approved"] is False:
            return 0, outcome["results"], False
        raise
    if "results" not in outcome:  # the writer never asked: check now, and say so if it kept rows
        approve()
        if not outcome["approved"]:
            raise Failure("the writer committed rows without asking the checks; report this")
    committed = bool(result.committed) and outcome["approved"]
    return (result.rows if committed else 0), outcome["results"], committed
