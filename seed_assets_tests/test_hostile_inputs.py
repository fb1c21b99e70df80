"""Bad input, as a hostile user gives it, to every command: each exits 2 with one message (naming
the file, table and column where there is one), no traceback, and writes nothing.

The cases are data: a spec (or plan, or raw bytes), a command line, and what the message must
say. `{dir}` in a command is the test's folder; `{spec}` the input file written there.
Cases that need a database server skip when it is not running (fail under CI=true).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets_tests.servers import MYSQL_SERVER, PG_SERVER, in_ci

BASE: dict[str, Any] = {
    "name": "hostile",
    "seed": 1,
    "tables": {
        "customers": {
            "rows": 20,
            "primary_key": "id",
            "columns": {
                "id": {"type": "integer", "sequence": True},
                "name": {"type": "string", "length": 60, "faker": "name"},
                "score": {"type": "integer", "distribution": "uniform(1, 9)"},
                "joined": {"type": "date", "between": ["2020-01-01", "2021-01-01"]},
                "segment": {"type": "string", "length": 10, "choice": ["a", "b"]},
            },
        },
        "orders": {
            "primary_key": "id",
            "columns": {
                "id": {"type": "integer", "sequence": True},
                "customer_id": {"type": "integer"},
                "amount": {
                    "type": "decimal",
                    "precision": 10,
                    "scale": 2,
                    "distribution": "uniform(1, 100)",
                },
            },
            "foreign_keys": [
                {"columns": "customer_id", "references": "customers(id)", "cardinality": "fixed(2)"}
            ],
        },
    },
}


def spec_yaml(mutate=None) -> str:
    data = copy.deepcopy(BASE)
    if mutate is not None:
        mutate(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def column(table: str, name: str, **fields):
    """A mutation: replace one column of BASE."""

    def mutate(data):
        data["tables"][table]["columns"][name] = fields

    return mutate


def customers_bigint(data):
    data["tables"]["customers"]["columns"]["id"]["type"] = "bigint"


def orders_bigint(data):
    data["tables"]["orders"]["columns"]["id"]["type"] = "bigint"


def cardinality(data, text):
    data["tables"]["orders"]["foreign_keys"][0]["cardinality"] = text


def rows(data, count):
    data["tables"]["customers"]["rows"] = count


def customers(**fields):
    return column("customers", "extra", **fields)


@dataclass
class Case:
    id: str
    text: str | bytes | None  # the input file's content (None: no file written)
    says: tuple[str, ...]  # the message holds each (`{spec}` and `{dir}` are filled in)
    suffix: str = ".yaml"
    commands: tuple[str, ...] = ("check", "generate", "sql")
    server: str | None = None  # "postgresql" / "mysql": skip when that server is not running
    extra: list[str] = field(default_factory=list)  # one command line for one-command cases


COMMANDS = {
    "check": ["check", "{spec}"],
    "generate": ["generate", "{spec}", "--target", "sqlite:///{dir}/out/db.sqlite"],
    "sql": ["sql", "{spec}", "--dialect", "sqlite", "--out", "{dir}/out/db.sql"],
    "validate": ["validate", "{spec}", "--target", "sqlite:///{dir}/out/db.sqlite"],
}
WHERE_EXTRA = ("{spec}", "table 'customers'", "column 'extra'")


def nested(depth: int) -> str:
    return "tables: " + "[" * depth + "]" * depth + "\n"


def _bytes_utf16() -> bytes:
    return spec_yaml().encode("utf-16")


def _duplicate_table() -> str:
    text = spec_yaml()
    return text + "  customers:\n    rows: 1\n    columns:\n      x: {type: integer, constant: 1}\n"


def _duplicate_column() -> str:
    return spec_yaml().replace(
        "      id:\n        type: integer\n        sequence: true\n      name:",
        "      id:\n        type: integer\n        sequence: true\n      id:\n"
        "        type: integer\n        constant: 1\n      name:",
        1,
    )


def alias_bomb() -> str:
    """Nine levels of nine aliases each: 9**9 values once expanded."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(8):
        name, previous = chr(98 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def _json(data: Any) -> str:
    return json.dumps(data, indent=1)


def _json_duplicate_table() -> str:
    text = _json(BASE)
    return text.replace('"tables": {', '"tables": {\n "orders": {"rows": 1, "columns": {}},', 1)


def _plan(count: Any = 10, **extra) -> str:
    return _json(
        {
            "tables": [
                {
                    "name": "people",
                    "record_count": count,
                    "columns": [{"name": "email", "faker_provider": "email", "params": {}}],
                    **extra,
                }
            ]
        }
    )


FILE_CASES = [
    Case("missing-file", None, ("{spec}", "not found")),
    Case("binary", bytes(range(256)) * 4, ("{spec}", "binary")),
    Case("utf16", _bytes_utf16(), ("{spec}", "UTF-16")),
    Case("latin1", "name: caf\xe9\ntables: {}\n".encode("latin-1"), ("{spec}", "UTF-8")),
    Case("empty", "", ("{spec}", "empty")),
    Case("only-comment", "# nothing\n", ("{spec}", "empty")),
    Case("top-level-list", "- a\n- b\n", ("{spec}", "mapping")),
    Case("top-level-scalar", "hello\n", ("{spec}", "mapping")),
    Case("nested-yaml", nested(50_000), ("{spec}", "nested")),
    Case(
        "nested-json",
        nested(50_000).replace("tables: ", '{"tables": ') + "}",
        ("{spec}", "nested"),
        ".json",
    ),
    Case("yaml-syntax", "tables:\n  a: [1, 2\n", ("{spec}", "not valid YAML")),
    Case("json-syntax", '{"tables": {"a": }', ("{spec}", "not valid JSON"), ".json"),
    Case("duplicate-table", _duplicate_table(), ("{spec}", "'customers'", "twice")),
    Case("duplicate-column", _duplicate_column(), ("{spec}", "'id'", "twice")),
    Case("json-duplicate-table", _json_duplicate_table(), ("{spec}", "'orders'", "twice"), ".json"),
    Case(
        "json-lone-surrogate",
        _json(BASE).replace('"hostile"', '"a\\ud800b"'),
        ("{spec}", "surrogate"),
        ".json",
    ),
    Case(
        "python-tag",
        "tables: !!python/object/apply:os.system ['true']\n",
        ("{spec}", "not valid YAML"),
    ),
    Case("nul-in-yaml", "name: a\x00b\ntables: {}\n", ("{spec}",)),
    Case(
        "alias-bomb",
        alias_bomb() + "tables: {t: {rows: 1, columns: {c: {type: json, constant: *i}}}}\n",
        ("{spec}",),
    ),
    Case("tables-not-mapping", "tables: 5\n", ("{spec}", "tables")),
]

SPEC_CASES = [
    Case(
        "faker-size-param-huge",
        spec_yaml(customers(type="text", faker="pystr", params={"max_chars": 10**8})),
        (*WHERE_EXTRA, "params.max_chars", "1,000,000"),
    ),
    Case(
        "empty-column-name",
        spec_yaml(column("customers", "", type="integer", constant=1)),
        ("{spec}", "table 'customers'", "empty"),
    ),
    Case(
        "nul-in-column-name",
        spec_yaml(column("customers", "a\x00b", type="integer", constant=1)),
        ("{spec}", "table 'customers'", "control character"),
    ),
    Case(
        "decimal-range-beyond-precision",
        spec_yaml(customers(type="decimal", precision=4, scale=2, distribution="uniform(0, 1e9)")),
        (*WHERE_EXTRA, "decimal(4, 2)"),
    ),
    Case(
        "json-constant-nan",
        spec_yaml(customers(type="json", constant={"a": float("nan")})),
        (*WHERE_EXTRA, "json"),
    ),
    Case(
        "unknown-key-primary",
        spec_yaml(lambda d: d["tables"]["customers"].update(primay_key="id")),
        ("{spec}", "table 'customers'", "primay_key", "did you mean `primary_key`"),
    ),
    Case(
        "unknown-key-null-fraction",
        spec_yaml(customers(type="integer", nul_fraction=0.1)),
        (*WHERE_EXTRA, "nul_fraction", "did you mean `null_fraction`"),
    ),
    Case(
        "unknown-key-spec",
        spec_yaml(lambda d: d.update(sead=3)),
        ("{spec}", "sead", "did you mean `seed`"),
    ),
    Case(
        "columns-differ-in-case",
        spec_yaml(
            lambda d: d["tables"]["customers"]["columns"].update(
                Name={"type": "string", "length": 60, "faker": "name"}
            )
        ),
        ("{spec}", "table 'customers'", "'Name'", "'name'", "case"),
    ),
    Case(
        "tables-differ-in-case",
        spec_yaml(
            lambda d: d["tables"].update(
                Customers={"rows": 1, "columns": {"x": {"type": "integer", "constant": 1}}}
            )
        ),
        ("{spec}", "'Customers'", "'customers'", "case"),
    ),
    Case(
        "faker-min-above-max",
        spec_yaml(
            customers(type="integer", faker="pyint", params={"min_value": 10, "max_value": 1})
        ),
        (*WHERE_EXTRA, "pyint"),
    ),
    Case(
        "faker-wrong-type",
        spec_yaml(customers(type="integer", faker="pyint", params={"min_value": "a"})),
        (*WHERE_EXTRA, "pyint"),
    ),
    Case(
        "faker-elements-not-list",
        spec_yaml(customers(type="string", faker="random_element", params={"elements": 5})),
        (*WHERE_EXTRA, "random_element"),
    ),
    Case(
        "faker-gives-wrong-type",
        spec_yaml(customers(type="integer", faker="name")),
        (*WHERE_EXTRA, "name"),
    ),
    Case(
        "between-reversed",
        spec_yaml(customers(type="date", between=["2021-01-01", "2020-01-01"])),
        (*WHERE_EXTRA, "between"),
    ),
    Case(
        "constant-not-integer",
        spec_yaml(customers(type="integer", constant="abc")),
        (*WHERE_EXTRA, "'abc'", "integer"),
    ),
    Case(
        "constant-not-boolean",
        spec_yaml(customers(type="boolean", constant="maybe")),
        (*WHERE_EXTRA, "'maybe'", "boolean"),
    ),
    Case(
        "constant-not-date",
        spec_yaml(customers(type="date", constant="notadate")),
        (*WHERE_EXTRA, "'notadate'", "date"),
    ),
    Case(
        "constant-not-decimal",
        spec_yaml(customers(type="decimal", precision=6, scale=2, constant="x")),
        (*WHERE_EXTRA, "'x'", "decimal"),
    ),
    Case(
        "constant-too-big-smallint",
        spec_yaml(customers(type="smallint", constant=100000)),
        (*WHERE_EXTRA, "100000", "smallint"),
    ),
    Case(
        "constant-decimal-too-wide",
        spec_yaml(customers(type="decimal", precision=4, scale=2, constant=123456.5)),
        (*WHERE_EXTRA, "123456.5"),
    ),
    Case(
        "constant-not-uuid",
        spec_yaml(customers(type="uuid", constant="nope")),
        (*WHERE_EXTRA, "'nope'", "uuid"),
    ),
    Case(
        "constant-list-in-string",
        spec_yaml(customers(type="string", constant=[1, 2])),
        (*WHERE_EXTRA, "string"),
    ),
    Case(
        "choice-not-integer",
        spec_yaml(customers(type="integer", choice=["a", "b"])),
        (*WHERE_EXTRA, "'a'", "integer"),
    ),
    Case(
        "choice-not-float",
        spec_yaml(customers(type="float", choice=["x"])),
        (*WHERE_EXTRA, "'x'", "float"),
    ),
    Case(
        "choice-not-date",
        spec_yaml(customers(type="date", choice=["x", "y"])),
        (*WHERE_EXTRA, "'x'", "date"),
    ),
    Case(
        "choice-not-boolean",
        spec_yaml(customers(type="boolean", choice=["yes", "no"])),
        (*WHERE_EXTRA, "'yes'", "boolean"),
    ),
    Case(
        "choice-not-uuid",
        spec_yaml(customers(type="uuid", choice=["a", "b"])),
        (*WHERE_EXTRA, "'a'", "uuid"),
    ),
    Case(
        "choice-beyond-tinyint",
        spec_yaml(customers(type="tinyint", choice=[1, 1000])),
        (*WHERE_EXTRA, "1000", "tinyint"),
    ),
    Case(
        "choice-mapping-in-string",
        spec_yaml(customers(type="string", choice={"values": [{"a": 1}]})),
        (*WHERE_EXTRA, "string"),
    ),
    Case(
        "tinyint-range",
        spec_yaml(customers(type="tinyint", distribution="uniform(0, 1000)")),
        (*WHERE_EXTRA, "tinyint", "1000"),
    ),
    Case(
        "smallint-range",
        spec_yaml(customers(type="smallint", distribution="uniform(-100000, 5)")),
        (*WHERE_EXTRA, "smallint"),
    ),
    Case(
        "bigint-sequence-overflow",
        spec_yaml(customers(type="bigint", sequence={"start": 2**63 - 5})),
        (*WHERE_EXTRA, "overflow"),
    ),
    Case(
        "integer-sequence-overflow",
        spec_yaml(customers(type="integer", sequence={"start": 2**31 - 5})),
        (*WHERE_EXTRA, "integer"),
    ),
    Case(
        "sequence-format-attribute",
        spec_yaml(customers(type="string", sequence="X{0.__class__.__mro__}")),
        (*WHERE_EXTRA, "format"),
    ),
    Case(
        "sequence-format-two-fields",
        spec_yaml(customers(type="string", sequence="X{}{}")),
        (*WHERE_EXTRA, "format"),
    ),
    Case(
        "sequence-format-string-field",
        spec_yaml(customers(type="string", sequence="X{:s}")),
        (*WHERE_EXTRA, "format"),
    ),
    Case(
        "sequence-format-named",
        spec_yaml(customers(type="string", sequence="X{n}")),
        (*WHERE_EXTRA, "format"),
    ),
    Case(
        "sequence-format-too-long",
        spec_yaml(customers(type="string", length=4, sequence="ID{:06d}")),
        (*WHERE_EXTRA, "length"),
    ),
    Case(
        "rows-1e12",
        spec_yaml(lambda d: (customers_bigint(d), orders_bigint(d), rows(d, 10**12))),
        ("{spec}", "table 'orders'", "--max-rows"),
    ),
    Case(
        "rows-1e12-sequence",
        spec_yaml(lambda d: d["tables"]["customers"].update(rows=10**12)),
        ("{spec}", "table 'customers'", "column 'id'", "overflow"),
    ),
    Case(
        "rows-float-1e12",
        spec_yaml(lambda d: d["tables"]["customers"].update(rows=1e12)),
        ("{spec}", "table 'customers'"),
    ),
    Case(
        "rows-negative",
        spec_yaml(lambda d: d["tables"]["customers"].update(rows=-1)),
        ("{spec}", "table 'customers'", "-1"),
    ),
    Case(
        "rows-text",
        spec_yaml(lambda d: d["tables"]["customers"].update(rows="many")),
        ("{spec}", "table 'customers'", "rows"),
    ),
    Case(
        "children-1e10",
        spec_yaml(lambda d: (orders_bigint(d), cardinality(d, "fixed(1000)"), rows(d, 10**7))),
        ("{spec}", "table 'orders'", "--max-rows"),
    ),
    Case(
        "children-per-parent-1e11",
        spec_yaml(lambda d: cardinality(d, "fixed(100000000000)")),
        ("{spec}", "table 'orders'", "column 'customer_id'", "1,000,000"),
    ),
    Case(
        "children-poisson-1e9",
        spec_yaml(lambda d: cardinality(d, "poisson(1e9)")),
        ("{spec}", "table 'orders'", "1,000,000"),
    ),
    Case("seed-beyond-64-bits", spec_yaml(lambda d: d.update(seed=2**70)), ("{spec}", "seed")),
    Case("seed-negative", spec_yaml(lambda d: d.update(seed=-1)), ("{spec}", "seed")),
    Case(
        "too-many-columns",
        spec_yaml(
            lambda d: d["tables"]["customers"]["columns"].update(
                {f"c{i}": {"type": "integer", "constant": 1} for i in range(5000)}
            )
        ),
        ("{spec}", "table 'customers'", "columns"),
    ),
    Case(
        "pool-size-huge",
        spec_yaml(customers(type="string", faker="name", pool_size=10**12)),
        (*WHERE_EXTRA, "pool_size"),
    ),
    Case(
        "length-huge",
        spec_yaml(customers(type="string", length=10**12, faker="name")),
        (*WHERE_EXTRA, "length"),
    ),
    Case(
        "chunk-rows-huge",
        spec_yaml(lambda d: d.update(chunk_rows=10**15)),
        ("{spec}", "chunk_rows"),
    ),
    Case(
        "json-unknown-key",
        _json(
            {
                **BASE,
                "tables": {
                    "t": {"rows": 1, "columns": {"c": {"type": "integer", "sequnce": True}}}
                },
            }
        ),
        ("{spec}", "table 't'", "column 'c'", "did you mean `sequence`"),
        ".json",
    ),
]

PLAN_CASES = [
    Case(
        "plan-record-count-1e13", _plan(10**13), ("{spec}", "table 'people'", "--max-rows"), ".json"
    ),
    Case(
        "plan-record-count-float", _plan(1.5), ("{spec}", "table 'people'", "record_count"), ".json"
    ),
    Case(
        "plan-unknown-key",
        _plan(10, record_cuont=3),
        ("{spec}", "table 'people'", "did you mean 'record_count'"),
        ".json",
    ),
    Case(
        "plan-provider-fails",
        _json(
            {
                "tables": [
                    {
                        "name": "p",
                        "record_count": 3,
                        "columns": [
                            {
                                "name": "n",
                                "faker_provider": "pyint",
                                "params": {"min_value": 9, "max_value": 1},
                            }
                        ],
                    }
                ]
            }
        ),
        ("{spec}", "table 'p'", "column 'n'", "pyint"),
        ".json",
    ),
    Case(
        "plan-twice",
        _json({"tables": [json.loads(_plan())["tables"][0]] * 2}),
        ("{spec}", "table 'people'", "twice"),
        ".json",
    ),
    Case(
        "plan-tables-differ-in-case",
        _json(
            {
                "tables": [
                    json.loads(_plan())["tables"][0],
                    {**json.loads(_plan())["tables"][0], "name": "People"},
                ]
            }
        ),
        ("{spec}", "'People'", "case"),
        ".json",
    ),
]


def _one(
    id_: str,
    argv: list[str],
    says: tuple[str, ...],
    text: str | bytes | None = None,
    server: str | None = None,
    suffix: str = ".yaml",
) -> Case:
    return Case(id_, spec_yaml() if text is None else text, says, suffix, ("one",), server, argv)


PG_REFUSED = "postgresql+psycopg://postgres@127.0.0.1:1/x"
PG_NO_HOST = "postgresql+psycopg://postgres@no-such-host.invalid:5432/x"
PG_NO_DB = f"{PG_SERVER}/sa_no_such_database"
PG_NO_ROLE = (
    sa.make_url(f"{PG_SERVER}/postgres")
    .set(username="no_such_role")
    .render_as_string(hide_password=False)
)
MY_REFUSED = "mysql+pymysql://root@127.0.0.1:1/x"
MY_NO_DB = f"{MYSQL_SERVER}/sa_no_such_database"
MY_BAD_PASSWORD = (
    sa.make_url(f"{MYSQL_SERVER}/mysql")
    .set(password="wrong-password")
    .render_as_string(hide_password=False)
)
LONG = "c" * 70

TARGETS = [  # (id, url, server, says)
    ("my-no-database", "mysql+pymysql://root@127.0.0.1:3306", None, ("names no database",)),
    ("pg-refused", PG_REFUSED, None, ("127.0.0.1:1", "refused")),
    ("pg-unknown-host", PG_NO_HOST, None, ("no-such-host.invalid",)),
    ("pg-unknown-database", PG_NO_DB, "postgresql", ("sa_no_such_database", "does not exist")),
    ("pg-unknown-role", PG_NO_ROLE, "postgresql", ("no_such_role",)),
    ("my-refused", MY_REFUSED, None, ("127.0.0.1:1", "refused")),
    ("my-unknown-database", MY_NO_DB, "mysql", ("sa_no_such_database",)),
    ("my-wrong-password", MY_BAD_PASSWORD, "mysql", ("password is wrong",)),
    ("sqlite-is-directory", "sqlite:///{dir}", None, ("{dir}", "directory")),
    ("not-a-url", "not a url", None, ("URL",)),
    ("unsupported-scheme", "oracle+oracledb://u@h/x", None, ("oracle",)),
]
TARGET_CASES = [
    *[
        _one(f"generate-{i}", ["generate", "{spec}", "--target", u], s, server=v)
        for i, u, v, s in TARGETS
    ],
    *[
        _one(f"validate-{i}", ["validate", "{spec}", "--target", u], s, server=v)
        for i, u, v, s in TARGETS
    ],
    *[_one(f"reflect-{i}", ["reflect", u], s, server=v) for i, u, v, s in TARGETS],
    *[_one(f"plan-{i}", ["plan", u], s, server=v) for i, u, v, s in TARGETS],
    _one("spec-is-dev-zero", ["check", "/dev/zero"], ("/dev/zero", "larger than 64 MB")),
    _one(
        "reflect-sqlite-missing",
        ["reflect", "sqlite:///{dir}/none.sqlite"],
        ("none.sqlite", "does not exist"),
    ),
    _one(
        "plan-sqlite-missing",
        ["plan", "sqlite:///{dir}/none.sqlite"],
        ("none.sqlite", "does not exist"),
    ),
    _one(
        "parquet-path-is-file",
        ["generate", "{spec}", "--target", "parquet://{spec}"],
        ("{spec}", "not a directory"),
    ),
    _one(
        "sqlite-read-only-dir",
        ["generate", "{spec}", "--target", "sqlite:///{ro}/db.sqlite"],
        ("{ro}", "read-only"),
    ),
    _one(
        "parquet-read-only-dir",
        ["generate", "{spec}", "--target", "parquet://{ro}/pq"],
        ("{ro}", "read-only"),
    ),
    _one(
        "sql-out-read-only-dir",
        ["sql", "{spec}", "--dialect", "sqlite", "--out", "{ro}/x.sql"],
        ("{ro}", "read-only"),
    ),
    _one(
        "sql-out-is-directory",
        ["sql", "{spec}", "--dialect", "sqlite", "--out", "{ro}"],
        ("{ro}", "directory"),
    ),
    _one(
        "reflect-out-read-only",
        ["reflect", "sqlite:///{ro}/../db.sqlite", "--out", "{ro}/x.yaml"],
        ("db.sqlite",),
    ),
]

OPTION_CASES = [
    _one(
        "generate-scale-1e308",
        ["generate", "{spec}", "--scale", "1e308", "--target", "sqlite:///{dir}/o.sqlite"],
        ("{spec}", "inf rows", "--max-rows"),
    ),
    _one(
        "generate-scale-inf",
        ["generate", "{spec}", "--scale", "inf", "--target", "sqlite:///{dir}/o.sqlite"],
        ("--scale", "inf"),
    ),
    _one(
        "generate-scale-nan",
        ["generate", "{spec}", "--scale", "nan", "--target", "sqlite:///{dir}/o.sqlite"],
        ("--scale", "nan"),
    ),
    _one(
        "generate-scale-1e12",
        ["generate", "{spec}", "--scale", "1e12", "--target", "sqlite:///{dir}/o.sqlite"],
        ("--max-rows",),
    ),
    _one(
        "generate-seed-negative",
        ["generate", "{spec}", "--seed", "-1", "--target", "sqlite:///{dir}/o.sqlite"],
        ("--seed", "-1"),
    ),
    _one(
        "generate-seed-2**70",
        ["generate", "{spec}", "--seed", str(2**70), "--target", "sqlite:///{dir}/o.sqlite"],
        ("--seed",),
    ),
    _one(
        "generate-if-exists-bogus",
        ["generate", "{spec}", "--if-exists", "bogus", "--target", "sqlite:///{dir}/o.sqlite"],
        ("--if-exists",),
    ),
    _one(
        "generate-max-rows",
        ["generate", "{spec}", "--max-rows", "10", "--target", "sqlite:///{dir}/o.sqlite"],
        ("--max-rows", "60"),
    ),
    _one(
        "sql-scale-inf",
        ["sql", "{spec}", "--dialect", "sqlite", "--scale", "inf"],
        ("--scale", "inf"),
    ),
    _one(
        "sql-scale-1e12",
        ["sql", "{spec}", "--dialect", "sqlite", "--scale", "1e12"],
        ("--max-rows",),
    ),
    _one(
        "sql-seed-negative",
        ["sql", "{spec}", "--dialect", "sqlite", "--seed", "-5"],
        ("--seed", "-5"),
    ),
    _one(
        "sql-seed-2**64",
        ["sql", "{spec}", "--dialect", "sqlite", "--seed", str(2**64)],
        ("--seed",),
    ),
    _one("sql-dialect-unknown", ["sql", "{spec}", "--dialect", "oracle"], ("oracle",)),
    _one(
        "sql-pg-long-column",
        ["sql", "{spec}", "--dialect", "postgresql"],
        ("{spec}", "table 'customers'", LONG, "63"),
        text=spec_yaml(column("customers", LONG, type="integer", constant=1)),
    ),
    _one(
        "sql-pg-long-table",
        ["sql", "{spec}", "--dialect", "postgresql"],
        ("{spec}", f"table '{LONG}'", "63"),
        text=spec_yaml(
            lambda d: d["tables"].update(
                {LONG: {"rows": 1, "columns": {"x": {"type": "integer", "constant": 1}}}}
            )
        ),
    ),
    _one(
        "sql-mysql-long-column",
        ["sql", "{spec}", "--dialect", "mysql"],
        ("{spec}", "table 'customers'", LONG, "64"),
        text=spec_yaml(column("customers", LONG, type="integer", constant=1)),
    ),
    _one(
        "sql-pg-too-many-columns",
        ["sql", "{spec}", "--dialect", "postgresql"],
        ("{spec}", "table 'customers'", "1,600"),
        text=spec_yaml(
            lambda d: d["tables"]["customers"]["columns"].update(
                {f"c{i}": {"type": "integer", "constant": 1} for i in range(1700)}
            )
        ),
    ),
    _one(
        "sql-mysql-too-many-columns",
        ["sql", "{spec}", "--dialect", "mysql"],
        ("{spec}", "table 'customers'", "1,017"),
        text=spec_yaml(
            lambda d: d["tables"]["customers"]["columns"].update(
                {f"c{i}": {"type": "integer", "constant": 1} for i in range(1100)}
            )
        ),
    ),
    _one(
        "generate-pg-long-column",
        ["generate", "{spec}", "--target", "{pg}"],
        ("{spec}", "table 'customers'", LONG, "63"),
        text=spec_yaml(column("customers", LONG, type="integer", constant=1)),
        server="postgresql",
    ),
    _one(
        "generate-sqlite-too-many-columns",
        ["generate", "{spec}", "--target", "sqlite:///{dir}/o.sqlite"],
        ("{spec}", "table 'customers'", "2,000"),
        text=spec_yaml(
            lambda d: d["tables"]["customers"]["columns"].update(
                {f"c{i}": {"type": "integer", "constant": 1} for i in range(2100)}
            )
        ),
    ),
    _one(
        "plan-target-missing-sqlite",
        ["generate", "{spec}", "--target", "sqlite:///{dir}/new.sqlite"],
        ("{spec}", "table 'p'", "column 'n'", "pyint"),
        text=_json(
            {
                "tables": [
                    {
                        "name": "p",
                        "record_count": 3,
                        "columns": [
                            {
                                "name": "n",
                                "faker_provider": "pyint",
                                "params": {"min_value": 9, "max_value": 1},
                            }
                        ],
                    }
                ]
            }
        ),
        suffix=".json",
    ),
]


def expand(cases: list[Case]):
    for case in cases:
        for command in case.commands:
            argv = case.extra if command == "one" else COMMANDS[command]
            name = case.id if command == "one" else f"{command}-{case.id}"
            yield pytest.param(case, argv, id=name)


ALL = [
    *expand(FILE_CASES),
    *expand(SPEC_CASES),
    *expand(PLAN_CASES),
    *expand(TARGET_CASES),
    *expand(OPTION_CASES),
]

_reachable: dict[str, bool] = {}


def _require(server: str | None) -> str | None:
    if server is None:
        return None
    base = PG_SERVER + "/postgres" if server == "postgresql" else MYSQL_SERVER
    if server not in _reachable:
        engine = sa.create_engine(base, connect_args={"connect_timeout": 3})
        try:
            with engine.connect():
                _reachable[server] = True
        except sa.exc.OperationalError:
            _reachable[server] = False
        finally:
            engine.dispose()
    if not _reachable[server]:
        if in_ci():
            pytest.fail(f"{server} is not reachable; under CI=true every server must run")
        pytest.skip(f"{server} is not reachable")
    return base


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def run_case(case: Case, argv: list[str], tmp_path: Path, monkeypatch):
    """Run one case; return (exit code, stderr on one line, traceback or None, files added)."""
    spec = tmp_path / f"spec{case.suffix}"
    if isinstance(case.text, bytes):
        spec.write_bytes(case.text)
    elif case.text is not None:
        spec.write_text(case.text, encoding="utf-8", errors="surrogatepass")
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    # A folder this user cannot write: chmod 555 stops everyone but root; sysfs stops root too.
    ro = "/sys" if os.geteuid() == 0 else str(read_only)
    values = {"spec": str(spec), "dir": str(tmp_path), "pg": f"{PG_SERVER}/postgres", "ro": ro}
    args = [a.format(**values) for a in argv]
    try:
        result = CliRunner().invoke(app, args)
    finally:
        read_only.chmod(0o755)
    added = sorted(set(_files(tmp_path)) - set(before))
    error = result.exception
    traceback = None
    if error is not None and not isinstance(error, SystemExit):
        traceback = f"{type(error).__name__}: {str(error)[:200]}"
    return result.exit_code, " ".join(result.stderr.split()), traceback, added, values


@pytest.mark.parametrize(("case", "argv"), ALL)
def test_bad_input_is_one_clear_message(case: Case, argv: list[str], tmp_path, monkeypatch):
    _require(case.server)
    code, message, traceback, added, values = run_case(case, argv, tmp_path, monkeypatch)
    assert traceback is None, traceback
    assert code == 2, message
    assert message.startswith("error: "), message
    for part in case.says:
        assert part.format(**values) in message, message
    assert "Traceback" not in message
    assert added == [], f"left behind: {added}"
