"""Literals in DDL: a spec's values inside CHECKs, comments and constants are rendered by the
same escaper as the INSERTs, so a hostile `choice` can neither run SQL nor break a load.

Hypothesis puts nasty text in every DDL position (a `choice` list, which becomes a CHECK; a
CHECK written in the spec; table and column comments) and loads the script through the real
clients (psql, mariadb in both quoting modes, sqlite3 -bail), then reads it back byte for byte.
"""

from __future__ import annotations

import os
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.engine.run import iter_plan
from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.representable import unfit
from seed_assets.targets.script import write_script
from seed_assets_tests.sqlclients import NO_BACKSLASH, load_script, loaded

runner = CliRunner()

# -- the injection the issue found -------------------------------------------------------------

# The NUL value last in the CHECK's list: sqlite3 used to drop the rest of that line, so the
# quote context shifted and the first row's value ran as SQL (dropping a table, committing).
HOSTILE_SPEC = """\
name: inj
seed: 1
tables:
  t:
    rows: 1
    primary_key: id
    columns:
      id: {type: integer, sequence: {start: 1}}
      v:
        type: string
        choice: {",x'))); DROP TABLE victim; COMMIT; --": 1.0, "z\\0": 0.0}
"""


def test_a_choice_value_cannot_inject_sql_into_a_sqlite_script(tmp_path):
    spec = tmp_path / "inj.yaml"
    spec.write_text(HOSTILE_SPEC)
    out = tmp_path / "inj.sql"
    result = runner.invoke(app, ["sql", str(spec), "--dialect", "sqlite", "--out", str(out)])
    assert result.exit_code == 0, result.output
    database = tmp_path / "user.sqlite"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE victim (x)")
        db.execute("INSERT INTO victim VALUES (1)")
    loaded(f"sqlite:///{database}", out)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT x FROM victim").fetchall() == [(1,)]
        assert db.execute("SELECT v FROM t").fetchall() == [
            (",x'))); DROP TABLE victim; COMMIT; --",)
        ]
        # The CHECK holds the NUL value whole: it accepts it and nothing cut short.
        db.execute("INSERT INTO t VALUES (2, 'z' || char(0))")
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO t VALUES (3, 'z')")


# -- refused before anything is written ----------------------------------------------------------

NUL_SPEC = """\
name: nul
tables:
  t:
    rows: 3
    primary_key: id
    columns:
      id: {type: integer, sequence: true}
      v: {type: string, choice: ["a\\0b", "c"]}
"""


def test_a_nul_for_postgresql_is_refused_at_check_time(tmp_path):
    spec = tmp_path / "nul.yaml"
    spec.write_text(NUL_SPEC)
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/x"  # never reached: refused before
    for command in (
        ["check", str(spec), "--dialect", "postgresql"],
        ["sql", str(spec), "--dialect", "postgresql", "--out", str(tmp_path / "x.sql")],
        ["generate", str(spec), "--target", nowhere],
    ):
        result = runner.invoke(app, command)
        message = " ".join(result.stderr.split())
        assert result.exit_code == 2, (command, result.output)
        assert "table 't', column 'v'" in message and "NUL" in message, message
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nul.yaml"]  # no script, no partial
    # The same spec fits SQLite and MySQL; a plain `check` says which dialect would refuse it.
    assert runner.invoke(app, ["check", str(spec), "--dialect", "sqlite"]).exit_code == 0
    assert runner.invoke(app, ["check", str(spec), "--dialect", "mysql"]).exit_code == 0
    plain = runner.invoke(app, ["check", str(spec)])
    assert plain.exit_code == 0 and "not for postgresql" in plain.stderr


def test_a_check_over_mariadb_size_limit_is_refused_naming_table_and_column(tmp_path):
    spec = tmp_path / "big.yaml"
    spec.write_text(NUL_SPEC.replace('"a\\0b"', '"' + "x" * 100_000 + '"'))
    result = runner.invoke(app, ["check", str(spec), "--dialect", "mysql"])
    message = " ".join(result.stderr.split())
    assert result.exit_code == 2 and "table 't', column 'v'" in message and "CHECK" in message
    assert runner.invoke(app, ["check", str(spec), "--dialect", "sqlite"]).exit_code == 0


