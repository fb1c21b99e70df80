"""Literal SQL values: nasty values survive a script loaded by the real client of each dialect.

Each Hypothesis example is one script (DELETE, then multi-row INSERTs of many rows) loaded
with psql, mariadb or sqlite3, then read back with SQLAlchemy and compared value by value.
Columns come twice: Python objects (None for NULL) and the engine's NumPy/pandas dtypes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql

from seed_assets.errors import TargetError
from seed_assets.targets.literal import insert_statements, render_column, render_value
from seed_assets.targets.script import begin, preamble
from seed_assets_tests.sqlclients import loaded

UTC = dt.UTC
# The kinds the renderer is told, per test column.
KINDS = {
    "s": "text",
    "i": "bigint",
    "f": "float",
    "d": "decimal",
    "b": "boolean",
    "day": "date",
    "ts": "timestamp",
    "tz": "timestamp",
    "bin": "binary",
    "i64": "bigint",
    "f64": "float",
    "b_np": "boolean",
    "day64": "date",
    "ts64": "timestamp",
    "tz64": "timestamp",
}

MICRO_TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def nasty_table(dialect: str) -> sa.Table:
    """The columns under test; what a zone-aware value becomes depends on the column type."""
    zoned = {
        "postgresql": sa.DateTime(timezone=True),  # timestamptz keeps the instant
        "mysql": mysql.DATETIME(fsp=6),  # no zone: UTC wall time
        "sqlite": sa.Text(),  # text: read raw to see the +00:00 written out
    }[dialect]
    decimal_type = sa.Numeric(30, 10) if dialect != "sqlite" else sa.Float()
    types = {
        "s": sa.Text(),
        "i": sa.BigInteger(),
        "f": sa.Double(),
        "d": decimal_type,
        "b": sa.Boolean(),
        "day": sa.Date(),
        "ts": MICRO_TIMESTAMP,
        "tz": zoned,
        "bin": sa.LargeBinary(),
        "i64": sa.BigInteger(),
        "f64": sa.Double(),
        "b_np": sa.Boolean(),
        "day64": sa.Date(),
        "ts64": MICRO_TIMESTAMP,
        "tz64": zoned,
    }
    columns = [sa.Column(name, kind, nullable=True) for name, kind in types.items()]
    # `n` is AUTO_INCREMENT in MySQL: row 0 checks the script keeps a literal 0 as 0.
    return sa.Table("nasty", sa.MetaData(), sa.Column("n", sa.Integer, primary_key=True), *columns)


# -- strategies -------------------------------------------------------------------------------

NASTY = [*"'\"\\\n\r\t\x1a\x0b\x7f%_?$:;`-/*é😀𝄞\u0301\u200b\ufeff ", "\\'", "''", "\r\n"]


def texts(dialect: str):
    characters = st.characters(
        codec="utf-8", exclude_characters="\x00" if dialect == "postgresql" else ""
    )
    nasty = st.lists(st.sampled_from(NASTY + ([] if dialect == "postgresql" else ["\x00"])))
    return st.one_of(st.text(characters, max_size=30), nasty.map("".join))


def floats(dialect: str):
    # PostgreSQL stores NaN and ±Infinity; SQLite stores ±Infinity; MySQL neither.
    return st.floats(allow_nan=dialect == "postgresql", allow_infinity=dialect != "mysql")


def decimals(dialect: str):
    if dialect == "sqlite":  # NUMERIC affinity: a REAL, as `generate` stores decimals there
        return st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False)
    return st.decimals(min_value=-(10**19) + 1, max_value=10**19 - 1, places=10, allow_nan=False)


def offsets():
    minutes = st.integers(-14 * 60, 14 * 60)
    return minutes.map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


FIRST, LAST = dt.datetime(1000, 1, 2), dt.datetime(9999, 12, 30)  # MySQL's DATETIME range


def columns(dialect: str):
    def nullable(strategy):
        return st.one_of(st.none(), strategy)

    def column(strategy, size):
        return st.lists(strategy, min_size=size, max_size=size)

    naive = st.datetimes(min_value=FIRST, max_value=LAST)
    aware = st.datetimes(min_value=FIRST, max_value=LAST, timezones=offsets())
    dates = st.dates(min_value=FIRST.date(), max_value=LAST.date())

    @st.composite
    def draw(draw):
        size = draw(st.integers(1, 40))
        data = {
            "s": draw(column(nullable(texts(dialect)), size)),
            "i": draw(column(nullable(st.integers(-(2**63), 2**63 - 1)), size)),
            "f": draw(column(nullable(floats(dialect)), size)),
            "d": draw(column(nullable(decimals(dialect)), size)),
            "b": draw(column(nullable(st.booleans()), size)),
            "day": draw(column(nullable(dates), size)),
            "ts": draw(column(nullable(naive), size)),
            "tz": draw(column(nullable(aware), size)),
            "bin": draw(column(nullable(st.binary(max_size=20)), size)),
            "i64": draw(column(st.integers(-(2**63), 2**63 - 1), size)),
            "f64": draw(column(nullable(st.floats(allow_nan=False, allow_infinity=False)), size)),
            "b_np": draw(column(st.booleans(), size)),
            "day64": draw(column(nullable(dates), size)),
            "ts64": draw(column(nullable(naive), size)),
            "tz64": draw(column(nullable(aware), size)),
        }
        return data

    return draw()


def as_frame(data: dict[str, list]) -> pd.DataFrame:
    """Object columns as drawn, plus the engine's dtypes for the *64/_np columns."""
    frame = {name: pd.Series(values, dtype=object) for name, values in data.items()}
    frame["i64"] = pd.Series(np.array(data["i64"], dtype=np.int64))
    frame["f64"] = pd.Series([np.nan if v is None else v for v in data["f64"]], dtype=np.float64)
    frame["b_np"] = pd.Series(np.array(data["b_np"], dtype=bool))
    frame["day64"] = pd.Series(
        np.array([v or "NaT" for v in data["day64"]], dtype="datetime64[D]").astype("datetime64[s]")
    )
    frame["ts64"] = pd.Series(np.array([v or "NaT" for v in data["ts64"]], dtype="datetime64[us]"))
    utc = [v.astimezone(UTC).replace(tzinfo=None) if v else "NaT" for v in data["tz64"]]
    frame["tz64"] = (
        pd.Series(np.array(utc, dtype="datetime64[us]"))
        .dt.tz_localize("UTC")
        .dt.tz_convert(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    )
    return pd.DataFrame({"n": range(len(data["s"])), **frame})


# -- expectations -----------------------------------------------------------------------------


def expected(dialect: str, name: str, value):
    """What reading back through SQLAlchemy should give for `value` of column `name`."""
    if value is None:
        return None
    if name in ("tz", "tz64"):
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect == "mysql" else utc
    if name == "day64" or name == "day":
        return value
    if name == "d" and dialect == "sqlite":
        return float(value)
    return value


def same(left, right) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, decimal.Decimal | float):  # Decimal('1.50') == 1.5, 0.0 == -0.0
        return left == right
    return left == right and type(left) is type(right)


