"""`seed-assets sql`: a script that the real clients load into the same tables and rows as
`seed-assets generate`, in one transaction, refusing what a dialect cannot store."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.targets.script import MARKER, ddl_statements
from seed_assets_tests.conftest import BANKING
from seed_assets_tests.dbcompare import assert_same_tables, read_all
from seed_assets_tests.servers import reset_database
from seed_assets_tests.sqlclients import load_script, loaded

runner = CliRunner()
SMALL = ["--seed", "7", "--scale", "0.2"]


def write_script(tmp_path, dialect: str, *extra: str):
    out = tmp_path / f"banking.{dialect}.sql"
    result = runner.invoke(
        app, ["sql", str(BANKING), "--dialect", dialect, "--out", str(out), *SMALL, *extra]
    )
    assert result.exit_code == 0, result.output
    return out


def generate(url: str) -> None:
    result = runner.invoke(app, ["generate", str(BANKING), "--target", url, *SMALL])
    assert result.exit_code == 0, result.output


def statements(script) -> list[str]:
    return re.findall(r"^INSERT INTO .*?\);$", script.read_text(encoding="utf-8"), re.M | re.S)


# -- same tables and rows as `generate` ---------------------------------------------------------


def test_sqlite_script_equals_generate(banking, tmp_path):
    script = write_script(tmp_path, "sqlite")
    loaded_url = f"sqlite:///{tmp_path / 'script.sqlite'}"
    generated_url = f"sqlite:///{tmp_path / 'generated.sqlite'}"
    loaded(loaded_url, script)
    generate(generated_url)
    assert_same_tables(read_all(banking, loaded_url), read_all(banking, generated_url))
    # The same DDL, word for word, as the writer ran (its registry table aside).
    schema = "SELECT name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'seed%' ORDER BY name"
    with (
        sqlite3.connect(tmp_path / "script.sqlite") as mine,
        sqlite3.connect(tmp_path / "generated.sqlite") as theirs,
    ):
        assert mine.execute(schema).fetchall() == theirs.execute(schema).fetchall()
        assert mine.execute("PRAGMA foreign_key_check").fetchall() == []


def schema(spec, url: str) -> dict:
    """Columns (name, type, nullability) and named keys of every spec table."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            name: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                inspector.get_pk_constraint(name)["constrained_columns"],
                sorted(fk["name"] for fk in inspector.get_foreign_keys(name)),
                sorted(u["name"] for u in inspector.get_unique_constraints(name)),
            )
            for name in spec.tables
        }
    finally:
        engine.dispose()


def same_as_generate_on_server(banking, url: str, tmp_path, dialect: str) -> None:
    script = write_script(tmp_path, dialect)
    loaded(url, script)
    from_script, script_schema = read_all(banking, url), schema(banking, url)
    reset_database(url)
    generate(url)
    assert_same_tables(from_script, read_all(banking, url))
    assert script_schema == schema(banking, url)
    assert script_schema["transactions"][2]  # the FKs are there, named


def test_postgresql_script_equals_generate(banking, pg_url, tmp_path):
    same_as_generate_on_server(banking, pg_url, tmp_path, "postgresql")


def test_mysql_script_equals_generate(banking, mysql_url, tmp_path):
    same_as_generate_on_server(banking, mysql_url, tmp_path, "mysql")


# -- one transaction --------------------------------------------------------------------------


def test_failed_postgresql_load_leaves_nothing(pg_url, tmp_path):
    script = write_script(tmp_path, "postgresql")
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:  # the last table exists: its CREATE fails after three others
        conn.exec_driver_sql("CREATE TABLE invoices (x integer)")
    result = load_script(pg_url, script)
    assert result.returncode != 0 and 'relation "invoices" already exists' in result.stderr
    assert sa.inspect(engine).get_table_names() == ["invoices"]
    engine.dispose()


def test_failed_sqlite_load_leaves_nothing(tmp_path):
    script = write_script(tmp_path, "sqlite")
    path = tmp_path / "partial.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (x integer)")
    result = load_script(f"sqlite:///{path}", script)
    assert result.returncode != 0 and b"already exists" in result.stderr
    with sqlite3.connect(path) as db:
        tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == [("invoices",)]


