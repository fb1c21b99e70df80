"""Spec types real schemas need: small and unsigned integers, char, uuid, json, timestamptz,
enums, identity, defaults, domains and table CHECKs; the CHECK parser and the engine keeping
CHECKs and composite keys."""

from __future__ import annotations

import json
import re
import uuid

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from seed_assets.engine.constraints import FALSE, UNKNOWN, evaluate
from seed_assets.engine.run import generate_all
from seed_assets.engine.table import TableGenerator
from seed_assets.errors import SpecError
from seed_assets.spec import checks as ck
from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.ddl import build_metadata

DIALECTS = {
    "postgresql": postgresql.dialect(),
    "mysql": mysql.dialect(),
    "sqlite": sqlite.dialect(),
}


def _spec(columns: dict, *, rows: int = 400, checks=None, **table) -> object:
    body = {"rows": rows, "columns": columns, **table}
    if checks is not None:
        body["checks"] = checks
    return spec_from_dict({"name": "types", "seed": 3, "tables": {"t": body}})


def _ddl(spec, dialect: str) -> str:
    table = build_metadata(spec).tables["t"]
    return str(sa.schema.CreateTable(table).compile(dialect=DIALECTS[dialect]))


# -- new types -------------------------------------------------------------------------------


def test_uuid_columns_are_random_v4_text_and_reproducible():
    spec = _spec({"id": {"type": "uuid"}}, primary_key="id")
    first = generate_all(spec)["t"]["id"]
    again = generate_all(spec)["t"]["id"]
    assert first.tolist() == again.tolist()
    assert first.is_unique
    parsed = [uuid.UUID(v) for v in first]
    assert {p.version for p in parsed} == {4}
    assert all(str(p) == v for p, v in zip(parsed, first, strict=True))
    assert "UUID" in _ddl(spec, "postgresql")
    assert "CHAR(36)" in _ddl(spec, "mysql")


def test_json_columns_are_small_objects_or_a_constant():
    spec = _spec(
        {"a": {"type": "json"}, "b": {"type": "json", "constant": {"k": [1, 2]}}},
        rows=50,
    )
    frame = generate_all(spec)["t"]
    objects = [json.loads(v) for v in frame["a"]]
    assert all(isinstance(o, dict) and set(o) == {"n", "ok"} for o in objects)
    assert len({o["n"] for o in objects}) > 10  # drawn, not constant
    assert set(frame["b"]) == {'{"k":[1,2]}'}
    assert "JSONB" in _ddl(spec, "postgresql")
    assert "JSON" in _ddl(spec, "mysql")


def test_json_rejects_a_numeric_source():
    with pytest.raises(SpecError, match="a json column takes a `constant`, a `choice`"):
        _spec({"a": {"type": "json", "distribution": "uniform(1, 2)"}})


def test_integers_stay_inside_their_type_and_sign():
    spec = _spec(
        {
            "tiny": {"type": "tinyint", "unsigned": True, "distribution": "normal(200, 100)"},
            "small": {"type": "smallint", "distribution": "normal(0, 90000)"},
            "plain": {"type": "integer", "unsigned": True, "distribution": "normal(0, 10)"},
        },
        rows=2000,
    )
    frame = generate_all(spec)["t"]
    assert frame["tiny"].between(0, 255).all() and frame["tiny"].max() == 255
    assert frame["small"].between(-32768, 32767).all() and frame["small"].min() == -32768
    assert frame["plain"].min() == 0
    ddl = _ddl(spec, "mysql")
    assert "tiny TINYINT UNSIGNED" in ddl and "plain INTEGER UNSIGNED" in ddl
    assert "tiny SMALLINT" in _ddl(spec, "postgresql")  # PostgreSQL has no TINYINT


def test_unsigned_is_for_integers():
    with pytest.raises(SpecError, match="`unsigned` applies to integer types, not float"):
        _spec({"x": {"type": "float", "unsigned": True, "distribution": "uniform(0, 1)"}})


def test_decimals_stay_within_their_precision():
    spec = _spec(
        {"p": {"type": "decimal", "precision": 5, "scale": 2, "distribution": "lognormal(9, 1)"}},
        rows=500,
    )
    prices = generate_all(spec)["t"]["p"]
    assert prices.max() == pytest.approx(999.99)
    assert (prices <= 999.99).all()


