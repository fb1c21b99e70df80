"""The writer suite, run against every target on the real servers: SQLite, PostgreSQL, MariaDB.

Constraints declared and enforced, re-runs only with an explicit --if-exists, other people's
data safe, refused rows reported precisely, Ctrl+C and failed checks leave nothing half-written.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from seed_assets.engine.run import generate_all, iter_spec
from seed_assets.errors import TargetError
from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.base import Target, mask_url
from seed_assets.targets.cancel import CancelToken
from seed_assets.targets.load_report import LoadCancelled, LoadError
from seed_assets_tests.servers import execute, query


def write_all(spec, url, *, if_exists="fail", **kwargs) -> Target:
    target = Target.for_url(url)
    for generator, chunks in iter_spec(spec, **kwargs):
        result = target.write_table(
            spec,
            generator.name,
            chunks,
            seed=generator.seed,
            scale=generator.scale,
            if_exists=if_exists,
        )
        assert result.committed and not result.rejected_count
    return target


@pytest.fixture
def target_for(request):
    made: list[Target] = []

    def make(url: str) -> Target:
        made.append(Target.for_url(url))
        return made[-1]

    yield make
    for target in made:
        target.dispose()


def test_round_trip_equals_generated_frames(banking, any_url):
    target = write_all(banking, any_url)
    expected = generate_all(banking)
    for name, frame in expected.items():
        back = target.read_columns(banking, name, list(frame.columns))
        pd.testing.assert_frame_equal(back, frame, check_exact=True, obj=name)
    target.dispose()


def test_schema_declares_keys_and_constraints(banking, any_url):
    target = write_all(banking, any_url)
    engine = target.engine  # SQLite enforces FKs only on connections that turn them on
    inspector = sa.inspect(engine)
    assert inspector.get_pk_constraint("accounts")["constrained_columns"] == ["account_id"]
    fks = {
        (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"])
        for fk in inspector.get_foreign_keys("transactions")
    }
    assert fks == {
        ("fk_transactions_account_id", ("account_id",), "accounts"),
        ("fk_transactions_customer_id", ("customer_id",), "customers"),
    }
    unique = inspector.get_unique_constraints("customers")
    assert [u["column_names"] for u in unique] == [["email"]]
    columns = {c["name"]: c for c in inspector.get_columns("customers")}
    assert columns["email"]["nullable"] is False
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO accounts (account_id, customer_id, account_type, opened_date, balance, "
            "usual_amount) "
            "VALUES ('ACC99999999', 'NOBODY', 'loan', '2024-01-01', 1, 1)"
        )
    with pytest.raises((sa.exc.IntegrityError, sa.exc.OperationalError)), engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO accounts (account_id, customer_id, account_type, opened_date, balance, "
            "usual_amount) "
            "VALUES ('ACC99999999', 'CUST000001', 'gold', '2024-01-01', 1, 1)"
        )
    target.dispose()


def test_a_rerun_needs_an_explicit_if_exists(banking, any_url):
    target = write_all(banking, any_url)
    first = target.row_counts(banking.tables)
    with pytest.raises(TargetError, match=r"already holds 1,000 rows .*--if-exists replace"):
        write_all(banking, any_url, seed=99)
    assert target.row_counts(banking.tables) == first
    write_all(banking, any_url, seed=99, if_exists="replace")
    second = target.row_counts(banking.tables)
    assert second["customers"] == first["customers"] == 1000
    assert second["accounts"] != first["accounts"]  # other seed, other cardinalities
    status = target.status()
    assert {status[t].status for t in banking.tables} == {"complete"}
    assert status["accounts"].seed == 99
    assert status["accounts"].row_count == second["accounts"]
    target.dispose()


def test_append_adds_rows(banking, any_url):
    customers = _customers(banking)
    target = write_all(customers, any_url)
    shifted = generate_all(customers, seed=1)["customers"]
    shifted["customer_id"] = shifted["customer_id"].str.replace("CUST", "CUSU")
    shifted["email"] = "2" + shifted["email"]
    target.write_table(customers, "customers", [shifted], seed=1, scale=1, if_exists="append")
    assert target.row_counts(["customers"]) == {"customers": 2000}
    target.dispose()


def test_replacing_a_parent_empties_its_descendants(banking, any_url):
    target = write_all(banking, any_url)
    generator = next(iter_spec(banking, seed=5))[0]
    target.write_table(
        banking, "customers", generator.frames(), seed=5, scale=1.0, if_exists="replace"
    )
    counts = target.row_counts(banking.tables)
    assert counts == {"customers": 1000, "accounts": 0, "transactions": 0, "invoices": 0}
    status = target.status()
    assert status["accounts"].status == "cleared" and status["customers"].status == "complete"
    # and the emptied children can be regenerated on the new parents, constraints intact
    for name, frame in list(generate_all(banking, seed=5).items())[1:]:
        target.write_table(banking, name, [frame], seed=5, scale=1.0)
    assert target.row_counts(["invoices"])["invoices"] > 0
    target.dispose()


def test_never_replaces_a_users_rows(banking, any_url):
    execute(
        any_url,
        "CREATE TABLE customers (customer_id VARCHAR(16) PRIMARY KEY, note VARCHAR(20))",
        "INSERT INTO customers VALUES ('mine', 'keep me')",
    )
    with pytest.raises(TargetError, match=r"'customers' .* rows .*not this tool"):
        write_all(banking, any_url)
    with pytest.raises(TargetError, match=r"replace only replaces what this spec wrote"):
        write_all(banking, any_url, if_exists="replace")
    assert query(any_url, "SELECT * FROM customers") == [("mine", "keep me")]


def test_fills_a_users_empty_table_without_dropping_it(banking, any_url):
    execute(
        any_url,
        "CREATE TABLE customers (customer_id VARCHAR(16) PRIMARY KEY, name VARCHAR(100), "
        "email VARCHAR(120), registration_date DATE, segment VARCHAR(12), "
        "annual_income NUMERIC(12, 2), credit_score INTEGER, loyalty INTEGER DEFAULT 7)",
    )
    target = write_all(banking, any_url)
    assert query(any_url, "SELECT COUNT(*), MIN(loyalty) FROM customers") == [(1000, 7)]
    assert target.status()["customers"].created_by_tool is False
    write_all(banking, any_url, if_exists="replace")  # refilled by the same spec, not dropped
    assert query(any_url, "SELECT COUNT(*), MIN(loyalty) FROM customers") == [(1000, 7)]
    target.dispose()


def test_a_failed_write_leaves_the_previous_table(banking, any_url):
    target = write_all(banking, any_url)
    before = target.read_columns(banking, "customers", ["customer_id", "name"])

    def failing():
        generator = next(iter_spec(banking, seed=3))[0]
        yield next(generator.frames()).iloc[:10]
        raise KeyboardInterrupt  # Ctrl+C in the middle of the table

    with pytest.raises(KeyboardInterrupt):
        target.write_table(banking, "customers", failing(), seed=3, scale=1.0, if_exists="replace")
    after = target.read_columns(banking, "customers", ["customer_id", "name"])
    pd.testing.assert_frame_equal(after, before)
    assert target.row_counts(["accounts"]) == {"accounts": 1983}  # descendants untouched too
    assert target.status()["customers"].seed == banking.seed
    target.dispose()


def test_cancel_stops_after_the_batch_and_rolls_back(banking, any_url, monkeypatch):
    target = write_all(banking, any_url)
    before = target.row_counts(banking.tables)
    monkeypatch.setattr(target, "batch_rows", 100)
    token = CancelToken()
    seen = []

    def on_rows(n: int) -> None:
        seen.append(n)
        token.cancel()  # as the first Ctrl+C does, from the signal handler

    generator = next(iter_spec(banking, seed=3))[0]
    with pytest.raises(LoadCancelled, match=r"'customers'.*rolled back"):
        target.write_table(
            banking,
            "customers",
            generator.frames(),
            seed=3,
            scale=1.0,
            if_exists="replace",
            on_rows=on_rows,
            cancel=token,
        )
    assert seen == [100]  # the batch under way finished, no other started
    assert target.row_counts(banking.tables) == before
    target.dispose()


def test_a_disapproved_table_is_rolled_back(banking, any_url):
    target = write_all(banking, any_url)
    generator = next(iter_spec(banking, seed=3))[0]
    result = target.write_table(
        banking,
        "customers",
        generator.frames(),
        seed=3,
        scale=1.0,
        if_exists="replace",
        approve=lambda: False,
    )
    assert not result.committed
    assert target.status()["customers"].seed == banking.seed
    assert target.row_counts(["accounts"]) == {"accounts": 1983}
    target.dispose()


def test_a_changed_spec_recreates_the_tables_it_owns(banking, any_url):
    write_all(banking, any_url).dispose()
    data = banking.model_dump(exclude_unset=True, by_alias=True)
    data["tables"]["invoices"]["columns"]["memo"] = {"type": "string", "constant": "n/a"}
    changed = spec_from_dict(data)
    write_all(changed, any_url, if_exists="replace").dispose()
    engine = sa.create_engine(any_url)
    columns = [c["name"] for c in sa.inspect(engine).get_columns("invoices")]
    engine.dispose()
    assert columns[-1] == "memo"


def test_nulls_round_trip(shop, any_url):
    target = write_all(shop, any_url)
    back = target.read_columns(shop, "categories", ["category_id", "parent_id"])
    generated = generate_all(shop)["categories"][["category_id", "parent_id"]]
    pd.testing.assert_frame_equal(back, generated)
    assert back["parent_id"].isna().any()
    target.dispose()


# -- refused rows ------------------------------------------------------------------------------


def _users_customers_with_check(url: str) -> None:
    execute(
        url,
        "CREATE TABLE customers (customer_id VARCHAR(16) PRIMARY KEY, name VARCHAR(100), "
        "email VARCHAR(120), registration_date DATE, segment VARCHAR(12), "
        "annual_income NUMERIC(12, 2), credit_score INTEGER, "
        "CONSTRAINT no_sme CHECK (segment <> 'sme'))",
    )


def _customers(banking):
    data = banking.model_dump(exclude_unset=True, by_alias=True)
    data["tables"] = {"customers": data["tables"]["customers"]}
    data.pop("expectations", None)
    return spec_from_dict(data)


def test_refused_rows_fail_the_table_with_a_precise_report(banking, any_url):
    _users_customers_with_check(any_url)
    customers = _customers(banking)
    frame = generate_all(customers)["customers"]
    target = Target.for_url(any_url)
    with pytest.raises(LoadError) as info:
        target.write_table(customers, "customers", [frame], seed=0, scale=1)
    error = info.value
    expected = int((frame["segment"] == "sme").sum())
    assert error.total == expected > 0
    first = error.errors[0]
    assert (first.table, first.constraint, first.column, first.value) == (
        "customers",
        "no_sme",
        "segment",
        "sme",
    )
    assert frame.iloc[first.row]["segment"] == "sme"
    assert "no_sme" in str(error) and "--on-error continue" in str(error)
    assert query(any_url, "SELECT COUNT(*) FROM customers") == [(0,)]
    target.dispose()


def test_on_error_continue_loads_the_rest_and_reports(banking, any_url):
    _users_customers_with_check(any_url)
    customers = _customers(banking)
    frame = generate_all(customers)["customers"]
    target = Target.for_url(any_url)
    result = target.write_table(
        customers, "customers", [frame], seed=0, scale=1, on_error="continue"
    )
    sme = frame.index[frame["segment"] == "sme"].tolist()
    assert result.rejected_count == len(sme)
    assert sorted(e.row for e in result.rejected) == sme
    assert result.rows == len(frame) - len(sme)
    assert query(any_url, "SELECT COUNT(*) FROM customers") == [(len(frame) - len(sme),)]
    target.dispose()


def test_orphans_are_reported_by_fk_and_value(banking, any_url):
    target = Target.for_url(any_url)
    frames = generate_all(banking)
    customers = frames["customers"]
    missing = customers["customer_id"].iloc[[3, 4]].tolist()
    target.write_table(banking, "customers", [customers.drop(index=[3, 4])], seed=0, scale=1)
    with pytest.raises(LoadError) as info:
        target.write_table(banking, "accounts", [frames["accounts"]], seed=0, scale=1)
    orphans = frames["accounts"]["customer_id"].isin(missing).sum()
    assert info.value.total == orphans
    assert {e.constraint for e in info.value.errors} == {"fk_accounts_customer_id"}
    assert {e.column for e in info.value.errors} == {"customer_id"}
    assert {e.value for e in info.value.errors} == set(missing)
    assert target.row_counts(["accounts"])["accounts"] in (None, 0)  # MySQL DDL commits alone
    result = target.write_table(
        banking, "accounts", [frames["accounts"]], seed=0, scale=1, on_error="continue"
    )
    assert result.rows == len(frames["accounts"]) - orphans
    assert target.row_counts(["accounts"]) == {"accounts": result.rows}
    engine = sa.create_engine(any_url)
    names = {fk["name"] for fk in sa.inspect(engine).get_foreign_keys("accounts")}
    engine.dispose()
    assert names == {"fk_accounts_customer_id"}  # the constraint is there, and holds
    target.dispose()


@pytest.mark.parametrize("server", ["pg_url", "mysql_url"])
def test_a_value_that_does_not_fit_is_refused_not_truncated(banking, server, request):
    url = request.getfixturevalue(server)
    execute(
        url,
        "CREATE TABLE customers (customer_id VARCHAR(16) PRIMARY KEY, name VARCHAR(12), "
        "email VARCHAR(120), registration_date DATE, segment VARCHAR(12), "
        "annual_income NUMERIC(12, 2), credit_score INTEGER)",
    )
    customers = _customers(banking)
    frame = generate_all(customers)["customers"].iloc[:50]
    target = Target.for_url(url)
    result = target.write_table(
        customers, "customers", [frame], seed=0, scale=1, on_error="continue"
    )
    too_long = frame.index[frame["name"].str.len() > 12].tolist()
    assert 0 < len(too_long) < len(frame)
    assert sorted(e.row for e in result.rejected) == too_long
    assert {e.column for e in result.rejected} == {"name"}
    assert query(url, "SELECT MAX(LENGTH(name)) FROM customers")[0][0] <= 12
    target.dispose()


# -- URLs ----------------------------------------------------------------------------------------


def test_unknown_dialect_is_a_clear_error():
    with pytest.raises(TargetError, match="oracle is not a supported target; use one of"):
        Target.for_url("oracle+oracledb://u:secret@h/db")


def test_a_driver_that_is_not_installed_is_a_clear_error():
    with pytest.raises(TargetError, match=r"driver 'asyncpg' .*postgresql\+psycopg://") as info:
        Target.for_url("postgresql+asyncpg://user:hunter2@127.0.0.1/db")
    assert "hunter2" not in str(info.value)


def test_password_never_shown():
    assert "secret" not in mask_url("postgresql+psycopg://user:secret@localhost/db")
    assert "***" in mask_url("postgresql+psycopg://user:secret@localhost/db")
    with pytest.raises(TargetError) as info:
        Target.for_url("mssql+pyodbc://user:hunter2@host/db")
    assert "hunter2" not in str(info.value)


def test_repeated_keys_are_refused_and_named(banking, any_url):
    customers = _customers(banking)
    frame = generate_all(customers)["customers"]
    repeated = pd.concat([frame, frame.iloc[[5, 6]]], ignore_index=True)
    repeated.loc[len(frame) :, "email"] = ["x1@example.com", "x2@example.com"]
    target = Target.for_url(any_url)
    with pytest.raises(LoadError) as info:
        target.write_table(customers, "customers", [repeated], seed=0, scale=1)
    assert info.value.total == 2
    assert {(e.constraint, e.column) for e in info.value.errors} == {
        ("pk_customers_customer_id", "customer_id")
    }
    assert {e.value for e in info.value.errors} == set(frame["customer_id"].iloc[[5, 6]])
    result = target.write_table(
        customers, "customers", [repeated], seed=0, scale=1, on_error="continue"
    )
    assert result.rows == len(frame) and result.rejected_count == 2
    assert query(any_url, "SELECT COUNT(DISTINCT customer_id), COUNT(*) FROM customers") == [
        (len(frame), len(frame))
    ]
    engine = sa.create_engine(any_url)
    assert sa.inspect(engine).get_pk_constraint("customers")["constrained_columns"] == [
        "customer_id"
    ]
    engine.dispose()
    target.dispose()