def round_trip(dialect: str, url: str, tmp_path, data: dict[str, list]) -> None:
    table = nasty_table(dialect)
    engine = sa.create_engine(url)
    try:
        table.create(engine, checkfirst=True)
        frame = as_frame(data)
        kinds = {"n": "integer", **KINDS}
        script = tmp_path / f"{dialect}.sql"
        with open(script, "w", encoding="utf-8", newline="") as out:
            for statement in preamble(dialect):
                out.write(statement + ";\n")
            out.write(f"{begin(dialect)};\nDELETE FROM nasty;\n")
            for statement in insert_statements(dialect, "nasty", frame, kinds, 7):
                out.write(statement + ";\n")
            out.write("COMMIT;\n")
        loaded(url, script)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.n)).mappings().all()
    finally:
        engine.dispose()
    assert len(rows) == len(data["s"])
    for row in rows:
        for name, values in data.items():
            want = expected(dialect, name, values[row["n"]])
            got = row[name]
            if name.startswith("day") and got is not None:
                got = got.date() if isinstance(got, dt.datetime) else got
            if name in ("bin",) and got is not None:
                got = bytes(got)
            if isinstance(got, str) and name.startswith("tz"):  # SQLite's text, offset and all
                assert got.endswith("+00:00"), got
                got = dt.datetime.fromisoformat(got)
            assert same(want, got), (name, row["n"], want, got)


