"""A step into SQLite makes, checks and encodes its rows in a forked worker (``ForkedChecks``):
the same verdict, rows and report as the checks in a thread, errors brought back to the step,
nothing committed on a failed check, no worker left behind."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from dagster import materialize

from seed_assets.assets import build_table_assets
from seed_assets.assets.gate import CheckedStream, ForkedChecks, forks_checks, gated_write
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.targets.ahead import available
from seed_assets.targets.base import Target
from seed_assets.validation.stream import TableChecker

pytestmark = pytest.mark.skipif(not available(), reason="fork and memfd_create: Linux only")


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:  # none at all: every worker was reaped
        return True
    return False


def _write(spec, url: str, name: str, *, forked: bool, hook=None):
    """`name` written through the gate as a step writes it; (rows, results, committed, fed)."""
    db = Target.for_url(url)
    source = RegeneratedParents(spec, seed=spec.seed, scale=1.0)
    generator = source.generator(name)
    checker = TableChecker(spec, name, source, scale=1.0, expected_rows=generator.total_rows)
    stream = CheckedStream(generator.frames(max_rows=300), checker, name, hook)
    checks = ForkedChecks(stream, db, spec.tables[name], spec.seed) if forked else stream
    try:
        rows, results, committed = gated_write(
            lambda approve: db.write_table(
                spec,
                name,
                checks.batches if forked else stream,
                seed=spec.seed,
                scale=1.0,
                if_exists="replace",
                approve=approve,
            ),
            checks,
        )
    finally:
        if forked:
            checks.close()
        db.dispose()
    fed = checks.rows if forked else checker.rows
    return rows, results, committed, fed, checks


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _held(path: Path, table: str) -> int:
    """The rows `path` holds of `table`; 0 when it holds no such table."""
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        return _count(path, table) if table in names else 0


def test_a_sqlite_step_forks_and_a_server_or_file_target_does_not(tmp_path, pg_url):
    sqlite_db = Target.for_url(f"sqlite:///{tmp_path / 'a.db'}")
    parquet = Target.for_url(f"parquet://{tmp_path / 'p'}")
    postgres = Target.for_url(pg_url)
    try:
        assert forks_checks(sqlite_db, None)
        assert not forks_checks(sqlite_db, object())  # a row filter's connection stays here
        assert not forks_checks(parquet, None)
        assert not forks_checks(postgres, None)
    finally:
        for db in (sqlite_db, parquet, postgres):
            db.dispose()


def test_the_worker_gives_the_verdict_rows_and_plots_the_thread_gives(banking, tmp_path):
    for name in ("customers", "accounts"):  # accounts' checks read customers regenerated
        here = _write(banking, f"sqlite:///{tmp_path / 'thread.db'}", name, forked=False)
        there = _write(banking, f"sqlite:///{tmp_path / 'fork.db'}", name, forked=True)
        assert there[0] == here[0] > 0 and there[2] and here[2]
        assert [(r.name, r.passed, r.counts) for r in there[1]] == [
            (r.name, r.passed, r.counts) for r in here[1]
        ]
        assert there[3] == here[3] == here[0]
        assert there[4].profile == here[4].checker.profile(seed=banking.seed)
        assert there[4].peak_mb > 0 and there[4].cpu_seconds > 0
    assert _count(tmp_path / "fork.db", "accounts") == _count(tmp_path / "thread.db", "accounts")
    assert _no_children_left()


def _duplicate_first_key(name: str, frame):
    if name == "customers" and len(frame) > 1:
        frame = frame.copy()
        frame.loc[1, "email"] = frame.loc[0, "email"]  # a unique column repeated
    return frame


def test_a_check_failing_in_the_worker_commits_nothing(banking, tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    rows, results, committed, fed, _ = _write(
        banking, url, "customers", forked=True, hook=_duplicate_first_key
    )
    assert not committed and rows == 0 and fed == 1000
    failed = {r.name for r in results if not r.passed}
    assert "customers_duplicate_keys" in failed, failed
    assert _held(tmp_path / "bank.db", "customers") == 0
    assert _no_children_left()


def _accounts_cannot_be_made(name: str, frame):
    if name == "accounts":
        raise ValueError("accounts: chunk 1 could not be made")
    return frame


def test_a_frame_the_worker_cannot_make_fails_the_step_with_its_error(banking, tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    resources = {"target": TargetResource(url=url), "generation": GenerationResource()}
    assets = build_table_assets(banking, frame_hook=_accounts_cannot_be_made)
    result = materialize(
        assets, selection=["customers", "accounts"], resources=resources, raise_on_error=False
    )
    assert not result.success
    failure = result.failure_data_for_node("accounts")
    assert "accounts: chunk 1 could not be made" in str(failure.error)
    assert _count(tmp_path / "bank.db", "customers") == 1000
    assert _held(tmp_path / "bank.db", "accounts") == 0
    assert _no_children_left()
