"""The report files and `seed-assets validate` over databases written healthy, and broken by
hand (rows inserted directly with SQLite, foreign keys off)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.engine.run import iter_spec
from seed_assets.reports.report import (
    APPROVED,
    assemble,
    render_markdown,
    report_paths,
    table_section,
    update_report,
)
from seed_assets.sources.files import load_spec
from seed_assets.targets.base import Target
from seed_assets.validation.results import CheckResult, Measurement

GATE = Path(__file__).parent / "specs" / "bank_gate.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def gate():
    return load_spec(GATE)


@pytest.fixture(scope="module")
def written(gate, tmp_path_factory) -> Path:
    """The gate spec generated straight into SQLite (no Dagster, no checks, no report)."""
    db = tmp_path_factory.mktemp("written") / "bank.sqlite"
    target = Target.for_url(f"sqlite:///{db}")
    try:
        for generator, chunks in iter_spec(gate):
            target.write_table(gate, generator.name, chunks, seed=gate.seed, scale=1.0)
    finally:
        target.dispose()
    return db


def _copy(db: Path, to: Path) -> Path:
    out = to / "bank.sqlite"
    out.write_bytes(db.read_bytes())
    return out


def _ok(table: str, rule: str) -> CheckResult:
    return CheckResult(table, rule, "integrity", measurements=[Measurement("x", "0", "0", True, 0)])


def _bad(table: str, rule: str) -> CheckResult:
    return CheckResult(
        table, rule, "integrity", measurements=[Measurement("orphans", "3", "0", False, 3)]
    )


def test_report_paths_sit_beside_the_database(tmp_path):
    paths = report_paths(f"sqlite:///{tmp_path}/data/banking.sqlite", "banking")
    assert paths.json == tmp_path / "data" / "banking.report.json"
    assert paths.markdown == tmp_path / "data" / "banking.report.md"
    assert report_paths("sqlite:///relative/x.db", "x").json == Path("relative/x.report.json")


def test_the_verdict_needs_every_table_and_every_check(gate):
    sections = {t: table_section([_ok(t, "null_rates")], rows=1, written=True) for t in gate.tables}
    report = assemble(gate, "sqlite:///x", sections)
    assert report["approved"] and report["verdict"] == APPROVED and report["failures"] == []
    sections["transactions"] = table_section(
        [_bad("transactions", "orphan_fks")], rows=1, written=False
    )
    del sections["statement_lines"]
    report = assemble(gate, "sqlite:///x", sections)
    assert not report["approved"] and report["verdict"] == "not approved"
    assert report["failures"] == [
        "transactions_orphan_fks: orphans = 3 (bound 0)",
        "statement_lines: not validated (no checks have run on its current rows)",
    ]
    text = render_markdown(report)
    assert "**Verdict: FAIL, not approved for ML use.** 2 failure(s):" in text
    assert "| transactions_orphan_fks | orphans | 3 | 0 | FAIL |" in text
    assert "NOT written" in text


def test_an_error_is_reported_as_such(gate):
    broken = CheckResult("customers", "gx_suite", "great_expectations", error="TypeError: boom")
    sections = {t: table_section([_ok(t, "null_rates")], rows=1, written=True) for t in gate.tables}
    sections["customers"] = table_section([broken], rows=1, written=True)
    report = assemble(gate, "sqlite:///x", sections)
    assert report["failures"] == ["customers_gx_suite: ERROR: TypeError: boom"]
    assert (
        "| customers_gx_suite | (could not run) | TypeError: boom | | ERROR |"
        in render_markdown(report)
    )


def test_writing_a_table_drops_its_descendants_sections(gate, tmp_path):
    paths = report_paths(f"sqlite:///{tmp_path}/bank.sqlite", "banking")
    for table in gate.tables:
        update_report(
            paths,
            gate,
            "db",
            table,
            table_section([_ok(table, "null_rates")], rows=1, written=True),
        )
    assert json.loads(paths.json.read_text())["approved"] is True
    update_report(
        paths, gate, "db", "accounts", table_section([_ok("accounts", "x")], rows=1, written=True)
    )
    report = json.loads(paths.json.read_text())
    assert list(report["tables"]) == ["customers", "accounts"]  # the writer emptied the rest
    assert not report["approved"]
    # A failed table keeps its children's sections: nothing below it was touched.
    update_report(
        paths,
        gate,
        "db",
        "transactions",
        table_section([_ok("transactions", "x")], rows=1, written=True),
    )
    update_report(
        paths, gate, "db", "accounts", table_section([_bad("accounts", "x")], rows=1, written=False)
    )
    assert "transactions" in json.loads(paths.json.read_text())["tables"]


def test_validate_approves_a_healthy_database(gate, written, tmp_path):
    db = _copy(written, tmp_path)
    result = runner.invoke(app, ["validate", str(GATE), "--target", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert "PASS: approved for ML use" in result.output
    assert "transactions_cardinality" in result.output
    report = json.loads((tmp_path / "bank.report.json").read_text())
    assert report["approved"] is True
    assert set(report["tables"]) == set(gate.tables)
    assert (tmp_path / "bank.report.md").read_text().count("| PASS |") > 50


def test_validate_rejects_rows_broken_by_hand(written, tmp_path):
    db = _copy(written, tmp_path)
    with sqlite3.connect(db) as conn:  # foreign keys are off in a plain sqlite3 connection
        conn.execute(
            "INSERT INTO transactions VALUES ('TXN9999999999', 'ACC99999999', 'CUST000001', "
            "'2025-01-01', 10.0, 'debit', 0)"
        )
        # A composite orphan: account ACC00000001 has no statement 42.
        conn.execute("INSERT INTO statement_lines VALUES (999999, 'ACC00000001', 42, 1.5)")
        conn.execute(
            "UPDATE accounts SET opened_date = '2019-01-01' WHERE account_id = 'ACC00000002'"
        )
    result = runner.invoke(app, ["validate", str(GATE), "--target", f"sqlite:///{db}"])
    assert result.exit_code == 1, result.output
    assert "FAIL: not approved" in result.output
    report = json.loads((tmp_path / "bank.report.json").read_text())
    failing = {c["name"] for s in report["tables"].values() for c in s["checks"] if not c["passed"]}
    assert {"transactions_orphan_fks", "statement_lines_orphan_fks", "accounts_temporal"} <= failing
    orphan = next(
        c for c in report["tables"]["transactions"]["checks"] if c["rule"] == "orphan_fks"
    )
    assert orphan["samples"][0]["transaction_id"] == "TXN9999999999"


def test_validate_reports_a_wrong_dtype_in_the_database(written, tmp_path):
    db = _copy(written, tmp_path)
    with sqlite3.connect(db) as conn:  # SQLite keeps text in a NUMERIC column
        conn.execute("UPDATE transactions SET amount = 'twelve' WHERE rowid = 1")
    result = runner.invoke(app, ["validate", str(GATE), "--target", f"sqlite:///{db}"])
    assert result.exit_code == 1
    report = json.loads((tmp_path / "bank.report.json").read_text())
    checks = {c["rule"]: c for c in report["tables"]["transactions"]["checks"]}
    assert checks["pandera_schema"]["status"] == "FAIL"
    assert any(
        "amount: dtype('float64')" in m["subject"] for m in checks["pandera_schema"]["measurements"]
    )


def test_validate_says_bad_input_with_exit_code_2(tmp_path):
    bad_spec = tmp_path / "bad.yaml"
    bad_spec.write_text("tables: {t: {rows: 1, columns: {a: {type: nope}}}}")
    result = runner.invoke(
        app, ["validate", str(bad_spec), "--target", f"sqlite:///{tmp_path}/x.sqlite"]
    )
    assert result.exit_code == 2
    missing = tmp_path / "missing.sqlite"
    result = runner.invoke(app, ["validate", str(GATE), "--target", f"sqlite:///{missing}"])
    said = "".join(result.output.split())  # Rich wraps long paths anywhere
    assert result.exit_code == 2 and f"theSQLitefile{missing}doesnotexist" in said
    assert not missing.exists()  # validating never creates an empty database
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    result = runner.invoke(app, ["validate", str(GATE), "--target", f"sqlite:///{empty}"])
    assert result.exit_code == 2 and "has no table(s)" in result.output