def test_an_integer_range_beyond_its_type_is_refused_at_load():
    """Not clipped (every value would be the type's largest): refused, naming the bound."""
    with pytest.raises(SpecError, match=r"high \(1000\) is outside the tinyint range"):
        _spec({"t": {"type": "tinyint", "distribution": "uniform(0, 1000)"}})
    with pytest.raises(SpecError, match=r"low \(-90000\) is outside the smallint range"):
        _spec({"s": {"type": "smallint", "distribution": "uniform(-90000, 5)"}})


def test_a_sequence_that_outgrows_its_type_is_an_error():
    with pytest.raises(SpecError, match=r"would overflow.*past the largest tinyint"):
        _spec({"n": {"type": "tinyint", "sequence": True}}, rows=300)
    # A bigint does not wrap to negative numbers: refused too.
    with pytest.raises(SpecError, match=r"would overflow.*past the largest bigint"):
        _spec({"n": {"type": "bigint", "sequence": {"start": 2**63 - 5}}}, rows=10)


def test_a_formatted_sequence_longer_than_the_column_is_an_error():
    with pytest.raises(SpecError, match=r"reaches 'D1200'.*longer than the column"):
        _spec({"k": {"type": "char", "length": 4, "sequence": "D{:03d}"}}, rows=1200)


def test_unique_faker_values_fit_a_short_column_even_beyond_the_pool():
    spec = _spec(
        {"w": {"type": "string", "length": 8, "faker": "word", "unique": True, "pool_size": 50}},
        rows=3000,
    )
    words = generate_all(spec)["t"]["w"]
    assert words.is_unique
    assert words.str.len().max() <= 8


def test_char_choice_longer_than_the_column_is_refused():
    with pytest.raises(SpecError, match="longer than the column"):
        _spec({"c": {"type": "char", "length": 2, "choice": ["ok", "toolong"]}})


def test_timestamptz_is_a_timestamp_with_time_zone():
    spec = _spec({"at": {"type": "timestamptz", "between": ["2021-01-01", "2021-02-01"]}})
    frame = generate_all(spec)["t"]
    assert frame["at"].dtype == "datetime64[s]"
    assert "TIMESTAMP WITH TIME ZONE" in _ddl(spec, "postgresql")


def test_enum_emits_each_dialects_type():
    spec = _spec(
        {
            "status": {
                "type": "string",
                "length": 10,
                "choice": ["new", "paid"],
                "enum": "order_status",
            },
            "g": {"type": "char", "length": 1, "choice": ["M", "F"], "enum": True},
        }
    )
    assert "status order_status NOT NULL" in _ddl(spec, "postgresql")
    assert "g t_g NOT NULL" in _ddl(spec, "postgresql")
    assert "status ENUM('new','paid')" in _ddl(spec, "mysql")
    sqlite_ddl = _ddl(spec, "sqlite")
    assert "status VARCHAR(10)" in sqlite_ddl and "IN ('new', 'paid')" in sqlite_ddl


def test_enum_needs_a_choice():
    with pytest.raises(SpecError, match="`enum` declares the `choice` values"):
        _spec({"s": {"type": "string", "faker": "word", "enum": True}})


def test_identity_columns_are_numbered_by_a_sequence():
    spec = _spec(
        {"id": {"type": "bigint", "sequence": {"start": 10}, "identity": "always"}},
        primary_key="id",
        rows=5,
    )
    assert generate_all(spec)["t"]["id"].tolist() == [10, 11, 12, 13, 14]
    assert "GENERATED ALWAYS AS IDENTITY (START WITH 10)" in _ddl(spec, "postgresql")
    assert "AUTO_INCREMENT" in _ddl(spec, "mysql")
    with pytest.raises(SpecError, match="identity column is an integer filled by a `sequence`"):
        _spec({"id": {"type": "bigint", "identity": "always", "distribution": "uniform(1, 9)"}})


def test_server_default_and_sql_type_are_emitted_verbatim():
    spec = _spec(
        {
            "flag": {"type": "boolean", "rate": 0.5, "server_default": "false"},
            "day": {"type": "date", "between": ["2020-01-01", "2020-12-31"], "sql_type": "TEXT"},
        }
    )
    ddl = _ddl(spec, "sqlite")
    assert "flag BOOLEAN DEFAULT false NOT NULL" in ddl  # SQLite reads TRUE/FALSE as 1/0
    assert "day TEXT NOT NULL" in ddl
    assert "flag BOOLEAN DEFAULT false NOT NULL" in _ddl(spec, "postgresql")


