"""Pydantic models of a spec: tables, columns and their value sources, keys, expectations.

Single-object rules live here (a column has one source that fits its type); rules that look
across tables (FK targets, temporal parents, cycles) live in ``graph.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from seed_assets.spec.base import DateOrTime, SpecModel
from seed_assets.spec.correlations import CorrelationSpec
from seed_assets.spec.declarations import CheckSpec, DomainSpec, check_shorthand
from seed_assets.spec.distributions import ValueDistribution
from seed_assets.spec.expectations import (
    ChildrenPerParent,
    ExpectationsSpec,
    RateBound,
    RowCountBound,
)
from seed_assets.spec.foreign_keys import NAMES_INPUT, ForeignKeySpec, ReferenceSpec
from seed_assets.spec.relations import (
    COPY_INPUT,
    AggregateSpec,
    CopySpec,
    WhenSpec,
    check_relations,
    copy_shorthand,
)
from seed_assets.spec.shapes import DateShape
from seed_assets.spec.types import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    SELF_FILLING_TYPES,
    STRING_TYPES,
    TEMPORAL_TYPES,
    TEXT_TYPES,
    ColumnType,
)
from seed_assets.spec.value_specs import (
    CHOICE_INPUT,
    SEQUENCE_INPUT,
    ChoiceSpec,
    SequenceSpec,
    choice_shorthand,
    sequence_shorthand,
)

# Re-exported: these models lived here before the split, and callers import them from here.
__all__ = [
    "INTEGER_TYPES",
    "NUMERIC_TYPES",
    "SELF_FILLING_TYPES",
    "STRING_TYPES",
    "TEMPORAL_TYPES",
    "TEXT_TYPES",
    "CheckSpec",
    "ChildrenPerParent",
    "ChoiceSpec",
    "ColumnType",
    "DomainSpec",
    "ExpectationsSpec",
    "ForeignKeySpec",
    "RateBound",
    "ReferenceSpec",
    "RowCountBound",
    "SequenceSpec",
]

# Signed and unsigned ranges of the integer types (a bigint never leaves NumPy's int64).
_INT64_MAX = 2**63 - 1
INTEGER_BOUNDS = {
    ("tinyint", False): (-(2**7), 2**7 - 1),
    ("tinyint", True): (0, 2**8 - 1),
    ("smallint", False): (-(2**15), 2**15 - 1),
    ("smallint", True): (0, 2**16 - 1),
    ("integer", False): (-(2**31), 2**31 - 1),
    ("integer", True): (0, 2**32 - 1),
    ("bigint", False): (-(2**63), _INT64_MAX),
    ("bigint", True): (0, _INT64_MAX),
}

# The value sources a column may name; at most one each (FK columns take theirs from the FK).
SOURCES = (
    "faker",
    "choice",
    "distribution",
    "sequence",
    "constant",
    "between",
    "after",
    "before",
    "rate",
    "expr",
    "aggregate",
)


class ColumnSpec(SpecModel):
    """One column: its SQL type and where its values come from."""

    type: ColumnType = Field(description="The column's SQL type.", examples=["string"])
    description: str | None = Field(
        None,
        description="Free text, shown in the column schema in the Dagster UI.",
        examples=["When the customer registered."],
    )
    length: int | None = Field(
        None, ge=1, description="Maximum length of a string column.", examples=[120]
    )
    precision: int | None = Field(
        None, ge=1, le=65, description="Total digits of a decimal column.", examples=[14]
    )
    scale: int | None = Field(
        None, ge=0, description="Digits after the point of a decimal column.", examples=[2]
    )
    nullable: bool | None = Field(
        None,
        description="Defaults to true when null_fraction (or a `when` case's) > 0, else false.",
        examples=[True],
    )
    null_fraction: float = Field(
        0.0, ge=0, lt=1, description="The share of rows left NULL (drawn per row).", examples=[0.2]
    )
    unique: bool = Field(
        False,
        description="Every value distinct: a sequence, a Faker provider (values past its pool "
        "get a suffix), a uniform integer range or a choice with enough values.",
        examples=[True],
    )

    # Value sources (at most one).
    faker: str | None = Field(
        None,
        description="A Faker provider name; checked at load, with suggestions.",
        examples=["email"],
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword arguments of the Faker provider; checked against its signature.",
        examples=[{"min": 1, "max": 9}],
    )
    locale: str | None = Field(
        None,
        description="The Faker locale of this column (default: the spec's `locale`).",
        examples=["de_DE"],
    )
    pool_size: int | None = Field(
        None,
        ge=1,
        description="Distinct Faker values drawn per table, then sampled (default 10,000).",
        examples=[500],
    )
    choice: ChoiceSpec | None = Field(
        None,
        description="Values drawn with probabilities: `{value: probability, ...}`, a list "
        "(equal chances), or `{values: [...], weights: [...]}`.",
        examples=[{"retail": 0.6, "sme": 0.3, "enterprise": 0.1}],
    )
    distribution: ValueDistribution | None = Field(
        None,
        description="A numeric distribution, as `kind(args)` or a mapping with `kind`.",
        examples=["lognormal(10, 1.2)"],
    )
    round: int | None = Field(
        None,
        ge=0,
        description="Decimal places a distribution is rounded to (default: the column's scale).",
        examples=[2],
    )
    min: float | None = Field(
        None, description="Clip a distribution or an expr below.", examples=[0.01]
    )
    max: float | None = Field(
        None, description="Clip a distribution or an expr above.", examples=[50000]
    )
    sequence: SequenceSpec | None = Field(
        None,
        description="Consecutive numbers: `true`, a format such as `CUST{:06d}`, or a mapping "
        "(start, step, format, per_parent).",
        examples=["CUST{:06d}"],
    )
    constant: Any = Field(None, description="The same value in every row.", examples=["EUR"])
    between: tuple[DateOrTime, DateOrTime] | None = Field(
        None,
        description="Global bounds of a date/timestamp column; values uniform inside, both "
        "ends included.",
        examples=[[dt.date(2020, 1, 1), dt.date(2026, 1, 1)]],
    )
    after: str | None = Field(
        None,
        description="`parent.column` (through an FK) or a column of this table that this "
        "date/timestamp must not precede.",
        examples=["customers.registration_date"],
    )
    gap: ValueDistribution | None = Field(
        None,
        description="Days after `after`, a distribution; without it, uniform up to `until`.",
        examples=["exponential(10)"],
    )
    until: DateOrTime | None = Field(
        None, description="Upper bound for an `after` column.", examples=[dt.date(2026, 3, 1)]
    )
    shape: DateShape | None = Field(
        None,
        description="For `between`: quantiles of the values as fractions of the range (0 = its "
        "start, 1 = its end) at equally spaced probabilities; omitted: uniform.",
        examples=[[0, 0.1, 0.5, 0.9, 1]],
    )
    rate: float | None = Field(
        None,
        ge=0,
        le=1,
        description="A rare event: a boolean true in this fraction of rows.",
        examples=[0.008],
    )
    before: str | None = Field(
        None,
        description="`parent.column` or a column of this table that this date/timestamp must "
        "not follow; with `after` too, the value lies in between.",
        examples=["admissions.discharged_at"],
    )
    since: DateOrTime | None = Field(
        None, description="Lower bound for a `before` column.", examples=[dt.date(2020, 1, 1)]
    )
    hours: list[float] | None = Field(
        None,
        description="24 weights, one per hour of the day: the time of day of a timestamp "
        "(kept inside its `after`/`before` window).",
        examples=[[1] * 6 + [3] * 12 + [2] * 6],
    )
    weekdays: list[float] | None = Field(
        None,
        description="7 weights, Monday first: the day of the week of a date or timestamp.",
        examples=[[5, 5, 5, 5, 5, 2, 1]],
    )
    expr: str | None = Field(
        None,
        description="A derived value: an expression over this row's columns and referenced "
        "rows' (`table.column`), e.g. `quantity * products.price`; see the reference's "
        "expression section.",
        examples=["round(quantity * unit_price, 2)"],
    )
    aggregate: AggregateSpec | None = Field(
        None,
        description="A value from this row's children: `{table, function, expr}`, e.g. an "
        "invoice total as the sum of its lines' `quantity * unit_price`.",
        examples=[{"table": "order_items", "function": "sum", "expr": "line_total"}],
    )
    logit: str | None = Field(
        None,
        description="With `rate`: an expression scoring each row; the event's probability is "
        "sigmoid(intercept + score), the intercept calibrated so the overall rate holds.",
        examples=["2 * (days(transaction_date - accounts.opened_date) < 30)"],
    )
    when: WhenSpec | None = Field(
        None,
        description="The source depends on another column: `{column: name, cases: {value: "
        "{choice|distribution|rate|null_fraction|min|max}}}`.",
        examples=[
            {"column": "account_type", "cases": {"loan": {"distribution": "lognormal(11, 1)"}}}
        ],
    )
    copy_of: CopySpec | None = Field(
        None,
        description="Take a referenced row's value: `parent.column`, or `{column, "
        "probability, noise}` (the other rows keep the column's own source, or get noise).",
        examples=["customers.country", {"column": "products.price", "probability": 0.7}],
    )

    # What the database declares beyond the type (reflection writes these; DDL emits them).
    unsigned: bool = Field(
        False, description="An UNSIGNED integer (MySQL/MariaDB).", examples=[True]
    )
    enum: str | bool | None = Field(
        None,
        description="Declare the `choice` values as an ENUM: a PostgreSQL enum type of this "
        "name, or `true` for an inline ENUM (MySQL) / a generated type name (PostgreSQL).",
        examples=["account_type"],
    )
    identity: Literal["always", "by_default", "auto_increment"] | None = Field(
        None,
        description="An identity / auto-increment column. Its values still come from its "
        "`sequence` (so children can reference them); the database's counter is moved past them.",
        examples=["always"],
    )
    server_default: str | None = Field(
        None,
        description="The column's DEFAULT, SQL text kept verbatim (DDL only).",
        examples=["CURRENT_TIMESTAMP"],
    )
    sql_type: str | None = Field(
        None,
        description="The exact database type for DDL when `type` alone would emit another one "
        "(e.g. TEXT for dates SQLite stores as text).",
        examples=["TEXT"],
    )
    domain: DomainSpec | None = Field(
        None,
        description="A PostgreSQL domain the column is declared with.",
        examples=[{"name": "positive_amount", "check": "VALUE > 0"}],
    )

    @field_validator("choice", mode="before", json_schema_input_type=CHOICE_INPUT)
    @classmethod
    def _choice(cls, value: Any) -> Any:
        return choice_shorthand(value)

    @field_validator("copy_of", mode="before", json_schema_input_type=COPY_INPUT)
    @classmethod
    def _copy(cls, value: Any) -> Any:
        return copy_shorthand(value)

    @field_validator("sequence", mode="before", json_schema_input_type=SEQUENCE_INPUT)
    @classmethod
    def _sequence(cls, value: Any) -> Any:
        return sequence_shorthand(value)

    @property
    def sources(self) -> list[str]:
        fields = self.model_fields_set
        found = [
            s for s in SOURCES if s in fields and (getattr(self, s) is not None or s == "constant")
        ]
        return [s for s in found if not (s == "before" and "after" in found)]  # a window

    @property
    def source(self) -> str | None:
        found = self.sources
        return found[0] if found else None

    @property
    def is_nullable(self) -> bool:
        if self.nullable is not None:
            return self.nullable
        cases = self.when.cases.values() if self.when is not None else ()
        return self.null_fraction > 0 or any((c.null_fraction or 0) > 0 for c in cases)

    @model_validator(mode="after")
    def _source_fits_type(self) -> ColumnSpec:
        sources = self.sources
        if len(sources) > 1:
            raise ValueError(f"has several value sources ({', '.join(sources)}); keep one")
        source = sources[0] if sources else None
        kind = self.type
        self._check_declarations(source)
        if self.nullable is False and self.null_fraction > 0:
            raise ValueError("null_fraction > 0 on a column declared nullable: false")
        if source == "rate" and kind != "boolean":
            raise ValueError(
                f"`rate` makes a true/false event; the column type is {kind}, not boolean"
            )
        check_relations(self, source)
        if source in ("between", "after", "before") and kind not in TEMPORAL_TYPES:
            raise ValueError(
                f"`{source}` is a temporal rule, but the column type is {kind}; "
                "use type date or timestamp"
            )
        if self.shape is not None and source != "between":
            raise ValueError("`shape` spreads a `between` date across its range")
        if source not in ("after", "before") and (self.gap is not None or self.until is not None):
            raise ValueError("`gap` and `until` belong with `after` (or `before`)")
        if source != "before" and self.since is not None:
            raise ValueError("`since` bounds a `before` column from below")
        if source == "distribution" and kind not in NUMERIC_TYPES:
            raise ValueError(f"a numeric distribution cannot fill a {kind} column")
        if source == "sequence" and self.sequence is not None:
            if self.sequence.format is None and kind not in INTEGER_TYPES:
                raise ValueError(
                    f"an unformatted sequence gives integers; the column type is {kind}. "
                    "Add a format such as 'ID{:06d}' or use type integer"
                )
            if self.sequence.format is not None and kind not in STRING_TYPES:
                raise ValueError("a formatted sequence gives strings; use type string")
        if source == "faker" and self.faker is not None and not self.faker.strip():
            raise ValueError("`faker` names no provider")
        if self.params and source != "faker":
            raise ValueError("`params` go with a `faker` provider")
        clipped = self.min is not None or self.max is not None
        if clipped and source not in ("distribution", "expr"):
            raise ValueError("`min`/`max` clip a `distribution` or an `expr`")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        if self.unique and source in (
            "constant",
            "rate",
            "between",
            "after",
            "before",
            "expr",
            "aggregate",
        ):
            raise ValueError(f"`unique: true` cannot be kept by a `{source}` source")
        scale, precision = self.scale, self.precision
        if kind == "decimal" and scale is not None and precision is not None and scale > precision:
            raise ValueError(f"scale ({scale}) exceeds precision ({precision})")
        if source == "after" and self.gap is None and self.until is None and self.before is None:
            raise ValueError(
                "`after` needs a `gap` distribution (days), an `until` bound, a `before` column, "
                "or some of them"
            )
        if source == "before" and self.gap is None and self.since is None:
            raise ValueError("`before` needs a `gap` distribution (days before), a `since` bound")
        return self

    def _check_declarations(self, source: str | None) -> None:
        kind = self.type
        if self.unsigned and kind not in INTEGER_TYPES:
            raise ValueError(f"`unsigned` applies to integer types, not {kind}")
        if self.enum is not None and self.enum is not False:
            if self.choice is None:
                raise ValueError("`enum` declares the `choice` values as an ENUM; add a `choice`")
            if kind not in STRING_TYPES:
                raise ValueError(f"`enum` needs a string type, not {kind}")
        if self.identity is not None and (kind not in INTEGER_TYPES or source != "sequence"):
            raise ValueError(
                "an identity column is an integer filled by a `sequence` (so that foreign keys "
                "can reference its values); add `sequence: {start: 1}`"
            )
        if kind == "uuid" and source in ("sequence", "distribution", "rate", "between", "after"):
            raise ValueError(f"a uuid column cannot take `{source}`; leave it without a source")
        if kind == "json" and source not in (None, "constant", "choice"):
            raise ValueError(
                f"a json column takes a `constant`, a `choice`, or no source (small objects), "
                f"not `{source}`"
            )
        bounds = INTEGER_BOUNDS.get((kind, self.unsigned))
        if bounds and source == "distribution" and self.min is not None and self.min > bounds[1]:
            raise ValueError(f"min ({self.min}) is above the largest {kind} ({bounds[1]})")
        if kind in STRING_TYPES and self.length is not None:
            if source == "constant" and isinstance(self.constant, str):
                _fits(self.constant, self.length, "the constant")
            if source == "choice":
                for value in self.choice.values:
                    if isinstance(value, str):
                        _fits(value, self.length, "choice value")


def _fits(value: str, length: int, what: str) -> None:
    if len(value) > length:
        raise ValueError(
            f"{what} {value!r} is longer than the column (length {length}); raise `length` or "
            "shorten the value"
        )


class TableSpec(SpecModel):
    """A table: its rows (or the FK that drives its count), columns, keys."""

    description: str | None = Field(
        None,
        description="Free text, shown on the table's asset in the Dagster UI.",
        examples=["Bank customers, by segment."],
    )
    rows: int | None = Field(
        None,
        ge=0,
        description="Rows of a table no FK drives (multiplied by the run's scale).",
        examples=[1000],
    )
    primary_key: list[str] = Field(
        default_factory=list,
        description="The primary key column, or a list of them.",
        examples=["customer_id", ["order_id", "line_no"]],
    )
    columns: dict[str, ColumnSpec] = Field(
        min_length=1,
        description="The columns by name, in table order.",
        examples=[{"customer_id": {"type": "string", "sequence": "CUST{:06d}"}}],
    )
    foreign_keys: list[ForeignKeySpec] = Field(
        default_factory=list,
        description="Foreign keys to other tables, or to this one (a tree).",
        examples=[
            [
                {
                    "columns": "customer_id",
                    "references": "customers(customer_id)",
                    "cardinality": "poisson(1.8, min=1)",
                }
            ]
        ],
    )
    unique: list[list[str]] = Field(
        default_factory=list,
        description="Composite unique keys (a single column takes `unique: true`).",
        examples=[[["account_id", "statement_no"]]],
    )
    checks: list[CheckSpec] = Field(
        default_factory=list,
        description="CHECK constraints (SQL), as the database declares them: text, or "
        "`{sql, name}`.",
        examples=[["amount >= 0", {"sql": "closed_at >= opened_at", "name": "closed_after"}]],
    )

    @field_validator("checks", mode="before", json_schema_input_type=list[CheckSpec | str])
    @classmethod
    def _checks(cls, value: Any) -> Any:
        return [check_shorthand(v) for v in value] if isinstance(value, list) else value

    correlations: list[CorrelationSpec] = Field(
        default_factory=list,
        description="Pairs of numeric or date columns with a target rank correlation; a "
        "Gaussian copula keeps each column's own distribution.",
        examples=[[{"columns": ["balance", "usual_amount"], "rank": 0.6}]],
    )
    partitions: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Materialise this table in Dagster as this many partitions: ranges of its "
        "parent chunks (of its own chunks for a table no FK drives), each generated, checked and "
        "written alone. Needs a sequence primary key, or a driving FK to a table with one.",
        examples=[8],
    )

    @field_validator("primary_key", mode="before", json_schema_input_type=NAMES_INPUT)
    @classmethod
    def _one_key(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def driving_fk(self) -> ForeignKeySpec | None:
        return next((fk for fk in self.foreign_keys if fk.cardinality is not None), None)

    def fk_for_column(self, column: str) -> ForeignKeySpec | None:
        return next((fk for fk in self.foreign_keys if column in fk.columns), None)


class Spec(SpecModel):
    """A whole generation spec."""

    name: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="The spec's identifier: its Dagster asset group and job `generate_<name>`. "
        "Default: the file name.",
        examples=["banking"],
    )
    description: str | None = Field(
        None, description="Free text about the spec.", examples=["Retail bank customers."]
    )
    seed: int = Field(
        0, description="The root seed: the same spec and seed give the same rows.", examples=[42]
    )
    locale: str = Field("en_US", description="The default Faker locale.", examples=["en_IN"])
    asset_prefix: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Prefix of this spec's asset keys (`prefix/table`), so two specs may share "
        "table names in one code location.",
        examples=["shop"],
    )
    chunk_rows: int = Field(
        100_000,
        ge=1,
        description="Parent rows per generation chunk; fixed so output never depends on workers.",
        examples=[100000],
    )
    tables: dict[str, TableSpec] = Field(
        min_length=1,
        description="The tables by name; order does not matter (FKs decide it).",
        examples=[
            {"customers": {"rows": 1000, "columns": {"id": {"type": "integer", "sequence": True}}}}
        ],
    )
    expectations: ExpectationsSpec = Field(
        default_factory=ExpectationsSpec,
        description="Bounds the data must meet, checked before each table is written.",
        examples=[{"cardinality_tolerance": 0.2}],
    )
    profile_source: str | None = Field(
        None,
        description="The database this spec was profiled from, a URL (`${VARIABLE}`s expanded): "
        "Dagster scores each generation against it (the `<spec>_fidelity` asset).",
        examples=["${SHOP_PRODUCTION_URL}"],
    )
    source: SkipJsonSchema[str | None] = Field(
        None, exclude=True, description="The file it was loaded from."
    )

    @property
    def source_stem(self) -> str:
        from pathlib import Path

        return Path(self.source).stem if self.source else self.name
