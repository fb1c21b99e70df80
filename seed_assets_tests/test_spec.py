"""The spec: loading, shorthands, and errors that name the file, table and column."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter

from seed_assets.engine.run import generate_all
from seed_assets.errors import SpecError
from seed_assets.sources.files import load_spec
from seed_assets.spec.distributions import Cardinality, ValueDistribution
from seed_assets.spec.graph import (
    component_of,
    deferred_fks,
    descendants,
    parents,
    topological_order,
)
from seed_assets.spec.loader import spec_from_dict
from seed_assets_tests.conftest import BANKING
from seed_assets_tests.integrity import orphans


def test_banking_loads_with_the_tutorials_schema(banking):
    assert topological_order(banking) == ["customers", "accounts", "transactions", "invoices"]
    assert parents(banking, "transactions") == ["accounts", "customers"]
    assert parents(banking, "invoices") == ["transactions", "accounts"]
    assert descendants(banking, "accounts") == ["transactions", "invoices"]
    segment = banking.tables["customers"].columns["segment"].choice
    assert segment.values == ["retail", "sme", "enterprise"]
    assert segment.probabilities == [0.6, 0.3, 0.1]
    accounts_fk = banking.tables["accounts"].driving_fk
    assert accounts_fk.cardinality.kind == "poisson"
    assert (accounts_fk.cardinality.mean, accounts_fk.cardinality.min) == (1.8, 1)
    assert banking.expectations.children_per_parent[0].mean == (10, 25)


def test_shop_spec_covers_self_reference_and_composite_keys(shop):
    assert topological_order(shop) == [
        "categories",
        "customers",
        "products",
        "orders",
        "order_items",
        "shipments",
    ]
    assert parents(shop, "categories") == []  # a self-reference is not a dependency
    assert shop.tables["shipments"].foreign_keys[0].references.columns == ["order_id", "line_no"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("poisson(1.8, min=1)", {"kind": "poisson", "mean": 1.8, "min": 1}),
        ("uniform(2, 5)", {"kind": "uniform", "min": 2, "max": 5}),
        ("fixed(3)", {"kind": "fixed", "n": 3}),
        ("negbinom(4, 1.5, min=0)", {"kind": "negbinom", "mean": 4, "dispersion": 1.5}),
        ("zipf(2.5, max=40)", {"kind": "zipf", "a": 2.5, "max": 40}),
        ("bernoulli(0.3)", {"kind": "bernoulli", "p": 0.3}),
    ],
)
def test_cardinality_shorthand_equals_mapping(text, expected):
    adapter = TypeAdapter(Cardinality)
    assert adapter.validate_python(text) == adapter.validate_python(expected)


@pytest.mark.parametrize(
    ("text", "mean"),
    [
        ("poisson(1.8, min=1)", 1.8 + math.exp(-1.8)),  # P(0) moves to 1
        ("poisson(15)", 15.0),
        ("uniform(2, 5)", 3.5),
        ("fixed(3)", 3.0),
        ("bernoulli(0.3)", 0.3),
        ("negbinom(4, 1.5)", 4.0),
        ("uniform(0, 10)", 5.0),
    ],
)
def test_expected_mean_accounts_for_clipping(text, mean):
    assert TypeAdapter(Cardinality).validate_python(text).expected_mean() == pytest.approx(mean)


def test_value_distribution_shorthand():
    dist = TypeAdapter(ValueDistribution).validate_python("lognormal(10, 1.2)")
    assert (dist.kind, dist.mean, dist.sigma) == ("lognormal", 10, 1.2)


def _banking_dict() -> dict:
    return yaml.safe_load(BANKING.read_text())


def _error(mutate, tmp_path: Path) -> SpecError:
    data = _banking_dict()
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return info.value


def _set(path: list, value):
    def mutate(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


# Each mistake: how to make it, the table and column the error must name, words it must say.
MISTAKES = {
    "misspelt provider": (
        _set(["tables", "customers", "columns", "email", "faker"], "emial"),
        ("customers", "email", "did you mean email"),
    ),
    "param the provider does not take": (
        _set(
            ["tables", "customers", "columns", "name"],
            {"type": "string", "faker": "name", "params": {"gender": "f"}},
        ),
        ("customers", "name", "does not take 'gender'"),
    ),
    "FK to an unknown table": (
        _set(["tables", "accounts", "foreign_keys", 0, "references"], "clients(customer_id)"),
        ("accounts", "customer_id", "unknown table 'clients'"),
    ),
    "FK to an unknown column": (
        _set(["tables", "accounts", "foreign_keys", 0, "references"], "customers(id)"),
        ("accounts", "customer_id", "customers.id, which does not exist"),
    ),
    "FK type mismatch": (
        _set(["tables", "accounts", "columns", "customer_id"], {"type": "integer"}),
        ("accounts", "customer_id", "does not match customers.customer_id"),
    ),
    "probabilities not summing to 1": (
        _set(["tables", "customers", "columns", "segment", "choice"], {"retail": 0.6, "sme": 0.3}),
        ("customers", "segment", "sum to 0.9, not 1"),
    ),
    "negative row count": (
        _set(["tables", "customers", "rows"], -5),
        ("customers", None, "`rows` is -5; it must be >= 0"),
    ),
    "temporal rule on a non-date column": (
        _set(
            ["tables", "accounts", "columns", "balance"],
            {"type": "float", "after": "customers.registration_date", "until": "2026-01-01"},
        ),
        ("accounts", "balance", "use type date or timestamp"),
    ),
    "after pointing at a non-date parent column": (
        _set(["tables", "accounts", "columns", "opened_date", "after"], "customers.segment"),
        ("accounts", "opened_date", "it must be a date or timestamp"),
    ),
    "unique on a source with too few values": (
        _set(
            ["tables", "customers", "columns", "segment"],
            {"type": "string", "choice": ["retail", "sme", "enterprise"], "unique": True},
        ),
        ("customers", "segment", "needs 1000 distinct values, but the source has only 3"),
    ),
    "unknown key": (
        _set(["tables", "customers", "columns", "name", "fakr"], "name"),
        ("customers", "name", "unknown key `fakr`"),
    ),
    "two value sources": (
        _set(
            ["tables", "customers", "columns", "name"],
            {"type": "string", "faker": "name", "constant": "x"},
        ),
        ("customers", "name", "several value sources"),
    ),
    "column without a source": (
        _set(["tables", "customers", "columns", "name"], {"type": "string"}),
        ("customers", "name", "no value source"),
    ),
    "rows on a driven table": (
        _set(["tables", "accounts", "rows"], 10),
        ("accounts", None, "follows from the cardinality"),
    ),
    "a root table without rows": (
        lambda d: d["tables"]["customers"].pop("rows"),
        ("customers", None, "no row count"),
    ),
    "via through a table with no such FK": (
        _set(["tables", "transactions", "foreign_keys", 1, "via"], "customer_id"),
        ("transactions", "customer_id", "must name the first column of another foreign key"),
    ),
    "bad distribution text": (
        _set(["tables", "accounts", "foreign_keys", 0, "cardinality"], "poison(1.8)"),
        ("accounts", None, "unknown distribution 'poison'"),
    ),
    "FK to a non-key column": (
        _set(["tables", "accounts", "foreign_keys", 0, "references"], "customers(name)"),
        ("accounts", "customer_id", "neither the primary key nor a unique key"),
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_mistakes_name_file_table_and_column(mistake, tmp_path):
    mutate, (table, column, words) = MISTAKES[mistake]
    error = _error(mutate, tmp_path)
    text = str(error)
    assert error.source and error.source.endswith("broken.yaml")
    assert text.startswith(str(tmp_path / "broken.yaml"))
    assert error.table == table
    assert f"table '{table}'" in text
    if column:
        assert error.column == column
        assert f"column '{column}'" in text
    assert words in text


def test_not_null_cycle_now_generates(tmp_path):
    """A NOT NULL cycle used to be refused; now its closing FK is deferred and filled."""
    data = _banking_dict()
    customers = data["tables"]["customers"]
    customers["columns"]["main_account"] = {"type": "string"}
    customers["foreign_keys"] = [{"columns": "main_account", "references": "accounts(account_id)"}]
    spec = spec_from_dict(data)
    (deferred,) = deferred_fks(spec)
    assert deferred[0] == "customers" and deferred[1].columns == ["main_account"]
    assert component_of(spec, "customers").together  # no nullable FK to break it at
    assert topological_order(spec)[:2] == ["customers", "accounts"]
    tables = generate_all(spec, scale=0.05)
    assert tables["customers"]["main_account"].notna().all()
    assert set(orphans(spec, tables).values()) == {0}


def test_cycle_of_driving_fks_is_refused_naming_tables_and_columns(tmp_path):
    def mutate(data):
        customers = data["tables"]["customers"]
        customers["columns"]["home_account"] = {"type": "string"}
        customers.pop("rows")
        customers["foreign_keys"] = [
            {
                "columns": "home_account",
                "references": "accounts(account_id)",
                "cardinality": "fixed(1)",
            }
        ]

    error = _error(mutate, tmp_path)
    assert (error.table, error.column) in {
        ("customers", "home_account"),
        ("accounts", "customer_id"),
    }
    text = str(error)
    assert "customers.home_account -> accounts" in text
    assert "accounts.customer_id -> customers" in text
    assert "cannot be generated" in text and "drives the row count" in text


def test_not_null_self_reference_is_refused(tmp_path):
    def mutate(data):
        customers = data["tables"]["customers"]
        customers["columns"]["referred_by"] = {"type": "string"}
        customers["foreign_keys"] = [
            {"columns": "referred_by", "references": "customers(customer_id)"}
        ]

    error = _error(mutate, tmp_path)
    assert (error.table, error.column) == ("customers", "referred_by")
    assert "no way out" in str(error)


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ntables:\n  a: [unclosed\n")
    with pytest.raises(SpecError, match=r"bad.yaml: not valid YAML at line \d+"):
        load_spec(path)


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "nope.yaml")


def test_expectation_on_unknown_column_is_refused():
    data = _banking_dict()
    data["expectations"]["rates"].append(
        {"table": "transactions", "column": "x", "between": [0, 1]}
    )
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, source="inline")
    assert (info.value.table, info.value.column) == ("transactions", "x")


def test_spec_name_defaults_to_the_file_stem(tmp_path):
    data = copy.deepcopy(_banking_dict())
    del data["name"]
    path = tmp_path / "my-bank.yaml"
    path.write_text(yaml.safe_dump(data))
    spec = load_spec(path)
    assert spec.name == "my_bank"
    assert spec.source_stem == "my-bank"
