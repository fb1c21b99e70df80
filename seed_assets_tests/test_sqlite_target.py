"""Writing to SQLite: constraints declared, re-runs replace, other people's data is safe."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from seed_assets.engine.run import generate_all, iter_spec
from seed_assets.errors import TargetError
from seed_assets.spec.loader import spec_from_dict
from seed_assets.sql.target import Target, mask_url


def write_all(spec, url, **kwargs) -> Target:
    target = Target.for_url(url)
    for generator, chunks in iter_spec(spec, **kwargs):
        target.write_table(spec, generator.name, chunks, seed=generator.seed, scale=generator.scale)
    return target


def database_path(url: str) -> str:
    return sa.make_url(url).database


def test_round_trip_equals_generated_frames(banking, sqlite_url):
    target = write_all(banking, sqlite_url)
    expected = generate_all(banking)
    for name, frame in expected.items():
        back = target.read_columns(banking, name, list(frame.columns))
        pd.testing.assert_frame_equal(back, frame, check_exact=True)


def test_schema_declares_keys_and_constraints(banking, sqlite_url):
    write_all(banking, sqlite_url)
    inspector = sa.inspect(sa.create_engine(sqlite_url))
    assert inspector.get_pk_constraint("accounts")["constrained_columns"] == ["account_id"]
    fks = {
        tuple(fk["constrained_columns"]): fk["referred_table"]
        for fk in inspector.get_foreign_keys("transactions")
    }
    assert fks == {("account_id",): "accounts", ("customer_id",): "customers"}
    unique = inspector.get_unique_constraints("customers")
    assert [u["column_names"] for u in unique] == [["email"]]
    columns = {c["name"]: c for c in inspector.get_columns("customers")}
    assert columns["email"]["nullable"] is False
    with sqlite3.connect(database_path(sqlite_url)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute(
                "INSERT INTO accounts VALUES ('ACC99999999', 'NOBODY', 'loan', '2024-01-01', 1)"
            )
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(
                "INSERT INTO accounts VALUES ('ACC99999999', 'CUST000001', 'gold', '2024-01-01', 1)"
            )


def test_rerun_replaces_its_own_tables(banking, sqlite_url):
    target = write_all(banking, sqlite_url)
    first = target.row_counts(banking.tables)
    write_all(banking, sqlite_url, seed=99)
    second = target.row_counts(banking.tables)
    assert second["customers"] == first["customers"] == 1000
    assert second["accounts"] != first["accounts"]  # other seed, other cardinalities
    status = target.status()
    assert {status[t].status for t in banking.tables} == {"complete"}
    assert status["accounts"].seed == 99
    assert status["accounts"].row_count == second["accounts"]


def test_replacing_a_parent_empties_its_descendants(banking, sqlite_url):
    target = write_all(banking, sqlite_url)
    generator = next(iter_spec(banking, seed=5))[0]
    target.write_table(banking, "customers", generator.frames(), seed=5, scale=1.0)
    counts = target.row_counts(banking.tables)
    assert counts == {"customers": 1000, "accounts": 0, "transactions": 0, "invoices": 0}
    status = target.status()
    assert status["accounts"].status == "cleared" and status["customers"].status == "complete"


def test_refuses_to_overwrite_a_users_table(banking, sqlite_url):
    with sqlite3.connect(database_path(sqlite_url)) as conn:
        conn.execute("CREATE TABLE customers (customer_id TEXT PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO customers VALUES ('mine', 'keep me')")
    with pytest.raises(TargetError, match=r"'customers' .* already holds rows .*not this tool"):
        write_all(banking, sqlite_url)
    with sqlite3.connect(database_path(sqlite_url)) as conn:
        assert conn.execute("SELECT * FROM customers").fetchall() == [("mine", "keep me")]


def test_fills_a_users_empty_table_without_dropping_it(banking, sqlite_url):
    with sqlite3.connect(database_path(sqlite_url)) as conn:
        conn.execute(
            "CREATE TABLE customers (customer_id TEXT PRIMARY KEY, name TEXT, email TEXT, "
            "registration_date TEXT, segment TEXT, loyalty INTEGER DEFAULT 7)"
        )
    target = write_all(banking, sqlite_url)
    with sqlite3.connect(database_path(sqlite_url)) as conn:
        assert conn.execute("SELECT COUNT(*), MIN(loyalty) FROM customers").fetchone() == (1000, 7)
    assert target.status()["customers"].created_by_tool is False
    write_all(banking, sqlite_url)  # the same spec may refill it, still without dropping it
    with sqlite3.connect(database_path(sqlite_url)) as conn:
        assert conn.execute("SELECT MIN(loyalty) FROM customers").fetchone() == (7,)


def test_a_failed_write_leaves_the_previous_table(banking, sqlite_url):
    target = write_all(banking, sqlite_url)
    before = target.read_columns(banking, "customers", ["customer_id", "name"])

    def failing():
        generator = next(iter_spec(banking, seed=3))[0]
        yield next(generator.frames()).iloc[:10]
        raise KeyboardInterrupt  # Ctrl+C in the middle of the table

    with pytest.raises(KeyboardInterrupt):
        target.write_table(banking, "customers", failing(), seed=3, scale=1.0)
    after = target.read_columns(banking, "customers", ["customer_id", "name"])
    pd.testing.assert_frame_equal(after, before)
    assert target.row_counts(["accounts"]) == {"accounts": 1983}  # descendants untouched too
    assert target.status()["customers"].seed == banking.seed


def test_a_changed_spec_recreates_the_tables_it_owns(banking, sqlite_url):
    write_all(banking, sqlite_url)
    data = banking.model_dump(exclude_unset=True, by_alias=True)
    data["tables"]["invoices"]["columns"]["memo"] = {"type": "string", "constant": "n/a"}
    changed = spec_from_dict(data)
    write_all(changed, sqlite_url)
    columns = [c["name"] for c in sa.inspect(sa.create_engine(sqlite_url)).get_columns("invoices")]
    assert columns[-1] == "memo"


def test_nulls_round_trip(shop, sqlite_url):
    target = write_all(shop, sqlite_url)
    back = target.read_columns(shop, "categories", ["category_id", "parent_id"])
    generated = generate_all(shop)["categories"][["category_id", "parent_id"]]
    pd.testing.assert_frame_equal(back, generated)
    assert back["parent_id"].isna().any()


def test_unknown_dialect_is_a_clear_error():
    with pytest.raises(TargetError, match="writer is not available yet"):
        Target.for_url("oracle+oracledb://u:secret@h/db")


def test_password_never_shown():
    assert "secret" not in mask_url("postgresql+psycopg://user:secret@localhost/db")
    assert "***" in mask_url("postgresql+psycopg://user:secret@localhost/db")
    with pytest.raises(TargetError) as info:
        Target.for_url("mssql+pyodbc://user:hunter2@host/db")
    assert "hunter2" not in str(info.value)