def test_mysql_refuses_comments_it_would_mangle():
    spec = spec_from_dict(
        {
            "name": "c",
            "tables": {
                "t": {
                    "rows": 1,
                    "description": "smile 😀",
                    "columns": {
                        "id": {"type": "integer", "sequence": True, "description": "x" * 1025}
                    },
                }
            },
        }
    )
    problems = [str(p) for p in unfit(spec, "mysql")]
    assert len(problems) == 2 and "U+FFFF" in problems[0] and "1,024" in problems[1]
    assert unfit(spec, "postgresql") == [] and unfit(spec, "sqlite") == []


# -- round trips of nasty text in DDL positions, through the real clients ----------------------

EXAMPLES = settings(
    max_examples=int(os.environ.get("SQL_LITERAL_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Quotes, backslashes, CR/LF, NUL, Ctrl-Z, '%', comment starters, astral characters.
NASTY = st.sampled_from(["'", "''", "\\", "\\'", "\r", "\n", "\r\n", "\x00", "\x1a", "%", "%s",
                         "--", "/*", ";", '"', "`", "😀", "é", " "])  # fmt: skip


def nasty_text(dialect: str, *, bmp: bool = False):
    pieces = st.one_of(NASTY, st.text(max_size=3))
    text = st.lists(pieces, min_size=1, max_size=6).map("".join)
    if dialect == "postgresql":
        text = text.filter(lambda s: "\x00" not in s)
    if bmp:
        text = text.filter(lambda s: all(ord(c) <= 0xFFFF for c in s))
    return text.filter(lambda s: 0 < len(s) <= 60)


@st.composite
def ddl_case(draw, dialect: str):
    values = draw(st.lists(nasty_text(dialect), min_size=1, max_size=5, unique=True))
    if dialect == "mysql":  # the column's collation ignores case and trailing spaces
        keys = [v.lower().rstrip(" ") for v in values]
        values = [v for i, v in enumerate(values) if keys.index(keys[i]) == i]
    # (The engine's CHECK evaluation drops a trailing NUL, a NumPy fixed-width string trait:
    # a constant for a CHECK does not end with one here.)
    constant = draw(nasty_text(dialect).filter(lambda s: not s.endswith("\x00")))
    comment = draw(nasty_text(dialect, bmp=dialect == "mysql"))
    if dialect == "mysql":  # MariaDB cuts a table comment at a NUL: representable.py refuses it
        comment = comment.replace("\x00", "0") or "0"
    return values, constant, comment


def ddl_spec(values, constant, comment) -> dict:
    quoted = constant.replace("'", "''")
    return {
        "name": "ddl",
        "seed": 5,
        "tables": {
            "t": {
                "rows": 12,
                "primary_key": ["id"],
                "description": comment,
                "columns": {
                    "id": {"type": "integer", "sequence": {"start": 1}},
                    "v": {"type": "string", "length": 255, "choice": values},
                    "w": {
                        "type": "string",
                        "length": 255,
                        "constant": constant,
                        "description": comment,
                    },
                },
                "checks": [{"sql": f"w = '{quoted}'"}],
            }
        },
    }


def expected_rows(spec) -> pd.DataFrame:
    step = next(iter(iter_plan(spec, seed=spec.seed)))
    return pd.concat(list(step.chunks), ignore_index=True)


def round_trip(dialect: str, url: str, tmp_path, case, *, mysql_init: str | None = None):
    values, constant, comment = case
    spec = spec_from_dict(ddl_spec(values, constant, comment))
    assert unfit(spec, dialect) == []
    script = tmp_path / f"ddl.{dialect}.sql"
    with open(script, "w", encoding="utf-8", newline="") as stream:
        write_script(spec, dialect, stream)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS t")
        loaded(url, script, mysql_init=mysql_init)
        with engine.connect() as conn:
            got = conn.exec_driver_sql("SELECT id, v, w FROM t ORDER BY id").fetchall()
            inspector = sa.inspect(conn)
            comments = (
                (
                    inspector.get_table_comment("t")["text"],
                    {c["name"]: c.get("comment") for c in inspector.get_columns("t")}["w"],
                )
                if dialect != "sqlite"  # SQLite keeps no comments
                else (comment, comment)
            )
    finally:
        engine.dispose()
    want = expected_rows(spec)
    assert [(r[1], r[2]) for r in got] == list(zip(want["v"], want["w"], strict=True))
    assert {r[1] for r in got} <= set(values)
    assert comments == (comment, comment)
    # The CHECK from the choice list refuses a value outside it: it was not cut short.
    bad = load_script(url, _insert_script(tmp_path, dialect, constant), mysql_init=mysql_init)
    assert bad.returncode != 0


def _insert_script(tmp_path, dialect: str, constant: str):
    from seed_assets.targets.literal import sql_literal

    path = tmp_path / "bad.sql"
    row = f"INSERT INTO t (id, v, w) VALUES (999, 'not one of them', {sql_literal(dialect, constant)});\n"  # noqa: E501
    prefix = "SET NAMES utf8mb4;\n" if dialect == "mysql" else ""
    path.write_text(prefix + row, encoding="utf-8", newline="")
    return path


@EXAMPLES
@given(case=ddl_case("sqlite"))
def test_sqlite_ddl_round_trip(tmp_path, case):
    round_trip("sqlite", f"sqlite:///{tmp_path / 'ddl.sqlite'}", tmp_path, case)


@EXAMPLES
@given(case=ddl_case("postgresql"))
def test_postgresql_ddl_round_trip(pg_url, tmp_path, case):
    round_trip("postgresql", pg_url, tmp_path, case)


@EXAMPLES
@given(case=ddl_case("mysql"))
def test_mysql_ddl_round_trip(mysql_url, tmp_path, case):
    round_trip("mysql", mysql_url, tmp_path, case)


@EXAMPLES
@given(case=ddl_case("mysql"))
def test_mysql_ddl_round_trip_when_the_server_starts_without_backslash_escapes(
    mysql_url, tmp_path, case
):
    round_trip("mysql", mysql_url, tmp_path, case, mysql_init=NO_BACKSLASH)


def test_writer_is_right_when_the_server_starts_without_backslash_escapes(mysql_url, tmp_path):
    # SQLAlchemy reads the server's quoting mode once, at its first connection; the tool's
    # session mode is its own. The CHECK must hold the value the rows hold, byte for byte.
    values = ["a\\b", "c\\'d", "e\\\\", "nul\x00"]
    spec = tmp_path / "bs.yaml"
    data = ddl_spec(values, "k\\n", "why\\0")
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    url = mysql_url + "?init_command=" + "SET sql_mode='NO_BACKSLASH_ESCAPES'"
    result = runner.invoke(app, ["generate", str(spec), "--target", url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(mysql_url)
    with engine.connect() as conn:
        got = {r[0] for r in conn.exec_driver_sql("SELECT v FROM t")}
        w = {r[0] for r in conn.exec_driver_sql("SELECT w FROM t")}
        comment = sa.inspect(conn).get_table_comment("t")["text"]
    engine.dispose()
    assert got <= set(values) and got and w == {"k\\n"} and comment == "why\\0"


def test_dagster_refuses_a_nul_for_postgresql_before_writing(pg_url):
    from dagster import materialize

    from seed_assets.assets.tables import build_table_assets
    from seed_assets.resources import GenerationResource, TargetResource

    spec = spec_from_dict(yaml.safe_load(NUL_SPEC))
    result = materialize(
        build_table_assets(spec),
        resources={"target": TargetResource(url=pg_url), "generation": GenerationResource()},
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert "table 't', column 'v'" in message and "NUL" in message, message
    engine = sa.create_engine(pg_url)
    try:
        assert not sa.inspect(engine).has_table("t")  # nothing written
    finally:
        engine.dispose()
