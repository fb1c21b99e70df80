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


def test_a_via_through_another_via_copies_the_first_parent():
    """payments.customer_id via card_id, whose customer_id is itself a via of account_id."""
    import pandas as pd

    from seed_assets.engine.run import iter_plan
    from seed_assets.spec.loader import spec_from_dict

    key = {"type": "integer", "sequence": True}
    ref = {"type": "integer"}

    def fks(parent: str, middle_fk: str | None = None) -> list:
        out = [{"columns": parent, "references": f"{parent[:-3]}s({parent})"}]
        out[0]["cardinality"] = "poisson(2, min=1)"
        if middle_fk:
            out.append(
                {"columns": "customer_id", "references": "customers(customer_id)", "via": parent}
            )
        return out

    data = {
        "name": "chain",
        "seed": 1,
        "tables": {
            "customers": {
                "rows": 30,
                "primary_key": "customer_id",
                "columns": {"customer_id": key},
            },
            "accounts": {
                "primary_key": "account_id",
                "columns": {"account_id": key, "customer_id": ref},
                "foreign_keys": fks("customer_id"),
            },
            "cards": {
                "primary_key": "card_id",
                "columns": {"card_id": key, "account_id": ref, "customer_id": ref},
                "foreign_keys": fks("account_id", "via"),
            },
            "payments": {
                "primary_key": "payment_id",
                "columns": {"payment_id": key, "card_id": ref, "customer_id": ref},
                "foreign_keys": fks("card_id", "via"),
            },
        },
    }
    frames = {
        step.name: pd.concat(list(step.chunks)) for step in iter_plan(spec_from_dict(data), seed=1)
    }
    cards = frames["cards"].merge(frames["accounts"], on="account_id", suffixes=("", "_a"))
    payments = frames["payments"].merge(frames["cards"], on="card_id", suffixes=("", "_c"))
    assert len(payments) == len(frames["payments"]) > 30
    assert (cards.customer_id == cards.customer_id_a).all()
    assert (payments.customer_id == payments.customer_id_c).all()


def test_postgres_partitioned_table_is_one_table_within_bounds(pg_url, tmp_path):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE customers (customer_id integer PRIMARY KEY, name text NOT NULL); "
            "CREATE TABLE payments (payment_id integer NOT NULL, customer_id integer NOT NULL "
            "REFERENCES customers, amount numeric(8,2) NOT NULL, paid_on date NOT NULL, "
            "PRIMARY KEY (payment_id, paid_on)) PARTITION BY RANGE (paid_on); "
            "CREATE TABLE payments_2024_01 PARTITION OF payments "
            "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01'); "
            "CREATE TABLE payments_2024_02 PARTITION OF payments "
            "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01'); "
            "CREATE TABLE refunds (refund_id integer NOT NULL, customer_id integer NOT NULL, "
            "note text) ; "
            "CREATE TABLE refunds_old (CHECK (refund_id < 1000000), FOREIGN KEY (customer_id) "
            "REFERENCES customers) INHERITS (refunds)"
        )
    engine.dispose()
    spec_path = tmp_path / "parts.yaml"
    result = runner.invoke(app, ["reflect", pg_url, "--out", str(spec_path)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(spec_path.read_text())
    # partitions and inheritance children fold into the parent, with the child's FKs
    assert set(data["tables"]) == {"customers", "payments", "refunds"}
    assert data["tables"]["refunds"]["foreign_keys"][0]["references"] == "customers(customer_id)"
    result = runner.invoke(app, ["generate", str(spec_path), "--target", pg_url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        jan, feb, total = conn.exec_driver_sql(
            "SELECT (SELECT COUNT(*) FROM payments_2024_01), "
            "(SELECT COUNT(*) FROM payments_2024_02), (SELECT COUNT(*) FROM payments)"
        ).one()
    engine.dispose()
    assert total > 0 and jan > 0 and feb > 0 and jan + feb == total


def test_mysql_range_partitions_keep_values_below_the_last_bound(mysql_url, tmp_path):
    engine = sa.create_engine(mysql_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (event_id integer NOT NULL, happened date NOT NULL, "
            "PRIMARY KEY (event_id, happened)) PARTITION BY RANGE COLUMNS (happened) ("
            "PARTITION p2022 VALUES LESS THAN ('2023-01-01'), "
            "PARTITION p2023 VALUES LESS THAN ('2024-01-01'))"
        )
    engine.dispose()
    spec_path = tmp_path / "events.yaml"
    result = runner.invoke(app, ["reflect", mysql_url, "--out", str(spec_path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["generate", str(spec_path), "--target", mysql_url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(mysql_url)
    with engine.connect() as conn:
        total, late = conn.exec_driver_sql(
            "SELECT COUNT(*), SUM(happened >= '2024-01-01') FROM events"
        ).one()
    engine.dispose()
    assert total == 200 and not late
