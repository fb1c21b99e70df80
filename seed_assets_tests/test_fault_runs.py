"""Runs that fail underway or on a target that cannot be written: a PostgreSQL backend killed
mid-load, a full disk (a tiny tmpfs), a read-only file system, a file that is not a database.
Each ends in one message with exit 2 that says what happened to the data; `--debug` shows the
traceback instead."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app

SPEC = {
    "name": "faults",
    "seed": 3,
    "tables": {
        "customers": {
            "rows": 2000,
            "primary_key": "id",
            "columns": {
                "id": {"type": "integer", "sequence": True},
                "name": {"type": "string", "length": 60, "faker": "name"},
            },
        },
        "orders": {
            "primary_key": "id",
            "columns": {
                "id": {"type": "integer", "sequence": True},
                "customer_id": {"type": "integer"},
                "note": {"type": "text", "faker": "sentence"},
            },
            "foreign_keys": [
                {
                    "columns": "customer_id",
                    "references": "customers(id)",
                    "cardinality": "fixed(300)",
                }
            ],
        },
    },
}
CLI = [sys.executable, "-m", "seed_assets.cli"]


def write_spec(folder: Path, **rows) -> Path:
    data = yaml.safe_load(yaml.safe_dump(SPEC))
    if "customers" in rows:
        data["tables"]["customers"]["rows"] = rows["customers"]
    if rows.get("long_notes"):  # 2,000 characters each
        data["tables"]["orders"]["columns"]["note"] = {
            "type": "text",
            "faker": "text",
            "params": {"max_nb_chars": 2000},
        }
    if "per_customer" in rows:
        fk = data["tables"]["orders"]["foreign_keys"][0]
        fk["cardinality"] = f"fixed({rows['per_customer']})"
    path = folder / "faults.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_backend_killed_mid_load_says_what_was_committed_and_replace_finishes(pg_url, tmp_path):
    spec = write_spec(tmp_path, per_customer=600)  # 1,200,000 orders: seconds of COPY
    run = subprocess.Popen(
        [*CLI, "generate", str(spec), "--target", pg_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    database = sa.make_url(pg_url).database
    watcher = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    killed = []
    try:
        deadline = time.monotonic() + 120
        while run.poll() is None and not killed and time.monotonic() < deadline:
            time.sleep(0.05)
            with watcher.connect() as conn:
                loading = conn.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid() AND state = 'active' AND query ILIKE '%%orders%%'",
                    (database,),
                ).all()
                if loading:
                    time.sleep(0.1)  # into the orders
                    killed = conn.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                        "datname = %s AND pid <> pg_backend_pid()",
                        (database,),
                    ).all()
        _, err = run.communicate(timeout=120)
        assert killed, "the load ended before its backend could be killed"
        message = one_line(err)
        assert run.returncode == 2, err
        assert "Traceback" not in err
        assert message.startswith("error: target postgresql+psycopg://"), message
        assert "connection to 127.0.0.1" in message and "was lost" in message
        assert "Committed before it: customers (2,000 rows)" in message
        assert "Rolled back: orders (no part of it was kept)" in message
        assert "--if-exists replace" in message
        with watcher.connect() as conn:
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM customers").scalar() == 2000
            orders = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'orders'"
            ).scalar()
            if orders:
                assert conn.exec_driver_sql("SELECT COUNT(*) FROM orders").scalar() == 0
        # What the message says finishes the job.
        again = subprocess.run(
            [*CLI, "generate", str(spec), "--target", pg_url, "--if-exists", "replace"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert again.returncode == 0, again.stderr
        with watcher.connect() as conn:
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM orders").scalar() == 1_200_000
    finally:
        if run.poll() is None:
            run.kill()
        watcher.dispose()


@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    """A tiny tmpfs at `folder` (root only; skipped otherwise)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_run_larger_than_the_free_disk_is_refused_before_writing(tmp_path, monkeypatch):
    spec = write_spec(tmp_path, customers=200_000, per_customer=5)
    monkeypatch.chdir(tmp_path)
    with tmpfs(tmp_path / "small", "1m") as disk:
        result = CliRunner().invoke(
            app, ["generate", str(spec), "--target", f"sqlite:///{disk}/db.sqlite"]
        )
        message = one_line(result.stderr)
        assert result.exit_code == 2, result.output
        assert message.startswith(f"error: {spec}: the run would write about"), message
        assert f"the disk holding {disk}/db.sqlite has 0.0 GB free" in message
        assert list(disk.iterdir()) == []


