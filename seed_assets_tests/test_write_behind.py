"""A Parquet file written in a thread behind the frames (``targets/behind.py``): in order, every
error raised where the caller is, nothing half-written left when the frames stop."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

from seed_assets.engine.run import iter_spec
from seed_assets.targets.behind import WriteBehind
from seed_assets.targets.parquet import ParquetTarget


def _threads_named(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_items_are_written_in_order_in_a_thread_while_the_caller_goes_on():
    written: list[tuple[int, str]] = []
    entered, release = threading.Event(), threading.Event()

    def write(item: int) -> None:
        if item == 0:
            entered.set()
            assert release.wait(10), "the caller never went on while the first write ran"
        written.append((item, threading.current_thread().name))

    with WriteBehind(write, name="t") as behind:
        behind.put(0)
        assert entered.wait(10)
        assert written == []  # put returned while item 0 is still being written
        release.set()
        for item in range(1, 6):
            behind.put(item)
    assert [item for item, _ in written] == list(range(6))
    assert {name for _, name in written} == {"seed-assets-write-t"}
    assert not _threads_named("seed-assets-write-t")


def test_a_write_error_is_raised_to_the_caller_and_nothing_after_it_is_written():
    written = []

    def write(item: int) -> None:
        if item == 2:
            raise OSError(28, "No space left on device")
        written.append(item)

    with pytest.raises(OSError, match="No space left"), WriteBehind(write) as behind:
        for item in range(50):
            behind.put(item)
            time.sleep(0.001)
    assert written == [0, 1]


def test_a_write_error_after_the_last_put_is_raised_on_leaving():
    def write(item: int) -> None:
        time.sleep(0.05)
        raise ValueError(f"cannot write {item}")

    with pytest.raises(ValueError, match="cannot write 0"), WriteBehind(write) as behind:
        behind.put(0)


def test_leaving_on_the_callers_error_waits_for_the_write_under_way_and_ends_the_thread():
    written = []
    started = threading.Event()

    def write(item: int) -> None:
        started.set()
        time.sleep(0.2)
        written.append(item)

    with pytest.raises(KeyboardInterrupt), WriteBehind(write, name="stop") as behind:
        behind.put(0)
        assert started.wait(10)
        raise KeyboardInterrupt  # Ctrl+C while item 0 is written
    # Left only once that write was done: the file is not closed under it.
    assert written == [0]
    assert not _threads_named("seed-assets-write-stop")


def _frames(banking, table: str, seed: int = 3):
    return next(g for g in iter_spec(banking, seed=seed) if g[0].name == table)[0].frames()


def test_a_parquet_table_is_written_whole_through_the_thread(banking, tmp_path):
    target = ParquetTarget(f"parquet://{tmp_path}")
    frames = list(_frames(banking, "customers"))
    result = target.write_table(banking, "customers", iter(frames), seed=3, scale=1.0)
    assert result.committed and result.rows == sum(len(f) for f in frames) == 1000
    got = pq.read_table(target.table_path(banking, "customers")).to_pandas()
    assert got["customer_id"].tolist() == pd.concat(frames)["customer_id"].tolist()
    assert pq.ParquetFile(target.table_path(banking, "customers")).metadata.num_row_groups >= 1


def test_a_parquet_table_whose_frames_stop_leaves_the_file_before_and_no_temporary(
    banking, tmp_path
):
    target = ParquetTarget(f"parquet://{tmp_path}")
    target.write_table(banking, "customers", _frames(banking, "customers"), seed=3, scale=1.0)
    path = target.table_path(banking, "customers")
    before = path.read_bytes()

    def failing():
        frame = next(_frames(banking, "customers", seed=4))
        yield frame.iloc[:10]
        yield frame.iloc[10:20]  # written (or queued) in the thread by now
        raise KeyboardInterrupt  # Ctrl+C in the middle of the table

    with pytest.raises(KeyboardInterrupt):
        target.write_table(banking, "customers", failing(), seed=4, scale=1.0, if_exists="replace")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["_seed_assets.json", path.name]
    assert not _threads_named("seed-assets-write-customers")
