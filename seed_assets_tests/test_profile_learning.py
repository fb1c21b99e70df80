"""What `seed-assets profile` learns from data, each on a small real database built here: an
aggregate equality only where it holds in every row, rare labels kept only from a public
vocabulary and never with their own counts, and the engine's stratified draws that let a small
table follow its measured shares."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
import sqlalchemy as sa

from seed_assets.engine.run import generate_all
from seed_assets.sources.profile import profile
from seed_assets.spec.loader import spec_from_dict

SCHEMA = [
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC(10, 2) NOT NULL, "
    "items INTEGER NOT NULL, score INTEGER NOT NULL, country VARCHAR(40) NOT NULL, "
    "code VARCHAR(10) NOT NULL)",
    "CREATE TABLE products (id INTEGER PRIMARY KEY, price NUMERIC(10, 2) NOT NULL)",
    "CREATE TABLE lines (id INTEGER PRIMARY KEY, "
    "order_id INTEGER NOT NULL REFERENCES orders(id), "
    "product_id INTEGER NOT NULL REFERENCES products(id), "
    "quantity INTEGER NOT NULL, price NUMERIC(10, 2) NOT NULL)",
]
FREQUENT = ["France"] * 40 + ["Germany"] * 30 + ["Brazil"] * 20
RARE_PUBLIC = ["Chile", "Chile", "Norway", "Austria", "Austria", "Austria"]  # 6 rows, 3 labels
CODES = ["A1"] * 50 + ["B2"] * 40 + ["ZQ9", "ZQ9", "XW7", "XW7", "KP3", "KP3"]  # private codes


def _load(
    url: str, *, broken: bool = False, countries: list[str] | None = None, checks: bool = False
) -> str:
    """Orders whose `total` is the sum of their lines' quantity * price and `items` their line
    count (one order's total 0.02 off when `broken`); `score` is unrelated to the lines."""
    countries = countries or FREQUENT + RARE_PUBLIC
    rng = np.random.default_rng(7)
    orders, lines = [], []
    for order_id in range(1, len(countries) + 1):
        n, total = int(rng.integers(1, 6)), 0.0
        for _ in range(n):
            quantity, price = int(rng.integers(1, 4)), float(rng.choice([0.99, 1.99, 4.5]))
            total += quantity * price
            lines.append(
                {
                    "id": len(lines) + 1,
                    "o": order_id,
                    "p": int(rng.integers(1, 21)),
                    "q": quantity,
                    "price": price,
                }
            )
        total = round(total + (0.02 if broken and order_id == 17 else 0.0), 2)
        orders.append(
            {
                "id": order_id,
                "total": total,
                "items": n,
                "score": int(rng.integers(0, 100)),
                "country": countries[order_id - 1],
                "code": CODES[(order_id - 1) % len(CODES)],
            }
        )
    products = [{"id": i, "price": float(rng.choice([0.99, 1.99]))} for i in range(1, 21)]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in SCHEMA:
            if checks and statement.startswith("CREATE TABLE orders"):
                statement = statement[:-1] + ", CHECK (score >= 0))"
            conn.exec_driver_sql(statement)
        conn.execute(
            sa.text("INSERT INTO orders VALUES (:id, :total, :items, :score, :country, :code)"),
            orders,
        )
        conn.execute(sa.text("INSERT INTO products VALUES (:id, :price)"), products)
        conn.execute(sa.text("INSERT INTO lines VALUES (:id, :o, :p, :q, :price)"), lines)
    engine.dispose()
    return url


def _columns(url: str) -> tuple[dict, dict]:
    tables = profile(url).data["tables"]
    return tables, tables["orders"]["columns"]


def _assert_learned(url: str) -> None:
    tables, columns = _columns(url)
    total = columns["total"]["aggregate"]
    assert total["table"] == "lines" and total["function"] == "sum"
    assert sorted(total["expr"].split(" * ")) == ["price", "quantity"]
    assert columns["items"]["aggregate"] == {"table": "lines", "function": "count"}
    assert "aggregate" not in columns["score"]  # unrelated to the lines: its own distribution
    # The lines are now made per order (the aggregate's FK drives them).
    by_fk = {fk["columns"][0]: fk for fk in tables["lines"]["foreign_keys"]}
    assert "cardinality" in by_fk["order_id"] and "spread" in by_fk["product_id"]
    # The spec loads and generates; every order's total is its lines' sum.
    spec = spec_from_dict(profile(url).data, source="<test>")
    made = generate_all(spec)
    lines, orders = made["lines"], made["orders"].set_index("id")
    sums = (lines["quantity"] * lines["price"].astype(float)).groupby(lines["order_id"]).sum()
    assert np.allclose(orders.loc[sums.index, "total"].astype(float), sums, atol=0.005)
    assert (orders.loc[sums.index, "items"] == lines.groupby("order_id").size()).all()


def test_aggregate_equalities_learned_where_they_hold_sqlite(tmp_path):
    _assert_learned(_load(f"sqlite:///{tmp_path / 'shop.db'}"))


def test_aggregate_equalities_learned_where_they_hold_postgres(pg_url):
    _assert_learned(_load(pg_url))


def test_aggregate_not_learned_when_one_row_disagrees(tmp_path):
    _, columns = _columns(_load(f"sqlite:///{tmp_path / 'shop.db'}", broken=True))
    assert "aggregate" not in columns["total"]  # off by 0.02 in one order of 96
    assert "distribution" in columns["total"]
    assert columns["items"]["aggregate"]["function"] == "count"  # still exact


def test_rare_public_labels_share_one_even_weight(tmp_path):
    _, columns = _columns(_load(f"sqlite:///{tmp_path / 'shop.db'}"))
    choice = columns["country"]["choice"]
    assert set(choice) == {"France", "Germany", "Brazil", "Chile", "Norway", "Austria"}
    # Frequent labels keep their measured shares; the rare ones one even share each (6 rows
    # over 3 labels), so neither Chile's 2 nor Austria's 3 is written.
    assert choice["France"] == pytest.approx(40 / 96, abs=5e-4)  # absorbs the rounding
    assert (
        choice["Chile"] == choice["Norway"] == choice["Austria"] == pytest.approx(2 / 96, abs=1e-4)
    )
    # A column of private codes keeps only its labels seen >= 5 times.
    assert set(columns["code"]["choice"]) == {"A1", "B2"}


def test_rare_public_labels_left_out_when_they_are_too_few(tmp_path):
    """Rare public labels that cover fewer than K rows together would reveal small counts."""
    few = [*FREQUENT, "Chile", "Norway", "Spain", "Spain"]  # 4 rare rows, K = 5
    _, columns = _columns(_load(f"sqlite:///{tmp_path / 'few.db'}", countries=few))
    assert set(columns["country"]["choice"]) == {"France", "Germany", "Brazil"}


def test_rare_labels_of_a_mostly_private_column_are_left_out(tmp_path):
    """A column whose labels are mostly not public words is no vocabulary column, even when a
    rare label happens to spell a place."""
    mixed = ["Acme"] * 40 + ["Globex"] * 30 + ["Initech"] * 20 + ["Chile"] * 3 + ["Norway"] * 3
    _, columns = _columns(_load(f"sqlite:///{tmp_path / 'mixed.db'}", countries=mixed))
    assert set(columns["country"]["choice"]) == {"Acme", "Globex", "Initech"}


def test_small_table_follows_its_shares():
    """Stratified draws: eight rows of a 5/8, 2/8, 1/8 choice come out as exactly 5, 2, 1."""
    spec = spec_from_dict(
        {
            "name": "tiny",
            "tables": {
                "staff": {
                    "rows": 8,
                    "columns": {
                        "id": {"type": "integer", "sequence": {"start": 1}},
                        "city": {"type": "string", "choice": {"a": 0.625, "b": 0.25, "c": 0.125}},
                    },
                }
            },
        },
        source="<test>",
    )
    for seed in range(5):
        counts = generate_all(spec, seed=seed)["staff"]["city"].value_counts().to_dict()
        assert counts == {"a": 5, "b": 2, "c": 1}


def _sqlite(path, statements: list[str], rows: dict[str, list[tuple]]) -> str:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    for table, values in rows.items():
        marks = ", ".join("?" * len(values[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


PRICES = [
    "CREATE TABLE products (id INTEGER PRIMARY KEY, price REAL NOT NULL)",
    "CREATE TABLE lines (id INTEGER PRIMARY KEY, "
    "product_id INTEGER NOT NULL REFERENCES products(id), price REAL NOT NULL)",
]


def _price_lines(tmp_path, other) -> dict:
    """Lines whose price is their product's in 70% of rows, else `other(rng, price)`."""
    rng = np.random.default_rng(3)
    products = [(i, round(float(rng.uniform(5, 80)), 2)) for i in range(1, 41)]
    lines = []
    for i in range(1, 401):
        product, price = products[int(rng.integers(0, 40))]
        lines.append((i, product, price if rng.random() < 0.7 else other(rng, price)))
    url = _sqlite(tmp_path / "prices.db", PRICES, {"products": products, "lines": lines})
    return profile(url).data["tables"]["lines"]["columns"]["price"]


def test_copy_noise_learned_where_the_other_rows_follow_the_parent(tmp_path):
    price = _price_lines(tmp_path, lambda rng, p: round(p * 0.8, 2))  # an older price
    assert price["copy_of"]["column"] == "products.price"
    assert price["copy_of"]["probability"] == pytest.approx(0.7, abs=0.06)
    assert price["copy_of"]["noise"] == pytest.approx(0.2, abs=0.01)


def test_copy_noise_not_learned_where_the_other_rows_are_unrelated(tmp_path):
    price = _price_lines(tmp_path, lambda rng, p: round(float(rng.uniform(200, 900)), 2))
    assert price["copy_of"]["column"] == "products.price"
    assert "noise" not in price["copy_of"]  # they keep the column's own distribution


LEVELS = ["CREATE TABLE stock (id INTEGER PRIMARY KEY, on_order INTEGER, pack INTEGER)"]


def test_numeric_levels_only_where_rare_levels_are_a_sliver(tmp_path):
    """`on_order` is 0 in 75% of rows and a spread of rarer amounts in the rest: quantiles,
    not the one level 0. `pack` has three levels, each seen often: a choice of them."""
    rng = np.random.default_rng(5)
    rows = [
        (i, 0 if i % 4 else int(rng.integers(1, 60)) * 10, [6, 12, 24][i % 3])
        for i in range(1, 121)
    ]
    url = _sqlite(tmp_path / "stock.db", LEVELS, {"stock": rows})
    columns = profile(url).data["tables"]["stock"]["columns"]
    assert columns["on_order"]["distribution"]["kind"] == "quantiles"
    assert "choice" not in columns["on_order"]
    assert columns["pack"]["choice"] == pytest.approx({6: 1 / 3, 12: 1 / 3, 24: 1 / 3}, abs=1e-3)


def test_courtesy_titles_are_a_public_vocabulary(tmp_path):
    """Nine rows, no title seen five times: Faker's courtesy titles are public words, so they
    are kept, evenly; the same counts of made-up words are not."""
    titles = ["Ms."] * 4 + ["Mr."] * 3 + ["Mrs.", "Dr."]
    words = ["Xo."] * 4 + ["Qa."] * 3 + ["Zu.", "Vy."]
    schema = ["CREATE TABLE staff (id INTEGER PRIMARY KEY, title TEXT, word TEXT)"]
    rows = [(i + 1, t, w) for i, (t, w) in enumerate(zip(titles, words, strict=True))]
    url = _sqlite(tmp_path / "staff.db", schema, {"staff": rows})
    columns = profile(url).data["tables"]["staff"]["columns"]
    assert columns["title"]["choice"] == {t: 0.25 for t in ("Ms.", "Mr.", "Mrs.", "Dr.")}
    assert "choice" not in columns["word"]


EVENTS = [
    "CREATE TABLE payments (id INTEGER PRIMARY KEY, amount REAL NOT NULL, "
    "items INTEGER NOT NULL, flagged BOOLEAN NOT NULL)"
]


def _payments(tmp_path, driven: bool) -> str:
    """Flags in about 5% of 4,000 payments: more likely with the amount when `driven`, else
    at random."""
    rng = np.random.default_rng(11)
    amount = np.round(rng.lognormal(3, 1, 4000), 2)
    items = rng.integers(1, 10, 4000)
    score = 1.5 * np.log1p(amount) if driven else np.zeros(4000)
    p = 1 / (1 + np.exp(-(score - np.quantile(score, 0.5) - 3.5)))
    flagged = rng.random(4000) < p
    rows = [
        (i + 1, float(a), int(n), bool(f))
        for i, (a, n, f) in enumerate(zip(amount, items, flagged, strict=True))
    ]
    return _sqlite(tmp_path / "payments.db", EVENTS, {"payments": rows})


def test_event_driver_learned_where_a_number_drives_it(tmp_path):
    url = _payments(tmp_path, driven=True)
    reflection = profile(url)
    flagged = reflection.data["tables"]["payments"]["columns"]["flagged"]
    assert "rate" in flagged and "amount" in flagged["logit"]
    assert "items" not in flagged["logit"]  # unrelated to the flag
    slope = float(flagged["logit"].split(" * ")[0])
    assert slope > 0.5  # measured near the 1.5 it was made with, on log1p(amount)
    # Generated, the flag still rises with the amount.
    made = generate_all(spec_from_dict(reflection.data, source="<test>"))["payments"]
    high = made["amount"] > made["amount"].median()
    assert made["flagged"][high].mean() > 2 * made["flagged"][~high].mean()


def test_event_driver_not_learned_for_a_random_flag(tmp_path):
    flagged = profile(_payments(tmp_path, driven=False)).data["tables"]["payments"]
    assert "logit" not in flagged["columns"]["flagged"]


def test_aggregate_check_on_a_type_the_database_cannot_add_learns_nothing(pg_url):
    """PostgreSQL's `money` does not cast to a float: the check fails on its own connection,
    nothing is learned, and the profile goes on."""
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE orders (id INT PRIMARY KEY, total MONEY NOT NULL)")
        conn.exec_driver_sql(
            "CREATE TABLE lines (id INT PRIMARY KEY, "
            "order_id INT NOT NULL REFERENCES orders(id), price MONEY NOT NULL)"
        )
        conn.exec_driver_sql(
            "INSERT INTO orders SELECT g, (3 * 1.5)::numeric::money FROM generate_series(1, 30) g"
        )
        conn.exec_driver_sql(
            "INSERT INTO lines SELECT g, 1 + mod(g, 30), 1.5::numeric::money "
            "FROM generate_series(1, 90) g"
        )
    engine.dispose()
    tables = profile(pg_url).data["tables"]
    assert "aggregate" not in tables["orders"]["columns"]["total"]
    assert tables["lines"]["foreign_keys"][0]["columns"] == ["order_id"]


DERIVED = [
    "CREATE TABLE items (id INTEGER PRIMARY KEY, quantity INTEGER NOT NULL, "
    "price NUMERIC(10, 2) NOT NULL, line_total NUMERIC(10, 2) NOT NULL, "
    "weight REAL NOT NULL)"
]


def _items(tmp_path, off: bool) -> dict:
    rng = np.random.default_rng(9)
    rows = []
    for i in range(1, 201):
        quantity, price = int(rng.integers(1, 6)), round(float(rng.uniform(1, 50)), 2)
        total = round(quantity * price + (0.01 if off and i == 150 else 0.0), 2)
        rows.append((i, quantity, price, total, float(rng.uniform(0, 3))))
    url = _sqlite(tmp_path / "items.db", DERIVED, {"items": rows})
    return profile(url).data["tables"]["items"]["columns"]


def test_derived_equality_learned_where_every_row_holds_it(tmp_path):
    columns = _items(tmp_path, off=False)
    assert columns["line_total"]["expr"] == "quantity * price"
    assert "distribution" not in columns["line_total"]
    assert "expr" not in columns["weight"] and "expr" not in columns["price"]


def test_derived_equality_not_learned_when_one_row_is_off(tmp_path):
    columns = _items(tmp_path, off=True)  # one row a cent off, of 200
    assert "expr" not in columns["line_total"]


def test_aggregate_not_learned_over_a_parent_with_checks(tmp_path):
    """A CHECK may drop generated parent rows; the engine then counts them by making them,
    which their aggregate would need the children for: no aggregate is written."""
    url = _load(f"sqlite:///{tmp_path / 'checked.db'}", checks=True)
    columns = profile(url).data["tables"]["orders"]["columns"]
    assert "aggregate" not in columns["total"] and "aggregate" not in columns["items"]


def test_derived_equalities_form_no_circle(tmp_path):
    """total = net + tax holds, and so does net = total - tax: only the first is written."""
    schema = ["CREATE TABLE bills (id INTEGER PRIMARY KEY, net REAL, tax REAL, total REAL)"]
    rng = np.random.default_rng(4)
    rows = []
    for i in range(1, 101):
        net, tax = float(rng.integers(100, 900)), float(rng.integers(10, 90))
        rows.append((i, net, tax, net + tax))
    url = _sqlite(tmp_path / "bills.db", schema, {"bills": rows})
    columns = profile(url).data["tables"]["bills"]["columns"]
    derived = {c: f["expr"] for c, f in columns.items() if "expr" in f}
    assert len(derived) == 1, derived
    spec = spec_from_dict(profile(url).data, source="<test>")
    bills = generate_all(spec)["bills"]
    assert len(bills) == 100
