"""The ten mistakes a new user makes most, as they meet them: `seed-assets generate` on a spec
with one mistake. Each exits 2 with one message naming the file, table and column and what to
change, and writes nothing (no database, not even its folder)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets_tests.conftest import BANKING

BANK = yaml.safe_load(BANKING.read_text())


def generate(tmp_path: Path, monkeypatch, mutate=None, *args: str) -> str:
    """Run `generate` from `tmp_path` (default target data/bank.sqlite) on banking with one
    mistake; assert exit 2 and that nothing was written; return the message on one line."""
    data = copy.deepcopy(BANK)
    if mutate:
        mutate(data)
    spec = tmp_path / "bank.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["generate", str(spec), *args])
    message = " ".join(result.stderr.split())
    assert result.exit_code == 2, result.output
    assert message.startswith("error: ")
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.yaml"]  # nothing written
    return message


def where(tmp_path: Path, table: str, column: str) -> str:
    return f"{tmp_path / 'bank.yaml'}, table '{table}', column '{column}': "


def customers(data: dict) -> dict:
    return data["tables"]["customers"]["columns"]


def customer_fk(data: dict) -> dict:
    return data["tables"]["accounts"]["foreign_keys"][0]


def test_misspelt_provider(tmp_path, monkeypatch):
    message = generate(tmp_path, monkeypatch, lambda d: customers(d)["email"].update(faker="emial"))
    assert where(tmp_path, "customers", "email") in message
    assert "unknown Faker provider 'emial'" in message
    assert "did you mean email" in message


def test_param_the_provider_does_not_take(tmp_path, monkeypatch):
    def mutate(data):
        customers(data)["email"]["params"] = {"domian": "bank.in"}

    message = generate(tmp_path, monkeypatch, mutate)
    assert where(tmp_path, "customers", "email") in message
    assert "provider 'email' does not take 'domian' (did you mean 'domain'?)" in message
    assert "remove it from `params` (it takes: safe, domain)" in message


def test_fk_to_an_unknown_table(tmp_path, monkeypatch):
    message = generate(
        tmp_path, monkeypatch, lambda d: customer_fk(d).update(references="clients(customer_id)")
    )
    assert where(tmp_path, "accounts", "customer_id") in message
    assert "unknown table 'clients'" in message
    assert "change `references:` to one of the spec's tables: customers, accounts" in message


def test_fk_to_an_unknown_column(tmp_path, monkeypatch):
    message = generate(
        tmp_path, monkeypatch, lambda d: customer_fk(d).update(references="customers(id)")
    )
    assert where(tmp_path, "accounts", "customer_id") in message
    assert "customers.id, which does not exist" in message
    assert "change `references:` to a column of customers: customer_id" in message


def test_fk_type_does_not_match_the_key(tmp_path, monkeypatch):
    def mutate(data):
        data["tables"]["accounts"]["columns"]["customer_id"] = {"type": "integer"}

    message = generate(tmp_path, monkeypatch, mutate)
    assert where(tmp_path, "accounts", "customer_id") in message
    assert "type integer does not match customers.customer_id (string)" in message
    assert "declare the FK column as string" in message


def test_not_null_cycle_with_no_way_out(tmp_path, monkeypatch):
    # A NOT NULL cycle of plain references is generated (deferred constraints); one where each
    # table's row count comes from the other has no first table.
    def mutate(data):
        customers(data)["main_account"] = {"type": "string", "length": 16}
        data["tables"]["customers"].pop("rows")
        data["tables"]["customers"]["foreign_keys"] = [
            {"columns": "main_account", "references": "accounts(account_id)",
             "cardinality": "fixed(1)"}
        ]  # fmt: skip

    message = generate(tmp_path, monkeypatch, mutate)
    assert where(tmp_path, "customers", "main_account") in message
    assert "customers.main_account -> accounts" in message
    assert "cycle (customers -> accounts -> customers) that cannot be generated" in message
    assert "Make one of them a plain reference (no cardinality, via or after through it)" in message


def test_unique_on_a_source_with_too_few_values(tmp_path, monkeypatch):
    def mutate(data):
        customers(data)["segment"]["unique"] = True

    message = generate(tmp_path, monkeypatch, mutate)
    assert where(tmp_path, "customers", "segment") in message
    assert "`unique: true` needs 1000 distinct values, but the source has only 3" in message
    assert "widen it, or lower `rows`" in message


def test_unique_too_few_values_at_the_run_scale(tmp_path, monkeypatch):
    def mutate(data):
        customers(data)["pin"] = {
            "type": "integer",
            "distribution": "uniform(1000, 2999)",
            "unique": True,
        }

    message = generate(tmp_path, monkeypatch, mutate, "--scale", "3")
    assert where(tmp_path, "customers", "pin") in message
    assert "needs 3000 distinct values (rows 1000 at scale 3), but the source has only 2000" in (
        message
    )
    assert "lower `rows` or the scale" in message


def test_probabilities_not_summing_to_one(tmp_path, monkeypatch):
    message = generate(
        tmp_path,
        monkeypatch,
        lambda d: customers(d)["segment"].update(choice={"retail": 0.6, "sme": 0.3}),
    )
    assert where(tmp_path, "customers", "segment") in message
    assert "probabilities sum to 0.9, not 1; adjust the weights" in message


@pytest.mark.parametrize(
    ("mutate", "column", "words"),
    [
        (lambda d: d["tables"]["customers"].update(rows=-5), None, "`rows` is -5; it must be >= 0"),
        (
            lambda d: customer_fk(d).update(cardinality="fixed(-2)"),
            "customer_id",
            "`cardinality.n` is -2; it must be >= 0",
        ),
    ],
    ids=["rows", "cardinality"],
)
def test_negative_count(tmp_path, monkeypatch, mutate, column, words):
    message = generate(tmp_path, monkeypatch, mutate)
    table = "customers" if column is None else "accounts"
    located = f"{tmp_path / 'bank.yaml'}, table '{table}'"
    assert message.startswith(f"error: {located}{f', column {column!r}' if column else ''}: ")
    assert words in message and "(a count cannot be negative)" in message


def test_temporal_rule_on_a_non_date_column(tmp_path, monkeypatch):
    def mutate(data):
        data["tables"]["accounts"]["columns"]["balance"] = {
            "type": "float",
            "after": "customers.registration_date",
            "until": "2026-01-01",
        }

    message = generate(tmp_path, monkeypatch, mutate)
    assert where(tmp_path, "accounts", "balance") in message
    assert "`after` is a temporal rule, but the column type is float" in message
    assert "use type date or timestamp" in message


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (
            "sqlite+pysqlcipher://:hunter2@/encrypted.db",
            "the driver 'pysqlcipher' for sqlite is not installed (no module named "
            "'pysqlcipher3'); name an installed one instead: sqlite://, or install it "
            "(`uv add pysqlcipher3` or `pip install pysqlcipher3`)",
        ),
        (
            "sqlite+aiosqlite:///async.db",
            "the driver 'aiosqlite' for sqlite is an asyncio driver, and seed-assets writes "
            "with a synchronous one; name an installed one instead: sqlite://",
        ),
    ],
    ids=["missing", "async"],
)
def test_target_url_whose_driver_is_not_installed(tmp_path, monkeypatch, url, words):
    message = generate(tmp_path, monkeypatch, None, "--target", url)
    assert words in message
    assert "hunter2" not in message  # a password stays hidden


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql+mysqldb://root:hunter2@127.0.0.1/db", "the driver 'mysqldb' for mysql"),
        ("postgresql+asyncpg://root:hunter2@127.0.0.1/db", "is an asyncio driver"),
    ],
    ids=["mysqldb", "asyncpg"],
)
def test_driver_check_names_the_installed_drivers(url, words):
    """The same check for the server databases (their writers call it before connecting)."""
    from seed_assets.errors import TargetError
    from seed_assets.targets.drivers import check_driver

    with pytest.raises(TargetError) as info:
        check_driver(url)
    message = str(info.value)
    assert words in message and "hunter2" not in message and "root:***@" in message
    installed = {"mysql": "mysql+pymysql://", "postgresql": "postgresql+psycopg://"}
    assert f"name an installed one instead: {installed[url.split('+')[0]]}" in message