# 30 examples per dialect keep the suite fast; SQL_LITERAL_EXAMPLES=300 for a deeper search.
HYPOTHESIS = settings(
    max_examples=int(os.environ.get("SQL_LITERAL_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPOTHESIS
@given(data=columns("sqlite"))
def test_sqlite_round_trip_of_nasty_values(tmp_path, data):
    round_trip("sqlite", f"sqlite:///{tmp_path / 'nasty.sqlite'}", tmp_path, data)


@HYPOTHESIS
@given(data=columns("postgresql"))
def test_postgresql_round_trip_of_nasty_values(pg_url, tmp_path, data):
    round_trip("postgresql", pg_url, tmp_path, data)


@HYPOTHESIS
@given(data=columns("mysql"))
def test_mysql_round_trip_of_nasty_values(mysql_url, tmp_path, data):
    round_trip("mysql", mysql_url, tmp_path, data)


# -- the text itself and the errors -------------------------------------------------------------


def test_each_dialect_writes_its_own_literals():
    assert render_value("postgresql", True, "boolean") == "TRUE"
    assert render_value("mysql", True, "boolean") == "1"
    assert render_value("sqlite", False, "boolean") == "0"
    assert render_value("mysql", "a\\b'c\x00", "text") == "'a\\\\b\\'c\\0'"
    assert render_value("postgresql", "a\\b'c", "text") == "'a\\b''c'"
    assert render_value("sqlite", "a\x00'", "text") == "('a' || char(0) || '''')"
    assert render_value("postgresql", float("nan"), "float") == "'NaN'::float8"
    assert render_value("postgresql", decimal.Decimal("1E+20"), "decimal") == (
        "100000000000000000000"
    )
    stamp = dt.datetime(2024, 1, 2, 8, 34, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    assert render_value("postgresql", stamp, "timestamp") == "'2024-01-02 03:04:05+00:00'"
    assert render_value("mysql", stamp, "timestamp") == "'2024-01-02 03:04:05'"
    assert render_column("postgresql", pd.Series([1e16, 5e-05, np.nan]), "decimal") == [
        "10000000000000000",
        "0.00005",
        "NULL",
    ]
    # SQLite misreads some decimal text: what it cannot read exactly goes as powers of two.
    assert render_column("sqlite", pd.Series([1234.56, 2.0**-60 * 3]), "float") == [
        "1234.56",
        "(3 * 1.0 / 1152921504606846976)",
    ]
    assert render_column("mysql", pd.Series([-(2**63), 2**63 - 1]), "bigint") == [
        "-9223372036854775808",
        "9223372036854775807",
    ]


def test_nul_into_postgresql_names_table_and_column():
    frame = pd.DataFrame({"note": ["fine", "bad\x00byte"]})
    with pytest.raises(TargetError) as caught:
        list(insert_statements("postgresql", "letters", frame, {"note": "text"}))
    message = str(caught.value)
    assert "table 'letters'" in message and "column 'note'" in message
    assert "NUL" in message and "PostgreSQL cannot store" in message


def test_nan_into_mysql_names_table_and_column():
    frame = pd.DataFrame({"ratio": pd.Series([1.5, float("nan")], dtype=object)})
    with pytest.raises(TargetError) as caught:
        list(insert_statements("mysql", "scores", frame, {"ratio": "float"}))
    message = str(caught.value)
    assert "table 'scores'" in message and "column 'ratio'" in message
    assert "NaN" in message and "MySQL/MariaDB cannot store it" in message


def test_unknown_dialect_lists_the_known_ones():
    with pytest.raises(TargetError, match=r"choose postgresql, mysql .* or sqlite"):
        render_value("oracle", 1, "integer")


def test_statements_split_by_rows_and_by_size():
    frame = pd.DataFrame({"n": range(10), "s": ["x" * 100] * 10})
    kinds = {"n": "integer", "s": "text"}
    by_rows = list(insert_statements("sqlite", "t", frame, kinds, 4))
    assert [s.count("\n(") for s in by_rows] == [4, 4, 2]
    by_size = list(insert_statements("sqlite", "t", frame, kinds, 10, max_statement_chars=350))
    assert [s.count("\n(") for s in by_size] == [3, 3, 3, 1]
    assert all(not s.endswith(";") for s in by_rows)
