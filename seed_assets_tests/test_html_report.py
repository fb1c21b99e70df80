"""The HTML report: one self-contained file beside the database, whose plots are measured on
the tables (children per parent, temporal gaps, rates) and whose checks match the JSON."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.engine.run import iter_spec
from seed_assets.reports.html import render_html
from seed_assets.reports.svg import nice_max
from seed_assets.sources.files import load_spec
from seed_assets.targets.base import Target
from seed_assets.validation.integrity import clipped_pmf

GATE = Path(__file__).parent / "specs" / "bank_gate.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def gate():
    return load_spec(GATE)


@pytest.fixture(scope="module")
def written(gate, tmp_path_factory) -> Path:
    """The gate spec generated straight into SQLite (no checks, no report)."""
    db = tmp_path_factory.mktemp("html") / "bank.sqlite"
    target = Target.for_url(f"sqlite:///{db}")
    try:
        for generator, chunks in iter_spec(gate):
            target.write_table(gate, generator.name, chunks, seed=gate.seed, scale=1.0)
    finally:
        target.dispose()
    return db


def _validated(written: Path, to: Path, damage: list[str] = ()) -> tuple[dict, str, str]:
    db = to / "bank.sqlite"
    db.write_bytes(written.read_bytes())
    with sqlite3.connect(db) as conn:
        for statement in damage:
            conn.execute(statement)
    result = runner.invoke(app, ["validate", str(GATE), "--target", f"sqlite:///{db}"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads((to / "bank.report.json").read_text())
    return report, (to / "bank.report.html").read_text(), result.output


@pytest.fixture(scope="module")
def healthy(written, tmp_path_factory):
    return _validated(written, tmp_path_factory.mktemp("healthy"))


def _profile(report: dict, table: str) -> dict:
    return report["tables"][table]["profile"]


def _fk(report: dict, table: str, parent: str) -> dict:
    return next(f for f in _profile(report, table)["fks"] if f["parent"] == parent)


def _fold(histogram: dict[int, int], bins: int) -> list[float]:
    out = [0.0] * bins
    for k, n in histogram.items():
        out[min(k, bins - 1)] += n
    return out


def test_html_is_one_self_contained_file_with_every_check_and_plot(gate, healthy):
    report, html, output = healthy
    assert "bank.report.html (plots)" in " ".join(output.split())
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script|<link|<img|\bsrc=|@import|url\(", html)
    assert set(re.findall(r"https?://[^\s\"']+", html)) == {"http://www.w3.org/2000/svg"}
    assert 'id="verdict">PASS: approved for ML use</div>' in html
    for section in report["tables"].values():
        for check in section["checks"]:
            assert f"<code>{check['name']}</code>" in html
    # One chart per FK, per temporal rule and per rate, plus rows per table.
    fks = sum(len(t.foreign_keys) for t in gate.tables.values())
    afters = sum(c.after is not None for t in gate.tables.values() for c in t.columns.values())
    rates = sum(c.rate is not None for t in gate.tables.values() for c in t.columns.values())
    assert html.count("<svg") == fks + afters + rates + 1
    assert "transactions.transaction_date − accounts.opened_date" in html
    assert "transactions.is_fraud: rate" in html
    assert html.count('class="badge fail"') == 0


def test_children_per_parent_are_counted_on_the_tables(gate, healthy, written):
    report, _, _ = healthy
    queries = {
        ("accounts", "customers"): "SELECT COUNT(a.account_id) FROM customers c "
        "LEFT JOIN accounts a ON a.customer_id = c.customer_id GROUP BY c.customer_id",
        ("statement_lines", "statements"): "SELECT COUNT(l.line_id) FROM statements s "
        "LEFT JOIN statement_lines l ON l.account_id = s.account_id "
        "AND l.statement_no = s.statement_no GROUP BY s.account_id, s.statement_no",
    }
    with sqlite3.connect(written) as conn:
        for (table, parent), query in queries.items():
            counts = [row[0] for row in conn.execute(query)]
            fk = _fk(report, table, parent)
            histogram = {k: counts.count(k) for k in set(counts)}
            assert fk["observed"] == _fold(histogram, len(fk["observed"]))
            assert fk["parents"] == len(counts) and fk["max"] == max(counts)
            # The spec's line: its pmf (clipped as generated) times the parents.
            dist = gate.tables[table].driving_fk.cardinality
            pmf = clipped_pmf(dist, 200)
            expected = [len(counts) * p for p in pmf[: len(fk["observed"]) - 1]]
            assert fk["expected"][:-1] == pytest.approx(expected, abs=0.01)
            assert sum(fk["expected"]) == pytest.approx(len(counts), rel=1e-3)


def test_temporal_gaps_are_measured_on_the_tables(healthy, written):
    report, _, _ = healthy
    with sqlite3.connect(written) as conn:
        gaps = np.array(
            [
                row[0]
                for row in conn.execute(
                    "SELECT julianday(t.transaction_date) - julianday(a.opened_date) "
                    "FROM transactions t JOIN accounts a ON a.account_id = t.account_id"
                )
            ]
        )
    gap = next(
        g for g in _profile(report, "transactions")["gaps"] if g["column"] == "transaction_date"
    )
    assert gap["after"] == "accounts.opened_date"
    assert gap["rows"] == len(gaps) and gap["negative"] == 0
    assert (gap["min"], gap["max"]) == (gaps.min(), gaps.max())
    assert gap["median"] == pytest.approx(np.median(gaps))
    edges = np.array(gap["edges"])
    counts, _ = np.histogram(np.clip(gaps, edges[0], edges[-1]), bins=edges)
    assert gap["observed"] == counts.tolist()
    # With a `gap` distribution the spec's histogram is drawn beside it: statements' uniform(1, 60).
    issued = _profile(report, "statements")["gaps"][0]
    assert issued["spec_gap"] == "uniform(low=1, high=60)"
    assert sum(issued["expected"]) == pytest.approx(sum(issued["observed"]), rel=1e-6)
    assert issued["min"] >= 1 and issued["max"] <= 60


def test_broken_rows_show_in_the_plots_and_the_verdict(written, tmp_path):
    report, html, _ = _validated(
        written,
        tmp_path,
        [
            "UPDATE transactions SET is_fraud = 1 WHERE rowid % 10 = 0",
            "UPDATE transactions SET transaction_date = '2001-01-01' WHERE rowid = 5",
        ],
    )
    assert not report["approved"]
    assert 'id="verdict">FAIL: not approved for ML use' in html
    rate = next(c for c in report["tables"]["transactions"]["checks"] if c["rule"] == "rare_events")
    measured = rate["measurements"][0]
    assert measured["status"] == "FAIL" and measured["value"] > measured["high"]
    assert 'transactions.is_fraud: rate <span class="badge fail">FAIL</span>' in html
    gap = _profile(report, "transactions")["gaps"][0]
    assert gap["negative"] == 1 and gap["min"] < 0
    assert "BEFORE accounts.opened_date: 1" in html


def test_generate_validate_writes_the_report_and_a_plain_rerun_forgets_it(tmp_path):
    db = tmp_path / "bank.sqlite"
    url = f"sqlite:///{db}"
    result = runner.invoke(app, ["generate", str(GATE), "--target", url, "--validate"])
    assert result.exit_code == 0, result.output
    assert "PASS: approved for ML use" in result.output
    assert json.loads((tmp_path / "bank.report.json").read_text())["approved"] is True
    # Rewritten without checks: the report no longer vouches for the rows.
    result = runner.invoke(
        app, ["generate", str(GATE), "--target", url, "--seed", "3", "--if-exists", "replace"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "bank.report.json").read_text())
    assert not report["approved"] and report["tables"] == {}
    assert "customers: not validated" in report["failures"][0]
    assert "FAIL: not approved" in (tmp_path / "bank.report.html").read_text()


def test_progress_bars_stay_out_of_logs(written, tmp_path):
    _, _, output = _validated(written, tmp_path)
    assert "rows/s" not in output and "0:00:" not in output  # no bars when not on a terminal


def test_text_from_the_data_is_escaped():
    report = {
        "spec": "s<b>",
        "spec_source": None,
        "database": "sqlite:///x",
        "updated_at": "now",
        "approved": False,
        "failures": ["t_rule: <script>alert(1)</script>"],
        "tables": {},
    }
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "s&lt;b&gt;" in html


@pytest.mark.parametrize(
    ("value", "top"),
    [(0, 1), (7, 8), (23, 24), (180, 200), (0.013, 0.016), (4.1e6, 5e6), (10.2e3, 12e3)],
)
def test_axis_maximum_is_round(value, top):
    assert nice_max(value) == pytest.approx(top)
