"""Inference: a column's name, type, keys and CHECKs choose its values, with a reason."""

from __future__ import annotations

import pytest

from seed_assets.sources.infer import ColumnContext, anchor_column, infer_column
from seed_assets.spec.checks import ColumnFacts, column_facts, parse
from seed_assets.spec.models import ColumnSpec


def _infer(name: str, kind: str = "string", **context):
    ctx = ColumnContext(table=context.pop("table", "users"), name=name, type=kind, **context)
    result = infer_column(ctx)
    # Whatever is inferred must be a valid column of that type.
    ColumnSpec.model_validate({"type": kind, **_type_fields(ctx), **result.fields})
    return result


def _type_fields(ctx: ColumnContext) -> dict:
    fields = {"length": ctx.length, "precision": ctx.precision, "scale": ctx.scale}
    return {k: v for k, v in fields.items() if v is not None}


@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("email", "email"),
        ("contact_email", "email"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("full_name", "name"),
        ("phone", "phone_number"),
        ("city", "city"),
        ("postal_code", "postcode"),
        ("postcode", "postcode"),
        ("line1", "street_address"),
        ("company", "company"),
        ("website", "url"),
        ("username", "user_name"),
    ],
)
def test_names_choose_providers(name, provider):
    result = _infer(name, length=120)
    assert result.fields == {"faker": provider}
    assert result.reason == f"inferred: {provider} (column name)"


def test_country_is_a_code_in_a_two_character_column():
    assert _infer("country", "char", length=2).fields == {"faker": "country_code"}
    assert _infer("country", "char", length=3).fields == {
        "faker": "country_code",
        "params": {"representation": "alpha-3"},
    }
    assert _infer("country", length=60).fields == {"faker": "country"}
    assert "char(2)" in _infer("country", "char", length=2).reason


def test_title_depends_on_whose_title():
    assert _infer("title", table="products", length=120).fields == {"faker": "catch_phrase"}
    assert _infer("title", table="employees", length=50).fields == {"faker": "job"}


def test_name_is_a_person_in_a_person_table_and_a_word_elsewhere():
    assert _infer("name", table="customers").fields == {"faker": "name"}
    assert _infer("name", table="categories", length=40).fields == {"faker": "word"}


def test_a_unique_sku_is_a_formatted_sequence_that_fits():
    result = _infer("sku", table="products", length=16, unique=True, rows=200)
    assert result.fields == {"sequence": "SKU{:06d}"}
    assert len(f"SKU{999_999:06d}") <= 16


def test_text_keys_fit_a_short_char_column():
    result = _infer("dept_no", "char", table="departments", length=4, unique=True, rows=20)
    assert result.fields == {"sequence": "D{:03d}"}
    assert "D001" in result.reason


def test_identity_and_per_parent_numbers():
    assert _infer("id", "bigint", identity_start=5).fields == {"sequence": {"start": 5}}
    line = _infer("line_no", "smallint", per_parent=True, facts=_facts("line_no > 0", "line_no"))
    assert line.fields == {"sequence": {"start": 1, "per_parent": True}}


def _facts(sql: str, column: str) -> ColumnFacts:
    return column_facts([parse(sql)]).get(column, ColumnFacts())


def test_check_ranges_narrow_the_values():
    result = _infer("quantity", "integer", facts=_facts("quantity BETWEEN 1 AND 100", "quantity"))
    assert result.fields == {"distribution": "uniform(1, 10)"}
    rating = _infer("rating", "smallint", facts=_facts("rating >= 2 AND rating <= 4", "rating"))
    assert rating.fields == {"distribution": "uniform(2, 4)"}
    assert "within CHECK [2, 4]" in rating.reason
    level = _infer("level", "tinyint", unsigned=True, facts=_facts("level < 3", "level"))
    assert level.fields == {"distribution": "uniform(1, 2)"}


def test_prices_are_positive_amounts_within_precision():
    result = _infer(
        "price", "decimal", precision=6, scale=2, facts=_facts("price > 0::numeric", "price")
    )
    assert result.fields == {
        "distribution": "lognormal(3.5, 1)",
        "min": 0.01,
        "max": 9999.99,
        "round": 2,
    }
    assert "(CHECK)" in result.reason


def test_salary_and_age():
    assert _infer("salary", "integer", unsigned=True).fields == {
        "distribution": "uniform(30000, 150000)"
    }
    assert _infer("age", "smallint").fields == {"distribution": "uniform(18, 80)"}


def test_in_lists_and_enums_are_choices():
    assert _infer("segment", "text", facts=_facts("segment IN ('a', 'b')", "segment")).fields == {
        "choice": ["a", "b"]
    }
    fraud = _infer("is_fraud", "integer", facts=_facts("is_fraud IN (0, 1)", "is_fraud"))
    assert fraud.fields == {"choice": {"values": [0, 1], "weights": [0.99, 0.01]}}
    status = _infer("status", length=9, labels=["pending", "paid"])
    assert status.fields == {"choice": ["pending", "paid"]}
    assert status.reason == "enum labels, equally likely"


def test_booleans_follow_their_name_and_default():
    assert _infer("is_staff", "boolean").fields == {"rate": 0.05}
    assert _infer("is_default", "boolean", default="false").fields == {"rate": 0.2}
    assert _infer("active", "boolean", default="true").fields == {"rate": 0.8}