def test_a_disk_that_fills_up_mid_run_is_one_message_saying_what_was_kept(tmp_path, monkeypatch):
    # 2,000-character notes are far longer than the size estimate guesses for text: the
    # estimate passes, the disk fills while the orders are written.
    spec = write_spec(tmp_path, customers=200, per_customer=20, long_notes=True)
    monkeypatch.chdir(tmp_path)
    with tmpfs(tmp_path / "small", "2m") as disk:
        result = CliRunner().invoke(
            app, ["generate", str(spec), "--target", f"sqlite:///{disk}/db.sqlite"]
        )
        message = one_line(result.stderr)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.exit_code == 2, result.output
        assert "is full" in message, message
        assert "Committed before it: customers (200 rows)" in message
        assert "Rolled back: orders" in message


def test_a_read_only_file_system_is_refused_before_writing(tmp_path, monkeypatch):
    spec = write_spec(tmp_path, customers=10, per_customer=1)
    monkeypatch.chdir(tmp_path)
    with tmpfs(tmp_path / "ro", "1m") as disk:
        existing = disk / "db.sqlite"
        sqlite_file = sa.create_engine(f"sqlite:///{existing}")
        with sqlite_file.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE keep (x INTEGER)")
        sqlite_file.dispose()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        for target, says in (
            (f"sqlite:///{existing}", f"SQLite target {existing} is read-only"),
            (
                f"sqlite:///{disk}/new.sqlite",
                f"cannot write in {disk}: the file system is read-only",
            ),
            (f"parquet://{disk}/pq", f"cannot write in {disk}: the file system is read-only"),
        ):
            result = CliRunner().invoke(app, ["generate", str(spec), "--target", target])
            assert result.exit_code == 2, result.output
            assert says in one_line(result.stderr)
        assert sorted(p.name for p in disk.iterdir()) == ["db.sqlite"]


def test_a_file_that_is_not_a_database_is_refused(tmp_path, monkeypatch):
    spec = write_spec(tmp_path, customers=10, per_customer=1)
    notes = tmp_path / "notes.sqlite"
    notes.write_text("my notes, not a database\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["generate", str(spec), "--target", f"sqlite:///{notes}"])
    assert result.exit_code == 2
    assert f"SQLite target {notes} is not a SQLite database" in one_line(result.stderr)
    assert notes.read_text() == "my notes, not a database\n"


def test_debug_raises_with_the_traceback(tmp_path, monkeypatch):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text().replace("primary_key: id", "primay_key: id", 1))
    monkeypatch.chdir(tmp_path)
    plain = CliRunner().invoke(app, ["check", str(spec)])
    assert (plain.exit_code == 2 and plain.exception is None) or isinstance(
        plain.exception, SystemExit
    )
    assert "did you mean `primary_key`" in one_line(plain.stderr)
    debug = CliRunner().invoke(app, ["--debug", "check", str(spec)])
    assert type(debug.exception).__name__ == "SpecError"
    assert "did you mean `primary_key`" in str(debug.exception)


def test_a_bug_is_one_line_pointing_at_debug(tmp_path, monkeypatch):
    """An error no rule translates (here: a directory where the report goes) exits 3, not
    with a traceback."""
    spec = write_spec(tmp_path, customers=5, per_customer=1)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    (tmp_path / "db.report.json").mkdir()  # the report cannot be written
    result = CliRunner().invoke(app, ["generate", str(spec), "--target", url, "--validate"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (2, 3), result.output
    assert one_line(result.stderr).startswith("error: "), result.stderr


def test_a_statement_the_database_refuses_is_not_called_a_lost_connection(tmp_path, monkeypatch):
    """A user's table of the same name without the spec's columns: the database refuses the
    INSERT. The message says so, and does not promise that running again finishes the job."""
    spec = write_spec(tmp_path, customers=10, per_customer=1)
    path = tmp_path / "theirs.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["generate", str(spec), "--target", f"sqlite:///{path}"])
    message = one_line(result.stderr)
    assert result.exit_code == 2, result.output
    assert "the database refused: table customers has no column named name" in message
    assert "Committed before it: none. Rolled back: customers" in message
    assert "Fix the cause" in message and "to finish" not in message
