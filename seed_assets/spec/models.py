"""Pydantic models of a spec: tables, columns and their value sources, keys, expectations.

Single-object rules live here (a column has one source that fits its type); rules that look
across tables (FK targets, temporal parents, cycles) live in ``graph.py``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from seed_assets.spec.distributions import Cardinality, ValueDistribution

ColumnType = Literal[
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "float",
    "decimal",
    "char",
    "string",
    "text",
    "boolean",
    "date",
    "timestamp",
    "timestamptz",
    "uuid",
    "json",
]
INTEGER_TYPES = {"tinyint", "smallint", "integer", "bigint"}
NUMERIC_TYPES = INTEGER_TYPES | {"float", "decimal"}
STRING_TYPES = {"char", "string", "text"}
# Types whose values the engine holds as Python str (uuid in its 36-character form, json as
# compact JSON text).
TEXT_TYPES = STRING_TYPES | {"uuid", "json"}
TEMPORAL_TYPES = {"date", "timestamp", "timestamptz"}
# Types that make their own values when a column names no source (random UUIDs, small objects).
SELF_FILLING_TYPES = {"uuid", "json"}

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
SOURCES = ("faker", "choice", "distribution", "sequence", "constant", "between", "after", "rate")

_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SequenceSpec(_Model):
    """Consecutive numbers, optionally formatted (``CUST{:06d}``) and restarted per parent."""

    start: int = 1
    step: int = Field(1, ge=1)
    format: str | None = None
    per_parent: bool = Field(
        False, description="Restart at `start` for each parent (line numbers in a composite key)."
    )

    @field_validator("format")
    @classmethod
    def _one_field(cls, value: str | None) -> str | None:
        if value is not None:
            if len(_FORMAT_FIELD.findall(value)) != 1:
                raise ValueError(
                    f"format {value!r} needs exactly one {{}} field, e.g. 'CUST{{:06d}}'"
                )
            try:
                value.format(1)
            except (ValueError, IndexError) as exc:
                raise ValueError(f"format {value!r} cannot format an integer: {exc}") from exc
        return value


class ChoiceSpec(_Model):
    """Values drawn with given probabilities (equal when `weights` is omitted)."""

    values: list[Any] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights_fit(self) -> ChoiceSpec:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"{len(self.values)} values but {len(self.weights)} weights; give one each"
                )
            if any(w < 0 for w in self.weights):
                raise ValueError("weights must not be negative")
            total = sum(self.weights)
            if not math.isclose(total, 1.0, abs_tol=1e-6):
                raise ValueError(f"probabilities sum to {total:g}, not 1; adjust the weights")
        if len({repr(v) for v in self.values}) != len(self.values):
            raise ValueError("choice values repeat; list each value once")
        return self

    @property
    def probabilities(self) -> list[float]:
        return self.weights or [1.0 / len(self.values)] * len(self.values)


def _choice_shorthand(value: Any) -> Any:
    """``{retail: .6, sme: .3}`` and ``[a, b]`` are shorthands for ChoiceSpec."""
    if isinstance(value, dict) and not ({"values", "weights"} & set(value)):
        return {"values": list(value), "weights": list(value.values())}
    if isinstance(value, list):
        return {"values": value}
    return value


def _sequence_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"format": value}
    if value is True:
        return {}
    return value


class ColumnSpec(_Model):
    """One column: its SQL type and where its values come from."""

    type: ColumnType
    description: str | None = None
    length: int | None = Field(None, ge=1, description="Maximum length of a string column.")
    precision: int | None = Field(None, ge=1, le=65)
    scale: int | None = Field(None, ge=0)
    nullable: bool | None = Field(
        None, description="Defaults to true when null_fraction > 0, else false."
    )
    null_fraction: float = Field(0.0, ge=0, lt=1)
    unique: bool = False

    # Value sources (at most one).
    faker: str | None = Field(None, description="A Faker provider name, e.g. `email`.")
    params: dict[str, Any] = Field(default_factory=dict)
    locale: str | None = None
    pool_size: int | None = Field(None, ge=1)
    choice: ChoiceSpec | None = None
    distribution: ValueDistribution | None = None
    round: int | None = Field(None, ge=0)
    min: float | None = None
    max: float | None = None
    sequence: SequenceSpec | None = None
    constant: Any = None
    between: tuple[dt.datetime, dt.datetime] | None = Field(
        None, description="Global bounds of a date/timestamp column; values uniform inside."
    )
    after: str | None = Field(
        None,
        description="`parent.column` (through an FK) or a column of this table that this "
        "date/timestamp must not precede.",
    )
    gap: ValueDistribution | None = Field(
        None, description="Days after `after`; without it, uniform up to `until`."
    )
    until: dt.datetime | None = Field(None, description="Upper bound for an `after` column.")
    rate: float | None = Field(
        None, ge=0, le=1, description="A rare event: true in this fraction of rows."
    )

    # What the database declares beyond the type (reflection writes these; DDL emits them).
    unsigned: bool = Field(False, description="An UNSIGNED integer (MySQL/MariaDB).")
    enum: str | bool | None = Field(
        None,
        description="Declare the `choice` values as an ENUM: a PostgreSQL enum type of this "
        "name, or `true` for an inline ENUM (MySQL) / a generated type name (PostgreSQL).",
    )
    identity: Literal["always", "by_default", "auto_increment"] | None = Field(
        None,
        description="An identity / auto-increment column. Its values still come from its "
        "`sequence` (so children can reference them); the database's counter is moved past them.",
    )
    server_default: str | None = Field(
        None, description="The column's DEFAULT, SQL text kept verbatim (DDL only)."
    )
    sql_type: str | None = Field(
        None,
        description="The exact database type for DDL when `type` alone would emit another one "
        "(e.g. TEXT for dates SQLite stores as text).",
    )
    domain: DomainSpec | None = None

    @field_validator("choice", mode="before")
    @classmethod
    def _choice(cls, value: Any) -> Any:
        return _choice_shorthand(value)

    @field_validator("sequence", mode="before")
    @classmethod
    def _sequence(cls, value: Any) -> Any:
        return _sequence_shorthand(value)

    @property
    def sources(self) -> list[str]:
        fields = self.model_fields_set
        return [
            s for s in SOURCES if s in fields and (getattr(self, s) is not None or s == "constant")
        ]

    @property
    def source(self) -> str | None:
        found = self.sources
        return found[0] if found else None

    @property
    def is_nullable(self) -> bool:
        return self.nullable if self.nullable is not None else self.null_fraction > 0

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
        if source in ("between", "after") and kind not in TEMPORAL_TYPES:
            raise ValueError(
                f"`{source}` is a temporal rule, but the column type is {kind}; "
                "use type date or timestamp"
            )
        if source != "after" and (self.gap is not None or self.until is not None):
            raise ValueError("`gap` and `until` belong with `after`")
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
        if (self.min is not None or self.max is not None) and source != "distribution":
            raise ValueError("`min`/`max` clip a `distribution`")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        if self.unique and source in ("constant", "rate", "between", "after"):
            raise ValueError(f"`unique: true` cannot be kept by a `{source}` source")
        scale, precision = self.scale, self.precision
        if kind == "decimal" and scale is not None and precision is not None and scale > precision:
            raise ValueError(f"scale ({scale}) exceeds precision ({precision})")
        if source == "after" and self.gap is None and self.until is None:
            raise ValueError("`after` needs a `gap` distribution (days), an `until` bound, or both")
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


class DomainSpec(_Model):
    """A PostgreSQL domain a column is declared with: its name and CHECK (on ``VALUE``)."""

    name: str
    check: str | None = None


class CheckSpec(_Model):
    """A table CHECK constraint, SQL kept verbatim; the forms ``spec/checks.py`` understands
    are also honoured while generating."""

    sql: str = Field(min_length=1)
    name: str | None = None


def _check_shorthand(value: Any) -> Any:
    return {"sql": value} if isinstance(value, str) else value


class ReferenceSpec(_Model):
    table: str
    columns: list[str] = Field(min_length=1)


_REFERENCE = re.compile(r"^\s*([\w$]+)\s*\(\s*([\w$\s,]+)\)\s*$")


class ForeignKeySpec(_Model):
    """A foreign key, and how its values are chosen.

    - with `cardinality`: this FK *drives* the table: each parent gets that many children;
    - with `via`: a denormalised copy, taken from the parent reached through another FK;
    - otherwise each row references a parent chosen uniformly (or none, by null_fraction).
    """

    columns: list[str] = Field(min_length=1)
    references: ReferenceSpec
    cardinality: Cardinality | None = None
    via: str | None = Field(
        None, description="The first column of another FK of this table to copy this one through."
    )
    name: str | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _one_column(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("references", mode="before")
    @classmethod
    def _reference_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _REFERENCE.match(value)
            if not match:
                raise ValueError(f"cannot read reference {value!r}; write 'table(column, ...)'")
            cols = [c.strip() for c in match.group(2).split(",") if c.strip()]
            return {"table": match.group(1), "columns": cols}
        return value

    @model_validator(mode="after")
    def _shape(self) -> ForeignKeySpec:
        if len(self.columns) != len(self.references.columns):
            raise ValueError(
                f"{len(self.columns)} column(s) reference {len(self.references.columns)}; "
                "give one referenced column for each"
            )
        if self.cardinality is not None and self.via is not None:
            raise ValueError("an FK is either driving (`cardinality`) or copied (`via`), not both")
        return self

    @property
    def label(self) -> str:
        return self.name or f"{','.join(self.columns)} -> {self.references.table}"


def _fits(value: str, length: int, what: str) -> None:
    if len(value) > length:
        raise ValueError(f"{what} {value!r} is longer than the column (length {length})")


class TableSpec(_Model):
    """A table: its rows (or the FK that drives its count), columns, keys."""

    description: str | None = None
    rows: int | None = Field(None, ge=0, description="Rows of a table no FK drives.")
    primary_key: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnSpec] = Field(min_length=1)
    foreign_keys: list[ForeignKeySpec] = Field(default_factory=list)
    unique: list[list[str]] = Field(default_factory=list, description="Composite unique keys.")
    checks: list[CheckSpec] = Field(
        default_factory=list, description="CHECK constraints (SQL), as the database declares them."
    )

    @field_validator("checks", mode="before")
    @classmethod
    def _checks(cls, value: Any) -> Any:
        return [_check_shorthand(v) for v in value] if isinstance(value, list) else value

    partitions: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Materialise this table in Dagster as this many partitions: ranges of its "
        "parent chunks (of its own chunks for a table no FK drives), each generated, checked and "
        "written alone. Needs a sequence primary key, or a driving FK to a table with one.",
    )

    @field_validator("primary_key", mode="before")
    @classmethod
    def _one_key(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def driving_fk(self) -> ForeignKeySpec | None:
        return next((fk for fk in self.foreign_keys if fk.cardinality is not None), None)

    def fk_for_column(self, column: str) -> ForeignKeySpec | None:
        return next((fk for fk in self.foreign_keys if column in fk.columns), None)


class ChildrenPerParent(_Model):
    table: str
    parent: str
    mean: tuple[float, float]


class RateBound(_Model):
    table: str
    column: str
    between: tuple[float, float]


class RowCountBound(_Model):
    table: str
    between: tuple[int, int]


class ExpectationsSpec(_Model):
    """Bounds the data must meet, kept apart from how it is generated."""

    cardinality_tolerance: float = Field(
        0.2, gt=0, lt=1, description="Every driving FK: mean children within this of its target."
    )
    children_per_parent: list[ChildrenPerParent] = Field(default_factory=list)
    rates: list[RateBound] = Field(default_factory=list)
    row_counts: list[RowCountBound] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> ExpectationsSpec:
        for rule in (*self.children_per_parent, *self.rates, *self.row_counts):
            low, high = rule.mean if isinstance(rule, ChildrenPerParent) else rule.between
            if high < low:
                raise ValueError(f"bounds [{low}, {high}] for table {rule.table!r} are reversed")
        return self


class Spec(_Model):
    """A whole generation spec."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str | None = None
    seed: int = 0
    locale: str = "en_US"
    asset_prefix: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Prefix of this spec's asset keys (`prefix/table`), so two specs may share "
        "table names in one code location.",
    )
    chunk_rows: int = Field(
        100_000,
        ge=1,
        description="Parent rows per generation chunk; fixed so output never depends on workers.",
    )
    tables: dict[str, TableSpec] = Field(min_length=1)
    expectations: ExpectationsSpec = Field(default_factory=ExpectationsSpec)
    source: str | None = Field(None, exclude=True, description="The file it was loaded from.")

    @property
    def source_stem(self) -> str:
        from pathlib import Path

        return Path(self.source).stem if self.source else self.name