def test_dates_follow_their_row_and_their_parent():
    siblings = {"placed_at": "timestamptz", "shipped_at": "timestamptz"}
    shipped = _infer(
        "shipped_at",
        "timestamptz",
        siblings=siblings,
        nullable=True,
        facts=_facts("shipped_at IS NULL OR shipped_at >= placed_at", "shipped_at"),
    )
    assert shipped.fields["after"] == "placed_at"
    assert shipped.fields["null_fraction"] == 0.3
    assert shipped.reason.startswith("CHECK shipped_at >= placed_at")
    placed = _infer(
        "placed_at", "timestamptz", siblings=siblings, parent_anchor=("users", "signed_up")
    )
    assert placed.fields["after"] == "users.signed_up"
    assert "not before its users row's signed_up" in placed.reason
    to_date = _infer("to_date", "date", siblings={"from_date": "date", "to_date": "date"})
    assert to_date.fields["after"] == "from_date"
    birth = _infer("birth_date", "date")
    assert birth.fields == {"between": ["1955-01-01", "2004-12-31"]}
    hire = _infer(
        "hire_date",
        "date",
        siblings={"birth_date": "date", "hire_date": "date"},
        facts=_facts("hire_date > birth_date", "hire_date"),
    )
    assert hire.fields["after"] == "birth_date"
    assert hire.fields["gap"] == "uniform(6570, 16000)"  # adults when hired


def test_the_creation_column_is_the_anchor_children_follow():
    assert (
        anchor_column({"id": "bigint", "updated_at": "timestamp", "created_at": "timestamp"}, set())
        == "created_at"
    )
    assert anchor_column({"birth_date": "date", "hire_date": "date"}, set()) == "hire_date"
    assert anchor_column({"to_date": "date"}, set()) is None


def test_uuid_and_json_fill_themselves():
    assert _infer("user_id", "uuid").fields == {}
    assert _infer("attributes", "json", default="'{}'::jsonb").fields == {"constant": {}}
    assert _infer("payload", "json").reason == "json: small objects"


def test_nullable_columns_get_some_nulls():
    body = _infer("body", "text", nullable=True)
    assert body.fields == {"faker": "paragraph", "null_fraction": 0.1}
    assert "10% NULL" in body.reason


# -- what a DBA would sign off (issue 13) ----------------------------------------------------


def _fields(**kw):
    return infer_column(ColumnContext(table=kw.pop("table", "t"), **kw)).fields


@pytest.mark.parametrize(
    ("name", "earlier"),
    [
        ("return_date", "rental_date"),
        ("shipped_date", "order_date"),
        ("required_date", "order_date"),
        ("l_receiptdate", "l_shipdate"),
        ("to_date", "from_date"),
    ],
)
def test_lifecycle_dates_follow_the_step_before(name, earlier):
    siblings = {name: "date", earlier: "date", "required_date": "date", "l_commitdate": "date"}
    assert _fields(name=name, type="date", siblings=siblings)["after"] == earlier


def test_a_deadline_is_after_the_order_but_shipping_does_not_wait_for_it():
    siblings = {"order_date": "date", "required_date": "date", "shipped_date": "date"}
    assert _fields(name="required_date", type="date", siblings=siblings)["after"] == "order_date"
    assert _fields(name="shipped_date", type="date", siblings=siblings)["after"] == "order_date"


def test_a_not_null_time_never_follows_a_nullable_one():
    siblings = {"order_date": "date", "shipped_date": "date"}
    fields = _fields(
        name="shipped_date", type="date", siblings=siblings, nullable_siblings={"order_date"}
    )
    assert "after" not in fields or fields["after"] != "order_date"
    fields = _fields(name="shipped_date", type="date", siblings=siblings, nullable=True)
    assert fields["after"] == "order_date"


@pytest.mark.parametrize(
    ("name", "kind", "default"),
    [("is_active", "integer", None), ("deleted", "tinyint", "0"), ("active", "smallint", "'1'")],
)
def test_integer_flags_stay_0_or_1(name, kind, default):
    assert _fields(name=name, type=kind, default=default)["choice"]["values"] == [0, 1]


@pytest.mark.parametrize(
    ("name", "kind", "precision", "scale"),
    [("discount", "float", None, None), ("l_discount", "decimal", 15, 2),
     ("tax_rate", "decimal", 3, 2), ("l_tax", "decimal", 15, 2)],
)  # fmt: skip
def test_fractions_stay_in_0_1(name, kind, precision, scale):
    fields = _fields(name=name, type=kind, precision=precision, scale=scale)
    low, high = (float(x) for x in fields["distribution"][8:-1].split(","))
    assert fields["distribution"].startswith("uniform(") and 0 <= low <= high <= 1


@pytest.mark.parametrize(
    ("table", "name", "length", "provider"),
    [("orders", "currency", 3, "currency_code"), ("qlo_currency", "iso_code", 3, "currency_code"),
     ("qlo_lang", "iso_code", 2, "language_code"), ("users", "locale", 10, "locale"),
     ("users", "timezone", 64, "timezone"), ("qlo_country", "iso_code", 3, "country_code")],
)  # fmt: skip
def test_code_columns_get_codes_that_fit(table, name, length, provider):
    assert _fields(table=table, name=name, type="string", length=length)["faker"] == provider


def test_a_short_timezone_column_gets_abbreviations_that_fit():
    fields = _fields(name="tz", type="string", length=3)
    assert all(len(z) <= 3 for z in fields["choice"])
