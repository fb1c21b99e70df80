"""A step's checks run in a thread of their own beside its generator and writer (``gate._Feeder``):
the same verdicts as checks fed in line, every row still seen, a failure in the thread still
the step's, and the parents' chunk cache serving both readers. (The time is measured by
benchmarks/bench_dagster.py.)"""

from __future__ import annotations

import threading

import pytest

from seed_assets.assets.gate import CheckedStream, gated_write
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.validation.stream import TableChecker
from seed_assets_tests.chunk_counting import chunks_made

SCALE = 0.05


def _stream(spec, name: str, hook=None) -> CheckedStream:
    source = RegeneratedParents(spec, scale=SCALE)
    generator = source.generator(name)
    checker = TableChecker(spec, name, source, scale=SCALE, expected_rows=generator.total_rows)
    return CheckedStream(generator.frames(max_rows=300), checker, name, hook)


def _in_line(spec, name: str, hook=None) -> list[dict]:
    """The verdicts of the same checks fed frame by frame in this thread."""
    source = RegeneratedParents(spec, scale=SCALE)
    generator = source.generator(name)
    checker = TableChecker(spec, name, source, scale=SCALE, expected_rows=generator.total_rows)
    for frame in generator.frames(max_rows=300):
        checker.add(frame if hook is None else hook(name, frame))
    return [r.to_dict() for r in checker.conclude()]


def _orphan_at(row: int):
    """A hook writing a key no account has at table row `row`."""
    seen = {"rows": 0}

    def hook(name, frame):
        frame = frame.copy()
        at = row - seen["rows"]
        if 0 <= at < len(frame):
            frame.loc[at, "account_id"] = "ACC99999999"
        seen["rows"] += len(frame)
        return frame

    return hook


@pytest.mark.parametrize("name", ["transactions", "invoices"])
def test_checks_in_their_thread_give_the_verdicts_of_checks_in_line(banking, name):
    stream = _stream(banking, name)
    fed_by: set[int] = set()
    add = stream.checker.add
    stream.checker.add = lambda frame: (fed_by.add(threading.get_ident()), add(frame))
    written = sum(len(frame) for frame in stream)  # the writer's side
    results = [r.to_dict() for r in stream.conclude()]
    assert fed_by and threading.get_ident() not in fed_by  # fed beside, not in line
    assert stream.checker.rows == written
    assert results == _in_line(banking, name)


def test_a_bad_row_fed_in_the_thread_fails_its_check_at_its_row(banking):
    hook = _orphan_at(1234)
    stream = _stream(banking, "transactions", hook)
    for _ in stream:
        pass
    (orphans,) = [r for r in stream.conclude() if r.rule == "orphan_fks"]
    assert not orphans.passed
    assert orphans.counts["orphans: account_id -> accounts"] == 1
    assert [s["row"] for s in orphans.samples] == [1234]


def test_frames_the_writer_left_are_checked_before_the_verdict(banking):
    """The writer stops after two frames (the database refused a row): ``conclude`` feeds the
    rest, so a bad row after the point it stopped still fails the check."""
    stream = _stream(banking, "transactions", _orphan_at(1000))
    frames = iter(stream)
    next(frames), next(frames)
    (orphans,) = [r for r in stream.conclude() if r.rule == "orphan_fks"]
    assert stream.checker.rows == stream.checker.source.row_count("transactions")
    assert [s["row"] for s in orphans.samples] == [1000]


def test_an_error_in_the_checks_thread_is_raised_where_the_writer_asks(banking):
    stream = _stream(banking, "accounts")

    def broken(frame):
        raise MemoryError("the checks ran out of memory")

    stream.checker.add = broken
    for _ in stream:  # the writer is never stopped by the thread's error
        pass
    with pytest.raises(MemoryError, match="ran out of memory"):
        stream.conclude()


def test_frames_closed_before_the_last_refuse_a_verdict_instead_of_waiting(banking):
    stream = _stream(banking, "transactions")
    frames = iter(stream)
    next(frames)
    frames.close()
    with pytest.raises(RuntimeError, match="transactions: frames closed before the last"):
        stream.conclude()


def test_a_frame_that_cannot_be_made_fails_the_write_instead_of_hanging_it(banking):
    """Generation raises after the first frame: the writer's error comes back through the
    gate (which asks the checks for a verdict first) instead of the step waiting forever
    for a checks' thread that was never told the frames had ended."""
    source = RegeneratedParents(banking, scale=SCALE)
    generator = source.generator("transactions")
    checker = TableChecker(
        banking, "transactions", source, scale=SCALE, expected_rows=generator.total_rows
    )

    def frames():
        made = generator.frames(max_rows=300)
        yield next(made)
        raise ValueError("chunk 2 could not be made")

    stream = CheckedStream(frames(), checker, "transactions", None)

    def write(approve):
        for _ in stream:
            pass
        return approve()

    outcome: dict = {}

    def run() -> None:
        try:
            gated_write(write, stream)
        except ValueError as exc:
            outcome["error"] = exc

    writer = threading.Thread(target=run, daemon=True)
    writer.start()
    writer.join(60)
    assert not writer.is_alive(), "the write waited for checks that could never conclude"
    assert str(outcome["error"]) == "chunk 2 could not be made"


def test_each_reader_keeps_the_parent_chunks_it_is_on(banking):
    """The generator reads a parent's later chunks while its checks, a frame behind in their
    own thread, still read earlier ones: neither evicts what the other is on. Once a reader's
    thread has ended, what it was on is no longer kept for it."""
    spec = banking.model_copy(update={"chunk_rows": 50})  # transactions: several chunks
    source = RegeneratedParents(spec, scale=0.2)
    source.cached_bytes = 1  # always over the bound: only what a reader is on is kept
    made = chunks_made(source, ["transactions"])
    starts = [c.row_start for c in source.generator("transactions").chunks]

    def read(chunk: int) -> None:
        source.rows("transactions", ["amount"], starts[chunk], starts[chunk] + 5)

    moved_on, read_again = threading.Event(), threading.Event()

    def behind() -> None:  # the checks: chunk 0, then chunk 0 again after the generator moved
        read(0)
        read_again.set()
        moved_on.wait(10)
        read(0)

    checks = threading.Thread(target=behind)
    checks.start()
    read_again.wait(10)
    for ahead in (2, 3):
        read(ahead)
    moved_on.set()
    checks.join()
    assert made == [("transactions", 0), ("transactions", 2), ("transactions", 3)]
    for ahead in (4, 5):  # the checks' thread is gone: chunk 0 may go, and is made again
        read(ahead)
    read(0)
    assert made[-1] == ("transactions", 0) and made.count(("transactions", 0)) == 2