def test_a_mysql_boolean_default_of_one_is_true_in_postgresql():
    spec = _spec({"flag": {"type": "boolean", "rate": 0.5, "server_default": "'1'"}})
    assert "flag BOOLEAN DEFAULT true NOT NULL" in _ddl(spec, "postgresql")
    assert "flag BOOLEAN DEFAULT '1' NOT NULL" in _ddl(spec, "sqlite")


def test_a_domain_check_is_kept_and_honoured():
    spec = _spec(
        {
            "n": {
                "type": "integer",
                "distribution": "uniform(-50, 50)",
                "domain": {"name": "positive", "check": "VALUE > 0"},
            }
        }
    )
    assert (generate_all(spec)["t"]["n"] > 0).all()
    assert "n positive NOT NULL" in _ddl(spec, "postgresql")
    assert "n INTEGER NOT NULL" in _ddl(spec, "sqlite")


# -- CHECK parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "rendered"),
    [
        ("rating >= 1 AND rating <= 5", "rating >= 1 AND rating <= 5"),
        ("price > 0::numeric", "price > 0"),
        ("((quantity >= 1) AND (quantity <= 100))", "quantity >= 1 AND quantity <= 100"),
        ("`hire_date` > `birth_date`", "hire_date > birth_date"),
        ('"from" < "to"', "from < to"),
        ("qty BETWEEN 1 AND 100", "qty BETWEEN 1 AND 100"),
        ("segment IN ('retail', 'sme')", "segment IN ('retail', 'sme')"),
        (
            "(status)::text = ANY ((ARRAY['a'::character varying, 'b'::varchar])::text[])",
            "status IN ('a', 'b')",
        ),
        (
            "shipped_at IS NULL OR shipped_at >= placed_at",
            "shipped_at IS NULL OR shipped_at >= placed_at",
        ),
        ("NOT (x IN (1, 2))", "NOT (x IN (1, 2))"),
        ("d >= '2020-01-01'::date", "d >= '2020-01-01'"),
        ("CAST(x AS numeric(10,2)) <> -1.5", "x <> -1.5"),
    ],
)
def test_understood_check_forms(sql, rendered):
    assert ck.render(ck.parse(sql)) == rendered


@pytest.mark.parametrize(
    "sql",
    ["length(name) > 2", "a + 1 > b", "json_valid(`doc`)", "name LIKE 'A%'", "x ~ '^[0-9]+$'"],
)
def test_other_forms_are_not_understood(sql):
    assert ck.understand(sql, ("name", "a", "b", "doc", "x")) is None


def test_a_check_on_an_unknown_name_is_left_to_the_database():
    assert ck.understand("d <= current_date", ("d",)) is None
    assert ck.understand("D >= 1", ("d",)) == ck.Compare(ck.Column("d"), ">=", ck.Literal(1))


def test_checks_follow_sql_null_logic():
    spec = _spec(
        {
            "a": {"type": "integer", "distribution": "uniform(0, 9)"},
            "b": {"type": "integer", "distribution": "uniform(0, 9)", "null_fraction": 0.5},
        }
    )
    table = spec.tables["t"]
    cols = {"a": np.array([5, 5, 1]), "b": np.array([None, 3, 2], dtype=object)}
    node = ck.parse("a > b")
    assert evaluate(node, cols, table, 3).tolist() == [UNKNOWN, 2, FALSE]
    guarded = ck.parse("b IS NULL OR a > b")
    assert evaluate(guarded, cols, table, 3).tolist() == [2, 2, FALSE]


# -- CHECKs and keys while generating ----------------------------------------------------------


def test_understood_checks_are_repaired_not_just_filtered():
    spec = _spec(
        {
            "q": {"type": "integer", "distribution": "uniform(-20, 300)"},
            "price": {"type": "decimal", "scale": 2, "distribution": "normal(0, 5)"},
            "kind": {"type": "string", "length": 5, "faker": "word"},
            "start": {"type": "date", "between": ["2020-01-01", "2020-12-31"]},
            "stop": {"type": "date", "between": ["2020-01-01", "2020-12-31"], "null_fraction": 0.2},
        },
        rows=3000,
        checks=[
            "q BETWEEN 1 AND 100",
            "price > 0",
            "kind IN ('a', 'b', 'c')",
            {"name": "dates", "sql": "stop IS NULL OR stop > start"},
        ],
    )
    frame = generate_all(spec)["t"]
    assert len(frame) == 3000  # repaired, nothing dropped
    assert frame["q"].between(1, 100).all() and frame["q"].nunique() == 100
    assert (frame["price"] >= 0.01).all()
    assert set(frame["kind"]) == {"a", "b", "c"}
    stop = frame["stop"].dropna()
    assert (stop > frame.loc[stop.index, "start"]).all()
    assert frame["stop"].isna().mean() == pytest.approx(0.2, abs=0.04)


