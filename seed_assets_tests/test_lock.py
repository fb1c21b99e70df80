"""One writer per target: two real `seed-assets generate` processes into one target.

The second waits up to --wait seconds, then exits 2 naming the first (spec, host, pid, start);
with a long enough --wait it runs after the first, and the target holds one run's rows only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from seed_assets.targets.base import Target
from seed_assets.targets.lock import HOLDERS, lock_path
from seed_assets_tests.conftest import BANKING, ROOT, SHOP


def generate(url: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200"}
    command = [sys.executable, "-m", "seed_assets.cli", "generate", str(BANKING), "--target", url]
    return subprocess.Popen(
        [*command, *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def locked(url: str) -> bool:
    """Whether a run holds the target's lock now (its lock file, or its holder row)."""
    target = Target.for_url(url)
    try:
        path = lock_path(target)
        if path is not None:
            return path.exists() and path.stat().st_size > 0
        with target.engine.connect() as conn:
            if not sa.inspect(conn).has_table(HOLDERS):
                return False
            return bool(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {HOLDERS}").scalar())
    finally:
        target.dispose()


def wait_for_lock(url: str, first: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not locked(url):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.05)


@pytest.fixture(params=["sqlite", "postgresql", "mysql", "parquet"])
def lock_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'one.sqlite'}"
    if request.param == "parquet":
        return f"parquet://{tmp_path / 'pq'}"
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url")


def test_a_second_run_exits_2_naming_the_first_then_waits_its_turn(lock_url, tmp_path):
    report_dir = ["--report-dir", str(tmp_path / "reports")]
    first = generate(lock_url, "--seed", "1", "--scale", "2", *report_dir)
    try:
        wait_for_lock(lock_url, first)
        # Stopped while it holds the lock: however fast it would have been, it is mid-run now.
        os.kill(first.pid, signal.SIGSTOP)
        second = generate(lock_url, "--seed", "2", "--if-exists", "replace", *report_dir)
        out, err = second.communicate(timeout=120)
        message = " ".join(err.split())
        assert second.returncode == 2, (out, err)
        assert "being written by a run of spec 'banking'" in message, message
        assert f"pid {first.pid}" in message and socket.gethostname() in message, message
        assert "started 20" in message and "Traceback" not in err
        # With --wait it runs after the first one, over the first one's rows.
        third = generate(
            lock_url, "--seed", "3", "--if-exists", "replace", "--wait", "300", *report_dir
        )
        time.sleep(3)  # the third is waiting now (or still starting): either way, after
        assert third.poll() is None
        os.kill(first.pid, signal.SIGCONT)
        out3, err3 = third.communicate(timeout=600)
        assert first.wait(timeout=600) == 0, first.communicate()
        assert third.returncode == 0, (out3, err3)
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGCONT)
            first.kill()
    target = Target.for_url(lock_url)
    try:
        seeds = {name: entry.seed for name, entry in target.status().items()}
    finally:
        target.dispose()
    assert seeds == dict.fromkeys(["customers", "accounts", "transactions", "invoices"], 3)
    assert not locked(lock_url)
    leftovers = [p.name for p in Path(tmp_path).rglob("*.lock")]
    assert leftovers == []  # neither the target's lock file nor a report's


def test_dagster_runs_writing_one_target_share_a_run_granularity_pool(tmp_path):
    import dagster as dg

    from seed_assets.assets.keys import target_pool
    from seed_assets.definitions import defs
    from seed_assets.sources.files import load_spec
    from seed_assets_tests.instances import DEFAULT_CONFIG

    spec = load_spec(BANKING)
    graph = defs.resolve_asset_graph()
    pools = {node.key.to_user_string(): node.pools for node in graph.asset_nodes}
    for table in ("customers", "accounts", "transactions", "invoices", "customer_features"):
        assert pools[table] == {target_pool(spec)}, (table, pools[table])
    # The instance settings the Makefile installs: one run at a time per pool.
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DEFAULT_CONFIG.read_text())
    with dg.DagsterInstance.from_config(str(home)) as instance:
        config = instance.get_concurrency_config()
        assert config.pool_config.pool_granularity.value == "run"
        assert config.pool_config.default_pool_limit == 1


def test_specs_writing_one_target_share_its_pool_and_others_do_not(monkeypatch):
    from seed_assets.assets.keys import TARGET_ENV, target_pool
    from seed_assets.sources.files import load_spec

    banking, shop = load_spec(BANKING), load_spec(SHOP)
    monkeypatch.delenv(TARGET_ENV, raising=False)
    assert target_pool(banking) != target_pool(shop)  # data/banking.sqlite, data/shop.sqlite
    monkeypatch.setenv(TARGET_ENV, "postgresql+psycopg://u:s3cret@db:5432/seed")
    assert target_pool(banking) == target_pool(shop)  # one database: one run at a time
    assert target_pool(banking).startswith("seed_assets_target__seed_")
    assert "s3cret" not in target_pool(banking)
