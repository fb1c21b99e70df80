# ruff: noqa: E501  (the realism table keeps each SQL assertion on one line)
"""Real public schemas nobody here wrote (``real_schemas.py``): each is loaded into a fresh
database with the dialect's own client, reflected, and generated back into the same tables
unchanged, with every constraint the file declares enforced by the database. Then what a
person who knows the domain would check, in SQL: ordered dates, realistic NULL shares of an
end, owners driving their children, several lines per order, fractions and flags in range."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets_tests.real_schemas import SCHEMAS, RealSchema, empty, load

runner = CliRunner()

# (schema, what is asserted, SQL giving one number, low, high): the number must lie in
# [low, high]. Names as each file spells them.
REALISM = [
    (
        "chinook_sqlite",
        "albums with tracks",
        "SELECT AVG(CASE WHEN EXISTS (SELECT 1 FROM Track t WHERE t.AlbumId = a.AlbumId) THEN 1.0 ELSE 0 END) FROM Album a",
        0.5,
        1,
    ),
    (
        "chinook_sqlite",
        "lines per invoice",
        "SELECT COUNT(*) * 1.0 / COUNT(DISTINCT InvoiceId) FROM InvoiceLine",
        1.5,
        10,
    ),
    (
        "chinook_pg",
        "albums with tracks",
        "SELECT AVG(CASE WHEN EXISTS (SELECT 1 FROM track t WHERE t.album_id = a.album_id) THEN 1.0 ELSE 0 END) FROM album a",
        0.5,
        1,
    ),
    (
        "chinook_pg",
        "lines per invoice",
        "SELECT COUNT(*) * 1.0 / COUNT(DISTINCT invoice_id) FROM invoice_line",
        1.5,
        10,
    ),
    (
        "chinook_mysql",
        "lines per invoice",
        "SELECT COUNT(*) * 1.0 / COUNT(DISTINCT InvoiceId) FROM InvoiceLine",
        1.5,
        10,
    ),
    (
        "sakila_pg",
        "returns before rentals",
        "SELECT COUNT(*) FROM rental WHERE return_date < rental_date",
        0,
        0,
    ),
    (
        "sakila_pg",
        "rentals not returned",
        "SELECT AVG(CASE WHEN return_date IS NULL THEN 1.0 ELSE 0 END) FROM rental",
        0.02,
        0.5,
    ),
    (
        "sakila_pg",
        "stores with two managers",
        "SELECT COUNT(*) - COUNT(DISTINCT manager_staff_id) FROM store",
        0,
        0,
    ),
    (
        "sakila_mysql",
        "returns before rentals",
        "SELECT COUNT(*) FROM rental WHERE return_date < rental_date",
        0,
        0,
    ),
    (
        "sakila_mysql",
        "stores with two managers",
        "SELECT COUNT(*) - COUNT(DISTINCT manager_staff_id) FROM store",
        0,
        0,
    ),
    (
        "sakila_sqlite",
        "returns before rentals",
        "SELECT COUNT(*) FROM rental WHERE return_date < rental_date",
        0,
        0,
    ),
    (
        "northwind_pg",
        "shipped before ordered",
        "SELECT COUNT(*) FROM orders WHERE shipped_date < order_date OR required_date < order_date",
        0,
        0,
    ),
    (
        "northwind_pg",
        "lines per order",
        "SELECT COUNT(*) * 1.0 / COUNT(DISTINCT order_id) FROM order_details",
        1.5,
        10,
    ),
    (
        "northwind_pg",
        "discount outside [0, 1]",
        "SELECT COUNT(*) FROM order_details WHERE discount < 0 OR discount > 1",
        0,
        0,
    ),
    (
        "northwind_pg",
        "orders not shipped",
        "SELECT AVG(CASE WHEN shipped_date IS NULL THEN 1.0 ELSE 0 END) FROM orders",
        0.02,
        0.5,
    ),
    (
        "employees_mysql",
        "periods ending before they start",
        "SELECT (SELECT COUNT(*) FROM dept_emp WHERE to_date < from_date) + (SELECT COUNT(*) FROM salaries WHERE to_date < from_date)",
        0,
        0,
    ),
    (
        "tpch_pg",
        "lines per order",
        "SELECT COUNT(*) * 1.0 / COUNT(DISTINCT l_orderkey) FROM lineitem",
        1.5,
        10,
    ),
    (
        "tpch_pg",
        "received before shipped",
        "SELECT COUNT(*) FROM lineitem WHERE l_receiptdate < l_shipdate",
        0,
        0,
    ),
    (
        "tpch_pg",
        "discount or tax outside [0, 1]",
        "SELECT COUNT(*) FROM lineitem WHERE l_discount NOT BETWEEN 0 AND 1 OR l_tax NOT BETWEEN 0 AND 1",
        0,
        0,
    ),
    (
        "qloapps_mysql",
        "flags other than 0/1",
        "SELECT COUNT(*) FROM qlo_cart_rule WHERE active NOT IN (0, 1) OR free_shipping NOT IN (0, 1)",
        0,
        0,
    ),
    (
        "qloapps_mysql",
        "currency codes longer than 3",
        "SELECT COUNT(*) FROM qlo_currency WHERE LENGTH(iso_code) <> 3",
        0,
        0,
    ),
    (
        "qloapps_mysql",
        "language codes not 2 letters",
        "SELECT COUNT(*) FROM qlo_lang WHERE LENGTH(iso_code) <> 2",
        0,
        0,
    ),
]


@pytest.fixture
def database(request, tmp_path):
    """A fresh database of the schema's dialect (a file for SQLite)."""
    schema: RealSchema = request.param
    if schema.dialect == "sqlite":
        context = nullcontext(f"sqlite:///{tmp_path / 'db.sqlite'}")
    else:
        from seed_assets_tests.servers import MYSQL_SERVER, PG_SERVER, fresh_database

        server = PG_SERVER if schema.dialect == "postgresql" else MYSQL_SERVER
        context = fresh_database(server, "real")
    with context as url:
        yield schema, url


@pytest.mark.parametrize("database", SCHEMAS, ids=[s.name for s in SCHEMAS], indirect=True)
def test_real_schema_loads_as_reflected(database, tmp_path):
    schema, url = database
    load(schema, url)
    empty(url)  # sample rows and version rows out; the DDL, triggers and constraints stay
    spec_path = tmp_path / f"{schema.name}.yaml"
    result = runner.invoke(app, ["reflect", url, "--out", str(spec_path)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(spec_path.read_text())  # review notes keep the YAML valid
    assert len(data["tables"]) == schema.tables
    assert "does not load as it is" not in spec_path.read_text()
    result = runner.invoke(app, ["generate", str(spec_path), "--target", url])
    assert result.exit_code == 0, result.output[-3000:]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            filled = sum(
                1
                for name in data["tables"]
                if conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
            )
            assert filled >= 0.8 * len(data["tables"]), f"{filled} of {len(data['tables'])} filled"
            for name, what, sql, low, high in REALISM:
                if name == schema.name:
                    value = float(conn.exec_driver_sql(sql).scalar() or 0)
                    assert low <= value <= high, f"{what}: {value} not in [{low}, {high}]"
    finally:
        engine.dispose()