def test_rows_breaking_a_check_on_a_key_are_dropped():
    spec = _spec(
        {"id": {"type": "integer", "sequence": True}, "v": {"type": "integer", "constant": 1}},
        primary_key="id",
        rows=100,
        checks=["id <= 60"],
    )
    frame = generate_all(spec)["t"]
    assert frame["id"].tolist() == list(range(1, 61))


def test_composite_keys_never_repeat():
    spec = spec_from_dict(
        {
            "name": "keys",
            "seed": 1,
            "tables": {
                "p": {
                    "rows": 300,
                    "primary_key": "id",
                    "columns": {"id": {"type": "integer", "sequence": True}},
                },
                "c": {
                    "primary_key": ["p_id", "day"],
                    "columns": {
                        "p_id": {"type": "integer"},
                        "day": {"type": "date", "between": ["2020-01-01", "2020-01-05"]},
                    },
                    "foreign_keys": [
                        {"columns": "p_id", "references": "p(id)", "cardinality": "poisson(4)"}
                    ],
                },
            },
        }
    )
    child = generate_all(spec)["c"]
    assert not child.duplicated(["p_id", "day"]).any()
    assert len(child) > 600  # duplicates dropped, not whole parents


def test_a_key_that_could_repeat_across_chunks_is_refused():
    spec = spec_from_dict(
        {
            "name": "keys",
            "chunk_rows": 10,
            "tables": {
                "t": {
                    "rows": 50,
                    "columns": {
                        "a": {"type": "integer", "distribution": "uniform(1, 3)"},
                        "b": {"type": "integer", "distribution": "uniform(1, 3)"},
                    },
                    "unique": [["a", "b"]],
                }
            },
        }
    )
    with pytest.raises(SpecError, match=r"the key \(a, b\) spans 5 chunks"):
        TableGenerator(spec, "t")


def test_a_row_filter_drops_rows_and_children_never_see_them():
    spec = spec_from_dict(
        {
            "name": "filtered",
            "tables": {
                "p": {
                    "rows": 100,
                    "primary_key": "id",
                    # A CHECK the engine does not understand: the row filter (the database, in
                    # a run) judges it.
                    "checks": ["mod(id, 2) = 1"],
                    "columns": {"id": {"type": "integer", "sequence": True}},
                },
                "c": {
                    "columns": {"p_id": {"type": "integer"}},
                    "foreign_keys": [
                        {"columns": "p_id", "references": "p(id)", "cardinality": "fixed(2)"}
                    ],
                },
            },
        }
    )
    judged = []

    def odd_parents_only(name: str, frame: pd.DataFrame) -> np.ndarray:
        judged.append(name)
        return (frame["id"] % 2 == 1).to_numpy()

    for chunk_rows in (1000, 7):  # parents made again per child chunk: filtered the same way
        spec = spec.model_copy(update={"chunk_rows": chunk_rows})
        tables = generate_all(spec, row_filter=odd_parents_only)
        assert (tables["p"]["id"] % 2 == 1).all() and len(tables["p"]) == 50
        assert set(tables["c"]["p_id"]) <= set(tables["p"]["id"])
        assert len(tables["c"]) == 100
        assert set(judged) == {"p"}  # only a table with such a CHECK goes through the filter


def test_existing_specs_keep_their_ddl_constraints(banking):
    ddl = str(
        sa.schema.CreateTable(build_metadata(banking).tables["customers"]).compile(
            dialect=DIALECTS["postgresql"]
        )
    )
    assert re.search(r"CONSTRAINT ck_customers_segment CHECK \(segment IN", ddl)
    assert "GENERATED" not in ddl and "SERIAL" not in ddl


def test_a_check_no_row_can_meet_is_a_clear_error():
    spec = _spec({"v": {"type": "integer", "constant": 1}}, rows=10, checks=["v > 5"])
    with pytest.raises(SpecError, match="every one of the 10 rows generated for chunk 0 breaks"):
        generate_all(spec)
