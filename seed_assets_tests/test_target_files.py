"""Secrets and stray files: no password printed or made into a folder, no lock files left,
server reports per database and spec in a documented folder, every refused row in a file."""

from __future__ import annotations

import json
import sqlite3

from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.reports.report import report_paths
from seed_assets.targets.base import mask_url
from seed_assets.targets.parquet import masked
from seed_assets_tests.conftest import BANKING

runner = CliRunner()

TINY = """\
name: tiny
tables:
  things:
    rows: 200
    primary_key: id
    columns:
      id: {type: integer, sequence: true}
"""


def test_passwords_are_masked_in_every_scheme():
    for url in (
        "postgresql+psycopg://bob:s3cret@db:5432/x",
        "mysql+pymysql://bob:s3cret@db/x",
        "mariadb+pymysql://bob:s3cret@db/x",
    ):
        assert "s3cret" not in mask_url(url) and "bob" in mask_url(url)
    assert masked("parquet://bob:s3cret@host/dir") == "parquet://bob:***@host/dir"


def test_a_parquet_url_with_credentials_is_refused_and_makes_no_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["generate", str(BANKING), "--target", "parquet://bob:s3cret@host/dir"]
    )
    assert result.exit_code == 2
    assert "s3cret" not in result.output and "no credentials" in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == []


def test_server_reports_go_to_report_dir_one_per_database_and_spec(pg_url, tmp_path):
    reports = tmp_path / "reports"
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(TINY)
    for spec in (BANKING, tiny):
        result = runner.invoke(
            app,
            ["generate", str(spec), "--target", pg_url, "--scale", "0.05", "--validate",
             "--report-dir", str(reports)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    database = pg_url.rsplit("/", 1)[1]
    banking_report = reports / f"{database}.banking.report.json"
    tiny_report = reports / f"{database}.tiny.report.json"
    assert json.loads(banking_report.read_text())["spec"] == "banking"
    assert json.loads(tiny_report.read_text())["spec"] == "tiny"
    assert report_paths(pg_url, "tiny", reports).json == tiny_report
    assert not list(reports.glob("*.lock"))  # the report's file lock is gone too


def test_no_report_lock_file_is_left_beside_a_sqlite_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    result = runner.invoke(app, ["generate", str(BANKING), "--target", url, "--scale", "0.05"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bank.sqlite").is_file()
    assert not list(tmp_path.glob("*.lock"))  # neither the report's nor the target's lock


def test_on_error_continue_writes_every_refused_row_to_a_jsonl_file(tmp_path):
    path = tmp_path / "checked.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE customers (customer_id TEXT PRIMARY KEY, name TEXT, email TEXT, "
            "registration_date TEXT, segment TEXT CONSTRAINT no_sme CHECK (segment <> 'sme'), "
            "annual_income REAL, credit_score INTEGER)"
        )
    args = ["generate", str(BANKING), "--target", f"sqlite:///{path}", "--scale", "0.1"]
    result = runner.invoke(app, [*args, "--on-error", "continue"])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "checked.rejected.jsonl").read_text(encoding="utf-8").splitlines()
    refused = [json.loads(line) for line in lines]
    with sqlite3.connect(path) as db:
        kept = db.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    customers = [r for r in refused if r["table"] == "customers"]
    assert len(customers) == 100 - kept > 0  # every refused row, no more
    # Their accounts (and so on down) were refused too, each with its reason.
    assert {r["table"] for r in refused} > {"customers"}
    first = customers[0]
    assert set(first) == {"table", "row", "constraint", "column", "value", "message"}
    assert (first["table"], first["constraint"], first["column"], first["value"]) == (
        "customers", "no_sme", "segment", "sme",
    )  # fmt: skip
    assert "CHECK constraint failed" in first["message"]
    assert "checked.rejected.jsonl" in " ".join(result.stderr.split())
