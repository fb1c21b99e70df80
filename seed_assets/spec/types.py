"""The column types a spec may name, and the families the engine, checks and writers treat
alike (every type's family is decided here once)."""

from typing import Literal

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
