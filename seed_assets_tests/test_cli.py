"""The command line, as a user runs it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets_tests.conftest import BANKING, ROOT, SHOP
from seed_assets_tests.dbcompare import assert_same_tables, read_all

runner = CliRunner()


def test_generate_writes_every_table_and_summarises(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    result = runner.invoke(app, ["generate", str(BANKING), "--target", url, "--scale", "0.5"])
    assert result.exit_code == 0, result.output
    for table in ("customers", "accounts", "transactions", "invoices", "total"):
        assert table in result.output
    db = sqlite3.connect(tmp_path / "bank.sqlite")
    assert db.execute("SELECT COUNT(*) FROM customers").fetchone() == (500,)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_default_target_is_data_stem_sqlite(tmp_path):
    spec = tmp_path / "my_shop.yaml"
    spec.write_text(SHOP.read_text())
    result = subprocess.run(
        [str(Path(sys.executable).parent / "seed-assets"), "generate", str(spec)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "my_shop.sqlite").exists()
    assert "sqlite:///data/my_shop.sqlite" in result.stdout


def test_seed_option_changes_data_and_repeats_exactly(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'{name}.sqlite'}" for name in ("a", "b", "c")]
    for url, seed in zip(urls, ["1", "1", "2"], strict=True):
        result = runner.invoke(app, ["generate", str(SHOP), "--target", url, "--seed", seed])
        assert result.exit_code == 0, result.output
    from seed_assets.sources.files import load_spec

    shop = load_spec(SHOP)
    first, again, other = (read_all(shop, url) for url in urls)
    assert_same_tables(first, again)
    assert not first["orders"].equals(other["orders"])


def test_bad_spec_exits_2_naming_file_table_and_column(tmp_path):
    data = yaml.safe_load(BANKING.read_text())
    data["tables"]["customers"]["columns"]["email"]["faker"] = "emial"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["generate", str(bad), "--target", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert str(bad) in message and "table 'customers'" in message and "column 'email'" in message
    assert "did you mean email" in message
    assert not (tmp_path / "x.db").exists()  # nothing written


def test_refusing_a_users_data_exits_2_and_keeps_it(tmp_path):
    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (customer_id TEXT PRIMARY KEY)")
        db.execute("INSERT INTO customers VALUES ('precious')")
    result = runner.invoke(app, ["generate", str(BANKING), "--target", f"sqlite:///{path}"])
    assert result.exit_code == 2
    assert "not this tool" in " ".join(result.stderr.split())
    result = runner.invoke(
        app,
        ["generate", str(BANKING), "--target", f"sqlite:///{path}", "--if-exists", "replace"],
    )
    assert result.exit_code == 2
    assert "replace only replaces what this spec wrote" in " ".join(result.stderr.split())
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT * FROM customers").fetchall() == [("precious",)]


def test_a_second_run_needs_if_exists_replace(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    args = ["generate", str(BANKING), "--target", url, "--scale", "0.2"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, [*args, "--seed", "9"])
    assert again.exit_code == 2
    assert "--if-exists replace" in " ".join(again.stderr.split())
    replaced = runner.invoke(app, [*args, "--seed", "9", "--if-exists", "replace"])
    assert replaced.exit_code == 0, replaced.output
    with sqlite3.connect(tmp_path / "bank.sqlite") as db:
        assert db.execute("SELECT MIN(seed), MAX(seed) FROM seed_assets_tables").fetchone() == (
            9,
            9,
        )


def test_on_error_continue_lists_the_refused_rows(tmp_path):
    path = tmp_path / "checked.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE customers (customer_id TEXT PRIMARY KEY, name TEXT, email TEXT, "
            "registration_date TEXT, segment TEXT CONSTRAINT no_sme CHECK (segment <> 'sme'), "
            "annual_income NUMERIC, credit_score INTEGER)"
        )
    args = ["generate", str(BANKING), "--target", f"sqlite:///{path}", "--scale", "0.1"]
    failed = runner.invoke(app, args)
    assert failed.exit_code == 2
    assert "constraint no_sme, column segment='sme'" in " ".join(failed.stderr.split())
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM customers").fetchone() == (0,)
    loaded = runner.invoke(app, [*args, "--on-error", "continue"])
    assert loaded.exit_code == 0, loaded.output
    assert "were refused and skipped" in " ".join(loaded.stderr.split())
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM customers WHERE segment = 'sme'").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM customers").fetchone()[0] > 50


def test_check_prints_the_generation_order():
    result = runner.invoke(app, ["check", str(BANKING)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "│" in line]
    order = [line.split("│")[1].strip() for line in lines]
    assert order == ["customers", "accounts", "transactions", "invoices"]
    assert "poisson ≈15.00 per accounts" in result.output


def test_every_command_has_help_with_an_example():
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert set(commands) >= {"generate", "demo", "check", "validate", "schema"}
    for command in commands:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example: seed-assets" in " ".join(result.output.split()) or (
            "Example: make demo" in result.output
        ), command


def test_demo_materialises_the_definitions(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    env.pop("SEED_ASSETS_SPECS", None)
    env.pop("SEED_ASSETS_TARGET_URL", None)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "seed-assets"), "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "29,658" in result.stdout and "total" in result.stdout
    assert "data/banking.report.html (plots)" in " ".join(result.stdout.split())
    assert (tmp_path / "data" / "banking.report.html").is_file()
    with sqlite3.connect(tmp_path / "data" / "banking.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM invoices").fetchone() == (9012,)


def _generate_in_background(tmp_path, scale: str) -> tuple[subprocess.Popen, Path]:
    path = tmp_path / "big.sqlite"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "seed-assets"),
            *("generate", str(BANKING), "--target", f"sqlite:///{path}", "--scale", scale),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, path


def _wait_for_complete(path: Path, table: str, process: subprocess.Popen) -> None:
    """Until `table` is recorded complete, i.e. the next table is being written."""
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists():
            try:
                with sqlite3.connect(path, timeout=0.1) as db:
                    found = db.execute(
                        "SELECT status FROM seed_assets_tables WHERE table_name = ?", (table,)
                    ).fetchone()
                if found == ("complete",):
                    return
            except sqlite3.OperationalError:
                pass  # not created yet, or locked for a moment
        time.sleep(0.05)
    raise AssertionError(f"{table} never completed: {process.communicate()}")


def test_ctrl_c_rolls_back_the_table_being_written(tmp_path):
    import signal

    process, path = _generate_in_background(tmp_path, "40")
    _wait_for_complete(path, "accounts", process)  # transactions (1.2M rows) is under way
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (out, err)
    message = " ".join(err.split())
    assert "stopping after the current batch" in message
    assert "transactions was rolled back" in message
    assert "complete tables: customers (40,000 rows), accounts" in message
    with sqlite3.connect(path) as db:
        status = dict(db.execute("SELECT table_name, status FROM seed_assets_tables"))
        assert status == {"customers": "complete", "accounts": "complete"}
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        assert "transactions" not in tables  # its CREATE was in the rolled-back transaction
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_second_ctrl_c_exits_at_once(tmp_path):
    import queue
    import signal
    import threading

    process, path = _generate_in_background(tmp_path, "40")
    _wait_for_complete(path, "customers", process)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stderr], daemon=True).start()
    process.send_signal(signal.SIGINT)
    seen = []
    while not any("stopping after the current batch" in line for line in seen):
        seen.append(lines.get(timeout=30))  # the first Ctrl+C was handled: now the second
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    time.sleep(0.2)  # the reader thread drains what was printed last
    while not lines.empty():
        seen.append(lines.get())
    assert process.returncode == 130, seen
    assert "second Ctrl+C: exiting now" in " ".join(" ".join(seen).split())
    with sqlite3.connect(path) as db:  # the open transaction did not survive
        status = dict(db.execute("SELECT table_name, status FROM seed_assets_tables"))
        assert status == {"customers": "complete"}
        for table in ("accounts", "transactions"):
            exists = db.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = ?", (table,)
            ).fetchone()
            if exists[0]:
                assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
