"""The tool never deletes or changes a row it did not write (SQLite, PostgreSQL, MariaDB).

An append into a user's table leaves the user's rows theirs; a replace refuses a table holding
rows the tool did not write, and any delete whose FK actions would reach such rows; a run
refuses before it changes anything.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.engine.run import iter_spec
from seed_assets.errors import TargetError
from seed_assets.targets.base import Target
from seed_assets_tests.conftest import BANKING
from seed_assets_tests.servers import execute

runner = CliRunner()

USERS_CUSTOMERS = (
    "CREATE TABLE customers (customer_id VARCHAR(16) PRIMARY KEY, name VARCHAR(100), "
    "email VARCHAR(120), registration_date DATE, segment VARCHAR(12), "
    "annual_income NUMERIC(12, 2), credit_score INTEGER)"
)
MINE = (
    "INSERT INTO customers VALUES "
    "('mine', 'keep me', 'me@example.com', '2020-01-01', 'retail', 50000, 700)"
)


def scalar(url: str, statement: str):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.exec_driver_sql(statement).scalar_one()
    engine.dispose()
    return value


def write(spec, url: str, names, *, if_exists: str, seed: int | None = None) -> Target:
    target = Target.for_url(url)
    for generator, chunks in iter_spec(spec, seed=seed):
        if generator.name not in names:
            for _ in chunks:  # children read their parents' chunks
                pass
            continue
        result = target.write_table(
            spec, generator.name, chunks, seed=generator.seed, scale=1.0, if_exists=if_exists
        )
        assert result.committed
    return target


def key_type(url: str, table: str, column: str) -> str:
    """VARCHAR(16), with the referenced column's collation on MariaDB (an FK needs the same)."""
    if not url.startswith("mysql"):
        return "VARCHAR(16)"
    collation = scalar(
        url,
        "SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
        f"AND TABLE_NAME = '{table}' AND COLUMN_NAME = '{column}'",
    )
    return f"VARCHAR(16) COLLATE {collation}"


def test_append_into_a_users_table_does_not_make_their_rows_the_tools(banking, any_url):
    execute(any_url, USERS_CUSTOMERS, MINE)
    target = write(banking, any_url, {"customers"}, if_exists="append")
    assert target.status()["customers"].row_count == 1000  # its own rows, not the user's
    with pytest.raises(TargetError, match=r"1,001 rows, 1 of them .*did not write|1 of them"):
        target.write_table(
            banking, "customers", next(iter_spec(banking))[1], seed=1, scale=1.0,
            if_exists="replace",
        )  # fmt: skip
    assert scalar(any_url, "SELECT COUNT(*) FROM customers") == 1001
    assert scalar(any_url, "SELECT name FROM customers WHERE customer_id = 'mine'") == "keep me"
    target.dispose()


def test_a_row_added_by_hand_to_the_tools_table_stops_a_replace(banking, any_url):
    target = write(banking, any_url, {"customers"}, if_exists="fail")
    execute(any_url, MINE)
    with pytest.raises(TargetError, match=r"'customers' .* 1 of them"):
        write(banking, any_url, {"customers"}, if_exists="replace", seed=9)
    assert scalar(any_url, "SELECT COUNT(*) FROM customers") == 1001
    target.dispose()


@pytest.mark.parametrize("action", ["CASCADE", "SET NULL"])
def test_a_replace_never_cascades_into_a_table_the_tool_did_not_write(banking, any_url, action):
    target = write(banking, any_url, {"customers", "accounts"}, if_exists="fail")
    key = key_type(any_url, "accounts", "account_id")
    execute(
        any_url,
        f"CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id {key} NULL, "
        f"FOREIGN KEY (account_id) REFERENCES accounts (account_id) ON DELETE {action})",
        "INSERT INTO notes VALUES (1, (SELECT MIN(account_id) FROM accounts))",
    )
    before = scalar(any_url, "SELECT COUNT(*) FROM accounts")
    with pytest.raises(TargetError, match=rf"'notes' .*ON DELETE {action}"):
        write(banking, any_url, {"customers"}, if_exists="replace", seed=9)
    assert scalar(any_url, "SELECT COUNT(account_id) FROM notes") == 1
    assert scalar(any_url, "SELECT COUNT(*) FROM accounts") == before
    target.dispose()


def test_generate_refuses_before_it_replaces_anything(any_url, tmp_path):
    first = runner.invoke(app, ["generate", str(BANKING), "--target", any_url, "--seed", "7",
                                "--scale", "0.05"])  # fmt: skip
    assert first.exit_code == 0, first.output
    owner = scalar(any_url, "SELECT MIN(customer_id) FROM customers")
    names = scalar(any_url, "SELECT MIN(name) FROM customers")
    execute(
        any_url,
        f"CREATE TABLE audit (id INTEGER PRIMARY KEY, transaction_id "
        f"{key_type(any_url, 'transactions', 'transaction_id')}, FOREIGN KEY "
        "(transaction_id) REFERENCES transactions (transaction_id) ON DELETE CASCADE)",
        "INSERT INTO audit VALUES (1, (SELECT MIN(transaction_id) FROM transactions))",
    )
    again = runner.invoke(app, ["generate", str(BANKING), "--target", any_url, "--seed", "8",
                                "--scale", "0.05", "--if-exists", "replace"])  # fmt: skip
    message = " ".join(again.stderr.split())
    assert again.exit_code == 2, again.output
    assert "'audit'" in message and "ON DELETE CASCADE" in message
    # Nothing ran: the first table still holds the first run's rows.
    assert scalar(any_url, "SELECT MIN(name) FROM customers") == names
    assert scalar(any_url, "SELECT MIN(customer_id) FROM customers") == owner
    assert scalar(any_url, "SELECT COUNT(*) FROM audit") == 1