def test_failed_mysql_load_rolls_back_every_row(banking, mysql_url, tmp_path):
    # MySQL commits DDL at once, so the tables exist first; the rows go in one transaction.
    engine = sa.create_engine(mysql_url)
    with engine.begin() as conn:
        cursor = conn.connection.cursor()  # no parameters: a '%' in the DDL stays a '%'
        for statement in ddl_statements(banking, "mysql"):
            cursor.execute(statement)
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        cursor.execute("INSERT INTO invoices VALUES ('INV0000000001', 'T', 'A', '2024-01-01', 1)")
    script = write_script(tmp_path, "mysql", "--no-ddl")
    result = load_script(mysql_url, script)
    assert result.returncode != 0 and b"Duplicate entry 'INV0000000001'" in result.stderr
    with engine.connect() as conn:
        counts = {
            name: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {name}").scalar_one()
            for name in ("customers", "accounts", "transactions", "invoices")
        }
    engine.dispose()
    assert counts == {"customers": 0, "accounts": 0, "transactions": 0, "invoices": 1}


# -- the command ------------------------------------------------------------------------------


def test_script_goes_to_stdout_and_the_summary_to_stderr():
    result = runner.invoke(app, ["sql", str(BANKING), "--dialect", "sqlite", "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(MARKER) and result.stdout.endswith("COMMIT;\n")
    assert result.stdout.count("CREATE TABLE") == 4
    assert "Wrote a sqlite script of banking" in result.stderr
    assert "Wrote" not in result.stdout


def test_rows_per_insert_and_no_ddl(tmp_path):
    script = write_script(tmp_path, "postgresql", "--no-ddl", "--rows-per-insert", "40")
    text = script.read_text(encoding="utf-8")
    assert "CREATE TABLE" not in text and "BEGIN;" in text
    rows = [s.count("\n(") for s in statements(script)]
    assert max(rows) == 40 and sum(rows) > 40 * 10
    assert "?" not in text and "%s" not in text  # literals, never placeholders


def test_bad_dialect_exits_2_with_the_choices(tmp_path):
    out = tmp_path / "x.sql"
    result = runner.invoke(app, ["sql", str(BANKING), "--dialect", "oracle", "--out", str(out)])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "unknown SQL dialect 'oracle'" in message and "postgresql, mysql" in message
    assert not out.exists()


def test_nul_into_postgresql_exits_2_and_leaves_no_file(tmp_path):
    spec = tmp_path / "notes.yaml"
    spec.write_text(
        "name: notes\n"
        "tables:\n"
        "  notes:\n"
        "    rows: 3\n"
        "    primary_key: id\n"
        "    columns:\n"
        "      id: {type: integer, sequence: true}\n"
        '      body: {type: text, constant: "a\\0b"}\n'
    )
    out = tmp_path / "notes.sql"
    result = runner.invoke(app, ["sql", str(spec), "--dialect", "postgresql", "--out", str(out)])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "table 'notes'" in message and "column 'body'" in message
    assert "PostgreSQL cannot store" in message
    assert list(tmp_path.iterdir()) == [spec]  # neither the script nor a partial one
    mysql = runner.invoke(app, ["sql", str(spec), "--dialect", "mysql", "--out", str(out)])
    assert mysql.exit_code == 0 and "'a\\0b'" in out.read_text(encoding="utf-8")


def test_out_replaces_only_its_own_scripts(tmp_path):
    theirs = tmp_path / "theirs.sql"
    theirs.write_text("SELECT 'precious';\n")
    result = runner.invoke(app, ["sql", str(BANKING), "--dialect", "sqlite", "--out", str(theirs)])
    assert result.exit_code == 2 and "refusing to overwrite" in " ".join(result.stderr.split())
    assert theirs.read_text() == "SELECT 'precious';\n"
    ours = write_script(tmp_path, "sqlite")
    first = ours.read_text(encoding="utf-8")
    again = write_script(tmp_path, "sqlite")  # the same file: ours, so replaced
    assert again.read_text(encoding="utf-8") == first


# -- FK cycles: nullable (insert NULL, then UPDATE) and NOT NULL (checks deferred) ---------------

CYCLES = [BANKING.parent.parent.parent / "seed_assets_tests" / "specs" / f for f in (
    "hr_cycle.yaml", "league_cycle.yaml")]  # fmt: skip


@pytest.mark.parametrize("spec_path", CYCLES, ids=lambda p: p.stem)
def test_cycle_scripts_equal_generate(spec_path, any_url, tmp_path):
    from seed_assets.sources.files import load_spec

    spec = load_spec(spec_path)
    dialect = sa.make_url(any_url).get_backend_name()
    out = tmp_path / "cycle.sql"
    result = runner.invoke(
        app, ["sql", str(spec_path), "--dialect", dialect, "--out", str(out), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    loaded(any_url, out)
    from_script = read_all(spec, any_url)
    generated = f"sqlite:///{tmp_path / 'generated.sqlite'}"
    result = runner.invoke(app, ["generate", str(spec_path), "--target", generated, "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert_same_tables(from_script, read_all(spec, generated))
