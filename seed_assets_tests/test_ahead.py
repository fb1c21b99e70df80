"""Tables generated ahead in worker processes (targets/ahead.py), loaded into real SQLite files:
the same rows whatever the number of workers, refused rows found and reported as without them,
Ctrl+C and a failing or dying worker leave nothing written and no worker behind."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest

from seed_assets.engine.run import TableStep, generate_all, iter_plan
from seed_assets.errors import TargetError
from seed_assets.targets import ahead
from seed_assets.targets.ahead import generated_ahead
from seed_assets.targets.base import Target
from seed_assets.targets.cancel import CancelToken
from seed_assets.targets.load_report import LoadCancelled, LoadError
from seed_assets_tests.servers import execute, query

pytestmark = pytest.mark.skipif(not ahead.available(), reason="no fork/memfd_create here")


@pytest.fixture
def sqlite_target(tmp_path):
    target = Target.for_url(f"sqlite:///{tmp_path / 'ahead.sqlite'}")
    target.batch_rows = 700  # several batches per table, halved across worker batches
    yield target
    target.dispose()


def _no_children() -> bool:
    """No worker left, running or unreaped."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _write(target, spec, steps, **options) -> dict:
    results = {}
    for step in steps:
        result = target.write_table(
            spec, step.name, step.chunks, seed=spec.seed, scale=1.0, **options
        )
        results[step.name] = result
    return results


@pytest.mark.parametrize("workers", [0, 1, 2, 3])
def test_same_rows_whatever_the_number_of_workers(banking, sqlite_target, workers):
    with generated_ahead(sqlite_target, iter_plan(banking), workers=workers) as steps:
        results = _write(sqlite_target, banking, steps)
    expected = generate_all(banking)
    for name, frame in expected.items():
        assert results[name].rows == len(frame)
        back = sqlite_target.read_columns(banking, name, list(frame.columns))
        pd.testing.assert_frame_equal(back, frame, check_exact=True, obj=name)
    assert _no_children()


def test_the_target_decides_when_not_told(banking, sqlite_target):
    assert sqlite_target.workers_ahead >= 1
    with generated_ahead(sqlite_target, iter_plan(banking)) as steps:
        first = next(steps)
        assert isinstance(first.chunks, ahead.EncodedStream)  # made by a worker process
        _write(sqlite_target, banking, [first, *steps])
    assert _no_children()


def _users_customers_with_check(url: str) -> None:
    execute(
        url,
        "CREATE TABLE customers (customer_id VARCHAR(16) PRIMARY KEY, name VARCHAR(100), "
        "email VARCHAR(120), registration_date DATE, segment VARCHAR(12), "
        "annual_income NUMERIC(12, 2), credit_score INTEGER, "
        "CONSTRAINT no_sme CHECK (segment <> 'sme'))",
    )


def _customers_step(banking):
    return [s for s in iter_plan(banking) if s.name == "customers"]


def test_refused_rows_in_worker_batches_are_found_and_reported(banking, sqlite_target):
    _users_customers_with_check(sqlite_target.url)
    frame = generate_all(banking)["customers"]
    sme = frame.index[frame["segment"] == "sme"].tolist()
    with generated_ahead(sqlite_target, _customers_step(banking), workers=1) as steps:
        (result,) = _write(sqlite_target, banking, steps, on_error="continue").values()
    assert result.rejected_count == len(sme) > 0
    assert sorted(e.row for e in result.rejected) == sme
    first = result.rejected[0]
    assert (first.constraint, first.column, first.value) == ("no_sme", "segment", "sme")
    assert query(sqlite_target.url, "SELECT COUNT(*) FROM customers") == [(len(frame) - len(sme),)]

    with (
        pytest.raises(LoadError, match="no_sme"),
        generated_ahead(sqlite_target, _customers_step(banking), workers=1) as steps,
    ):
        _write(sqlite_target, banking, steps, if_exists="replace")
    # the failed replace rolled back: the rows of the first load are still there
    assert query(sqlite_target.url, "SELECT COUNT(*) FROM customers") == [(len(frame) - len(sme),)]
    assert _no_children()


def test_cancel_rolls_back_and_stops_the_workers(banking, sqlite_target):
    token = CancelToken()
    seen = []

    def on_rows(n: int) -> None:
        seen.append(n)
        token.cancel()  # as the first Ctrl+C does

    with (
        pytest.raises(LoadCancelled, match="'customers'"),
        generated_ahead(sqlite_target, iter_plan(banking), workers=2) as steps,
    ):
        step = next(steps)
        sqlite_target.write_table(
            banking, step.name, step.chunks, seed=1, scale=1.0, on_rows=on_rows, cancel=token
        )
    assert seen == [700]
    assert sqlite_target.row_counts(banking.tables)["customers"] is None  # created: rolled back
    assert _no_children()  # the workers still generating were stopped


def _failing_chunks(frames):
    yield next(frames)
    raise TargetError("table 'customers': the generator refused its third chunk")


def test_a_worker_error_is_raised_in_the_loader(banking, sqlite_target):
    (step,) = _customers_step(banking)
    broken = TableStep(step.generator, _failing_chunks(step.generator.frames(max_rows=500)))
    with (
        pytest.raises(TargetError, match="refused its third chunk"),
        generated_ahead(sqlite_target, [broken], workers=1) as steps,
    ):
        _write(sqlite_target, banking, steps)
    assert sqlite_target.row_counts(["customers"])["customers"] is None
    assert _no_children()


def test_a_worker_that_dies_fails_the_table(banking, sqlite_target):
    sqlite_target.batch_rows = 100  # more batches than a worker makes ahead: it is still alive
    with (
        pytest.raises(TargetError, match=r"generation worker .* stopped without finishing"),
        generated_ahead(sqlite_target, _customers_step(banking), workers=1) as steps,
    ):
        step = next(steps)
        os.kill(step.chunks.pid, signal.SIGKILL)
        _write(sqlite_target, banking, [step])
    assert sqlite_target.row_counts(["customers"])["customers"] is None
    assert _no_children()
