"""JSON generation plans: accepted wherever a spec is, validated strictly first; one test per
error message, each naming where and suggesting the closest valid names."""

from __future__ import annotations

import copy
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.engine.run import generate_all
from seed_assets.errors import SpecError
from seed_assets.sources.files import load_spec
from seed_assets.sources.plan import spec_from_plan
from seed_assets_tests.test_reflect import load_ddl

runner = CliRunner()

SHOP = """
CREATE TABLE customers (
  customer_id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, age INTEGER,
  kind TEXT NOT NULL CHECK (kind IN ('retail', 'trade')));
CREATE TABLE profiles (
  customer_id INTEGER PRIMARY KEY REFERENCES customers(customer_id), bio TEXT);
CREATE TABLE orders (
  order_id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
  total REAL NOT NULL CHECK (total > 0), placed_on TEXT NOT NULL);
"""

PLAN = {
    "tables": [
        {
            "name": "customers",
            "record_count": 100,
            "columns": [
                {"name": "email", "faker_provider": "email", "params": {}},
                {"name": "age", "faker_provider": "random_int", "params": {"min": 18, "max": 80}},
            ],
        },
        {"name": "orders", "record_count": 300, "columns": []},
    ],
    "insertion_order": ["customers", "orders"],
    "rationale": "customers and their orders",
}


@pytest.fixture
def shop_db(tmp_path) -> str:
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        db.executescript(SHOP)
    return f"sqlite:///{tmp_path / 'shop.sqlite'}"


def plan(**changes) -> dict:
    data = copy.deepcopy(PLAN)
    data.update(changes)
    return data


def refused(data: dict, target: str | None = None) -> SpecError:
    with pytest.raises(SpecError) as info:
        spec_from_plan(data, source="plan.json", target=target)
    return info.value


# -- accepted plans --------------------------------------------------------------------------


def test_a_plan_alone_is_a_spec(tmp_path):
    path = tmp_path / "plan.json"
    data = plan()
    data["tables"][1]["columns"] = [{"name": "total", "faker_provider": "pyfloat", "params": {}}]
    path.write_text(json.dumps(data))
    spec = load_spec(path)
    assert spec.name == "plan"
    assert spec.description == "customers and their orders"
    assert spec.tables["customers"].columns["age"].type == "bigint"
    assert spec.tables["orders"].columns["total"].type == "float"
    tables = generate_all(spec)
    assert len(tables["customers"]) == 100 and len(tables["orders"]) == 300
    assert tables["customers"]["age"].between(18, 80).all()


def test_a_plan_over_a_database_fills_what_it_leaves_out(shop_db):
    spec = spec_from_plan(plan(), source="plan.json", target=shop_db)
    customers = spec.tables["customers"]
    assert customers.rows == 100
    assert customers.columns["age"].faker == "random_int"
    assert customers.columns["kind"].choice.values == ["retail", "trade"]  # from its CHECK
    orders = spec.tables["orders"]
    assert orders.driving_fk.cardinality.expected_mean() == pytest.approx(3.0)
    placed_on = orders.columns["placed_on"]  # text in SQLite: a date kept as text
    assert (placed_on.type, placed_on.sql_type) == ("date", "TEXT")
    tables = generate_all(spec)
    assert len(tables["customers"]) == 100
    assert 200 < len(tables["orders"]) < 400  # about 300: drawn per customer
    assert set(tables["orders"]["customer_id"]) <= set(tables["customers"]["customer_id"])


