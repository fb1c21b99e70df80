"""Traps of real schemas, one small database each: generated columns, partial unique indexes,
pattern CHECKs (regex, LIKE, GLOB, in a domain too), multi-line CHECKs in review notes, review
notes with bracketed text, the SQLite CHECK filter used from the writer's thread."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app

runner = CliRunner()

SQLITE_DDL = """
CREATE TABLE codes (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CHECK (code GLOB '[A-Z][A-Z][A-Z]'),
    a INTEGER NOT NULL CHECK (a BETWEEN 1 AND 9),
    doubled INTEGER GENERATED ALWAYS AS (a * 2) STORED,
    deleted_at TEXT,
    note TEXT CHECK (note IS NULL OR
                     note LIKE 'N-%' OR
                     note LIKE 'M-%')
);
CREATE UNIQUE INDEX live_code ON codes (code) WHERE deleted_at IS NULL;
"""


def test_sqlite_traps_reflect_and_load(tmp_path, capfd):
    path = tmp_path / "traps.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(SQLITE_DDL)
    url = f"sqlite:///{path}"
    spec_path = tmp_path / "traps.yaml"
    result = runner.invoke(app, ["reflect", url, "--out", str(spec_path)])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "GLOB '[A-Z][A-Z][A-Z]'" in flat  # printed verbatim, markup not eaten
    assert "doubled: a generated column (stored" in flat
    text = spec_path.read_text()
    data = yaml.safe_load(text)  # the multi-line CHECK's note kept the YAML valid
    columns = data["tables"]["codes"]["columns"]
    assert "doubled" not in columns  # never written: the database computes it
    assert columns["code"]["faker"] == "regex" and columns["code"]["unique"] is True
    assert columns["note"]["faker"] == "regex"
    capfd.readouterr()
    result = runner.invoke(app, ["generate", str(spec_path), "--target", url])
    assert result.exit_code == 0, result.output
    captured = capfd.readouterr()
    for stream in (result.output, captured.out, captured.err):
        assert "Traceback" not in stream and "ProgrammingError" not in stream
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT code, a, doubled, note FROM codes").fetchall()
    assert len(rows) == 200  # a root table: every row kept
    assert all(doubled == 2 * a for _, a, doubled, _ in rows)
    assert len({code for code, *_ in rows}) == len(rows)
    assert all(note is None or note[:2] in ("N-", "M-") for *_, note in rows)


def test_postgres_regex_checks_give_matching_values(pg_url, tmp_path):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE currencies (currency_id integer PRIMARY KEY, "
            "iso text NOT NULL CHECK (iso ~ '^[A-Z]{3}$'), "
            "slug varchar(20) NOT NULL CHECK (slug ~ '^[a-z0-9_]{3,12}$'), "
            "total integer GENERATED ALWAYS AS (currency_id * 10) STORED)"
        )
    engine.dispose()
    spec_path = tmp_path / "cur.yaml"
    result = runner.invoke(app, ["reflect", pg_url, "--out", str(spec_path)])
    assert result.exit_code == 0, result.output
    assert "[a-z0-9_]{3,12}" in " ".join(result.output.split())  # verbatim
    result = runner.invoke(app, ["generate", str(spec_path), "--target", pg_url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        count, bad, wrong_total = conn.exec_driver_sql(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE iso !~ '^[A-Z]{3}$' OR slug !~ "
            "'^[a-z0-9_]{3,12}$'), COUNT(*) FILTER (WHERE total <> currency_id * 10) "
            "FROM currencies"
        ).one()
    engine.dispose()
    assert count == 20 and bad == 0 and wrong_total == 0  # a lookup table: every row kept