def test_plan_command_writes_a_plan_that_generates_into_the_database(shop_db, tmp_path):
    out = tmp_path / "shop_plan.json"
    result = runner.invoke(app, ["plan", shop_db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert written["insertion_order"] == ["customers", "orders", "profiles"]
    customers = next(t for t in written["tables"] if t["name"] == "customers")
    assert {"name": "email", "faker_provider": "email", "params": {}} in customers["columns"]
    assert "rationale" in written
    result = runner.invoke(app, ["generate", str(out), "--target", shop_db])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        counts = {
            t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in written["insertion_order"]
        }
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert counts["customers"] == 200 and all(counts.values())


def test_a_plan_for_a_unique_child_gives_at_most_one_per_parent(shop_db):
    data = plan()
    data["tables"].append({"name": "profiles", "record_count": 40, "columns": []})
    data["insertion_order"].append("profiles")
    spec = spec_from_plan(data, target=shop_db)
    assert spec.tables["profiles"].driving_fk.cardinality.kind == "bernoulli"
    assert generate_all(spec)["profiles"]["customer_id"].is_unique


# -- one test per error ----------------------------------------------------------------------


def test_unknown_plan_key_is_named_with_a_suggestion():
    error = refused(plan(insertion_ordr=["customers"]))
    assert "unknown key 'insertion_ordr' in the plan; did you mean 'insertion_order'?" in str(error)
    assert error.source == "plan.json"


def test_a_table_needs_a_name():
    error = refused(plan(tables=[{"record_count": 5}]))
    assert "tables[0] needs a `name` (a string) naming the table" in str(error)


def test_unknown_table_key_is_named():
    data = plan()
    data["tables"][0]["rows"] = 5
    error = refused(data)
    assert error.table == "customers"
    assert "unknown key 'rows' in a plan table" in error.message
    assert "allowed: name, record_count, columns" in error.message


def test_a_table_listed_twice():
    data = plan()
    data["tables"].append(copy.deepcopy(data["tables"][0]))
    assert refused(data).message == "the plan lists this table twice; list it once"


@pytest.mark.parametrize("count", [-1, 2.5, "100", True])
def test_record_count_must_be_a_whole_number(count):
    data = plan()
    data["tables"][0]["record_count"] = count
    error = refused(data)
    assert error.message == f"record_count must be a whole number >= 0, not {count!r}"
    assert error.table == "customers"


def test_columns_must_be_a_list():
    data = plan()
    data["tables"][0]["columns"] = {"email": "email"}
    assert refused(data).message == "`columns` must be a list of columns"


def test_a_column_needs_a_name():
    data = plan()
    data["tables"][0]["columns"].append({"faker_provider": "email"})
    assert refused(data).message == "columns[2] needs a `name` (a string) naming the column"


def test_unknown_column_key_is_named_with_a_suggestion():
    data = plan()
    data["tables"][0]["columns"][0]["param"] = {}
    error = refused(data)
    assert (error.table, error.column) == ("customers", "email")
    assert "unknown key 'param' in a plan column; did you mean 'params'?" in error.message


def test_a_column_listed_twice():
    data = plan()
    data["tables"][0]["columns"].append({"name": "email", "faker_provider": "email"})
    error = refused(data)
    assert (error.column, error.message) == ("email", "the plan lists this column twice")


def test_faker_provider_must_be_a_string():
    data = plan()
    data["tables"][0]["columns"][0]["faker_provider"] = None
    assert refused(data).message == "`faker_provider` must name a Faker provider (a string)"


def test_params_must_be_an_object():
    data = plan()
    data["tables"][0]["columns"][1]["params"] = [18, 80]
    error = refused(data)
    assert (error.column, error.message) == (
        "age",
        "`params` must be an object of keyword arguments",
    )


def test_a_plan_needs_tables():
    assert refused(plan(tables=[])).message == "the plan lists no tables"


def test_unknown_provider_is_named_with_the_closest_ones():
    data = plan()
    data["tables"][0]["columns"][0]["faker_provider"] = "emial"
    error = refused(data)
    assert (error.table, error.column) == ("customers", "email")
    assert "unknown Faker provider 'emial' for locale en_US; did you mean email" in error.message


def test_a_param_the_provider_does_not_take_is_named_with_a_suggestion():
    data = plan()
    data["tables"][0]["columns"][1]["params"] = {"minimum": 18, "max": 80}
    error = refused(data)
    assert error.column == "age"
    assert "provider 'random_int' does not take 'minimum' (did you mean 'min'?)" in error.message
    assert "it takes: min, max, step" in error.message


def test_params_the_provider_fails_with():
    data = plan()
    data["tables"][0]["columns"][1]["params"] = {"min": 80, "max": 18}
    error = refused(data)
    assert error.column == "age"
    assert error.message.startswith("provider 'random_int' fails with min=80, max=18: ValueError")


def test_unknown_locale():
    assert "unknown Faker locale 'en_XX'" in refused(plan(locale="en_XX")).message


def test_unknown_table_of_the_database(shop_db):
    data = plan()
    data["tables"][0]["name"] = "customer"
    data["insertion_order"] = ["customer", "orders"]
    error = refused(data, shop_db)
    assert error.table == "customer"
    assert error.message == "the target database has no table 'customer'; did you mean 'customers'?"


def test_unknown_column_of_the_database(shop_db):
    data = plan()
    data["tables"][0]["columns"][0]["name"] = "e_mail"
    error = refused(data, shop_db)
    assert error.message == "table 'customers' has no column 'e_mail'; did you mean 'email'?"


def test_a_foreign_key_column_cannot_take_a_provider(shop_db):
    data = plan()
    data["tables"][1]["columns"] = [{"name": "customer_id", "faker_provider": "random_int"}]
    error = refused(data, shop_db)
    assert (error.table, error.column) == ("orders", "customer_id")
    assert error.message.startswith("the column is a foreign key to customers")


def test_the_key_cannot_take_a_provider(shop_db):
    data = plan()
    data["tables"][0]["columns"] = [{"name": "customer_id", "faker_provider": "random_int"}]
    error = refused(data, shop_db)
    assert error.message.startswith("the column is the table's key, numbered so that")


def test_values_that_do_not_fit_the_column_type(shop_db):
    data = plan()
    data["tables"][0]["columns"][1]["faker_provider"] = "word"
    data["tables"][0]["columns"][1]["params"] = {}
    error = refused(data, shop_db)
    assert error.column == "age"
    assert "the provider gives str values (e.g. " in error.message
    assert "which do not fit the column's type (integer)" in error.message


def test_values_outside_an_enum(pg_url):
    load_ddl(pg_url, "pg_shop.sql")
    data = {
        "tables": [
            {
                "name": "orders",
                "columns": [
                    {
                        "name": "status",
                        "faker_provider": "random_element",
                        "params": {"elements": ["paid", "lost"]},
                    }
                ],
            }
        ]
    }
    error = refused(data, pg_url)
    assert (error.table, error.column) == ("orders", "status")
    assert error.message.startswith("the provider gives 'lost', which the column's ENUM does not")
    data["tables"][0]["columns"][0]["params"]["elements"] = ["paid", "shipped"]
    spec = spec_from_plan(data, target=pg_url)
    assert spec.tables["orders"].columns["status"].faker == "random_element"


def test_more_than_one_per_parent_for_a_unique_child(shop_db):
    data = plan()
    data["tables"].append({"name": "profiles", "record_count": 150, "columns": []})
    error = refused(data, shop_db)
    assert error.table == "profiles"
    assert "more than one per customers row (100 rows), but each customers row has at most one" in (
        error.message
    )


def test_children_of_an_empty_parent(shop_db):
    data = plan()
    data["tables"][0]["record_count"] = 0
    error = refused(data, shop_db)
    assert error.message == "record_count 300 needs rows of customers, which gets none"


def test_a_plan_alone_needs_record_counts():
    data = plan()
    del data["tables"][0]["record_count"]
    error = refused(data)
    assert error.message.startswith("record_count is required when no target database")


def test_a_plan_alone_needs_columns():
    assert refused(plan()).message == "the table lists no columns"  # orders lists none


def test_values_no_column_holds():
    data = plan(tables=[{"name": "blobs", "record_count": 3, "columns": [
        {"name": "b", "faker_provider": "binary", "params": {"length": 4}}]}])  # fmt: skip
    data["insertion_order"] = ["blobs"]
    assert (
        refused(data).message == "provider 'binary' gives bytes values, which no column type holds"
    )


def test_insertion_order_must_be_a_list_of_names(shop_db):
    error = refused(plan(insertion_order="customers, orders"), shop_db)
    assert error.message == "insertion_order must be a list of table names"


def test_insertion_order_names_an_unknown_table(shop_db):
    error = refused(plan(insertion_order=["customers", "order"]), shop_db)
    assert error.message == "insertion_order names unknown table 'order'; did you mean 'orders'?"


def test_insertion_order_repeats_a_table(shop_db):
    error = refused(plan(insertion_order=["customers", "orders", "customers"]), shop_db)
    assert error.message == "insertion_order lists customers more than once"


def test_insertion_order_leaves_out_a_plan_table(shop_db):
    error = refused(plan(insertion_order=["customers"]), shop_db)
    assert error.message == "insertion_order leaves out orders; list every table of the plan"


def test_insertion_order_that_contradicts_the_foreign_keys(shop_db):
    error = refused(plan(insertion_order=["orders", "customers"]), shop_db)
    assert (error.table, error.column) == ("orders", "customer_id")
    assert error.message == (
        "insertion_order puts orders before customers, but orders.customer_id references "
        "customers: insert customers first"
    )


def test_the_cli_reports_a_bad_plan_with_exit_code_2(tmp_path):
    path = tmp_path / "bad.json"
    data = plan()
    data["tables"][0]["columns"][0]["faker_provider"] = "emial"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "table 'customers', column 'email': unknown Faker provider 'emial'" in text
