"""Values -> SQL literal text per dialect, one column at a time (no per-cell pandas).

Literals, never placeholders: the text is what a client such as ``psql``, ``mariadb`` or
``sqlite3`` reads from a script. Each column is rendered as a whole: NumPy does the common
cases (ints, dates, clean strings) and only the rare values that need escaping go through
Python one by one.

Null conventions follow the engine: ``None``, ``pd.NA`` and ``NaT`` are NULL, and so is NaN in
a float64 array (the engine's nullable floats). A NaN that must stay NaN is a ``float('nan')``
in an object array. Zone-aware timestamps are converted to UTC: PostgreSQL and SQLite get the
``+00:00`` offset written out; MySQL's DATETIME has no zone, so it gets the UTC wall time.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterator, Mapping
from functools import cache

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from seed_assets.errors import TargetError
from seed_assets.spec.models import INTEGER_TYPES, TEXT_TYPES, TableSpec

DIALECTS = ("postgresql", "mysql", "sqlite")
_ALIASES = {"postgres": "postgresql", "pg": "postgresql", "mariadb": "mysql"}


# A string needs more than quote-doubling when it holds one of these. (`in` over the joined
# column, once per character, is far faster than a regex character class.)
_NEEDS_ESCAPE = {
    "postgresql": ("'", "\x00"),
    # sqlite3 drops a CR before a line end as it reads a script, so CRs are spliced in too.
    "sqlite": ("'", "\x00", "\r"),
    # MySQL reads backslash escapes in strings; NUL, CR, LF and Ctrl-Z are escaped the way
    # mysql_real_escape_string does, so a script survives any client and transfer.
    "mysql": ("'", "\\", "\x00", "\n", "\r", "\x1a"),
}
_MYSQL_ESCAPES = str.maketrans(
    {"\\": "\\\\", "'": "\\'", "\x00": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"}
)
_BOOLEANS = {"postgresql": ("TRUE", "FALSE"), "mysql": ("1", "0"), "sqlite": ("1", "0")}


def check_dialect(name: str) -> str:
    """The canonical dialect name, or a TargetError listing the ones there are."""
    dialect = _ALIASES.get(name.lower(), name.lower())
    if dialect not in DIALECTS:
        raise TargetError(
            f"unknown SQL dialect {name!r}: choose postgresql, mysql (also for MariaDB) or sqlite"
        )
    return dialect


class _Where:
    """Table and column, for error messages."""

    def __init__(self, table: str | None, column: str | None) -> None:
        self.table, self.column = table, column

    def fail(self, message: str) -> TargetError:
        where = []
        if self.table:
            where.append(f"table '{self.table}'")
        if self.column:
            where.append(f"column '{self.column}'")
        return TargetError(f"{', '.join(where)}: {message}" if where else message)


# -- one column ----------------------------------------------------------------------------------


def render_column(
    dialect: str,
    values,
    kind: str,
    *,
    table: str | None = None,
    column: str | None = None,
) -> list[str]:
    """Every value of one column as literal text, ``NULL`` for nulls.

    `kind` is a spec column type (integer, bigint, float, decimal, string, text, boolean, date,
    timestamp) or ``binary``; `table` and `column` name the place in error messages.
    """
    dialect = check_dialect(dialect)
    where = _Where(table, column)
    if kind not in _RENDERERS:
        raise where.fail(f"unknown column kind {kind!r}; one of {', '.join(_RENDERERS)}")
    array, zoned = _array(values)
    missing = _null_mask(array, keep_nan=kind == "float")
    if missing is None:
        return _render(dialect, array, kind, zoned, where)
    out = np.full(len(array), "NULL", dtype=object)
    present = array[~missing]
    if len(present):
        out[~missing] = _render(dialect, present, kind, zoned, where)
    return out.tolist()


def _render(dialect: str, array: np.ndarray, kind: str, zoned: bool, where: _Where) -> list[str]:
    if kind == "timestamp" and zoned:
        return _timestamps(dialect, array, where, suffix=_UTC_SUFFIX[dialect])
    return _RENDERERS[kind](dialect, array, where)


def render_value(dialect: str, value, kind: str) -> str:
    """One value as literal text (for tests and one-off statements)."""
    return render_column(dialect, np.array([value], dtype=object), kind)[0]


def sql_literal(dialect: str, value, *, table: str | None = None, column: str | None = None) -> str:
    """One Python scalar as literal text, its kind taken from its type.

    The one way a spec value enters a statement anywhere but an INSERT: CHECK lists, ENUM
    labels, comments, CHECK expressions, names passed to functions (``setval``).
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool | np.bool_):
        return _BOOLEANS[check_dialect(dialect)][0 if value else 1]
    values = np.array([value], dtype=object)
    return render_column(dialect, values, _kind_of(value), table=table, column=column)[0]


def _kind_of(value) -> str:
    if isinstance(value, int | np.integer):
        return "bigint"
    if isinstance(value, float | np.floating):
        return "float"
    if isinstance(value, decimal.Decimal):
        return "decimal"
    if isinstance(value, dt.datetime | pd.Timestamp | np.datetime64):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, bytes | bytearray | memoryview):
        return "binary"
    return "text"


def _array(values) -> tuple[np.ndarray, bool]:
    """The values as a NumPy array, and whether they were zone-aware (now UTC wall times)."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            return values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(), True
        if values.dtype == object:
            return values.to_numpy(), False  # as given: a NaN there may be a value
        if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):  # Int64, boolean, string
            return values.to_numpy(dtype=object, na_value=None), False
        return values.to_numpy(), False
    if isinstance(values, np.ndarray):
        return values, False
    return np.array(list(values), dtype=object), False


def _null_mask(array: np.ndarray, *, keep_nan: bool) -> np.ndarray | None:
    """Where the nulls are, or None when there are none (the usual case: no copying)."""
    if array.dtype.kind not in "fmMO":
        return None
    missing = pd.isna(array)
    if not missing.any():
        return None
    if keep_nan and array.dtype == object:
        # pd.isna counts float('nan') as missing; in an object array it is a value.
        for i in np.flatnonzero(missing).tolist():
            value = array[i]
            missing[i] = not (isinstance(value, float) and value != value)
        if not missing.any():
            return None
    return missing


# -- strings -------------------------------------------------------------------------------------


def _strings(dialect: str, array: np.ndarray, where: _Where) -> list[str]:
    values = array.tolist()
    try:
        joined = "".join(values)
    except TypeError:  # not all str: numbers in a text column, say
        values = [v if isinstance(v, str) else str(v) for v in values]
        joined = "".join(values)
    if not any(char in joined for char in _NEEDS_ESCAPE[dialect]):
        return [f"'{v}'" for v in values]  # the usual case: nothing to escape
    escape = _ESCAPERS[dialect]
    return [escape(v, where) for v in values]


def _pg_string(value: str, where: _Where) -> str:
    if "\x00" in value:
        raise where.fail(
            f"value {_preview(value)} holds a NUL character (\\x00), which PostgreSQL cannot "
            "store in text. Remove it from the data, or write the script for mysql or sqlite"
        )
    return "'" + value.replace("'", "''") + "'"


def _sqlite_string(value: str, _where: _Where) -> str:
    quoted = value.replace("'", "''")
    if "\x00" not in value and "\r" not in value:
        return f"'{quoted}'"
    # A NUL would end the literal, and the shell eats a CR before a newline: splice them in.
    spliced = quoted.replace("\x00", "' || char(0) || '").replace("\r", "' || char(13) || '")
    return f"('{spliced}')"


def _mysql_string(value: str, _where: _Where) -> str:
    return "'" + value.translate(_MYSQL_ESCAPES) + "'"


_ESCAPERS = {"postgresql": _pg_string, "sqlite": _sqlite_string, "mysql": _mysql_string}


def _preview(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


# -- numbers -------------------------------------------------------------------------------------


def _integers(_dialect: str, array: np.ndarray, where: _Where) -> list[str]:
    if array.dtype.kind in "iub":
        return (
            array.astype(np.int64 if array.dtype.kind == "b" else array.dtype).astype(str).tolist()
        )
    if array.dtype.kind == "f":
        if not np.all(array == np.round(array)):
            raise where.fail("an integer column holds a fractional value")
        return [str(int(v)) for v in array.tolist()]
    try:
        return [str(_exact_int(v)) for v in array.tolist()]
    except (TypeError, ValueError) as exc:
        raise where.fail(f"an integer column holds {exc}") from None


def _exact_int(value) -> int:
    number = int(value)
    if number != value:
        raise ValueError(f"the non-integer {value!r}")
    return number


def _floats(dialect: str, array: np.ndarray, where: _Where) -> list[str]:
    if array.dtype == object:
        return [_float(dialect, float(v), where) for v in array.tolist()]
    floats = array.astype(np.float64, copy=False)
    finite = np.isfinite(floats)
    if dialect == "sqlite":
        texts = _sqlite_reals(np.where(finite, floats, 0.0))
    else:  # both parse decimal text correctly rounded: the shortest round-trip text will do
        texts = list(map(repr, floats.tolist()))
    if not finite.all():
        for i in np.flatnonzero(~finite).tolist():
            texts[i] = _float(dialect, float(floats[i]), where)
    return texts


def _float(dialect: str, value: float, where: _Where) -> str:
    if math.isfinite(value):
        return _sqlite_reals(np.array([value]))[0] if dialect == "sqlite" else repr(value)
    if dialect == "postgresql":
        text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return f"'{text}'::float8"
    if dialect == "sqlite" and not math.isnan(value):
        return "9e999" if value > 0 else "-9e999"  # SQLite reads an overflowing REAL as ±Inf
    name = "NaN" if math.isnan(value) else "an infinite value"
    stores = "cannot store it" if dialect == "mysql" else "reads NaN back as NULL"
    raise where.fail(
        f"holds {name}; {_DISPLAY[dialect]} {stores}. Write NULL instead, or target postgresql"
    )


def _sqlite_reals(floats: np.ndarray) -> list[str]:
    """Finite floats as text SQLite reads back bit for bit.

    SQLite's own text-to-REAL conversion is not correctly rounded in general (before 3.43 it
    misreads about 1 in 400 arbitrary doubles). It is exact when the value is an integer of at
    most 15 digits over 10^k, k <= 22: both are exact doubles, and one division rounds once.
    Such values (money, measurements, anything rounded) get their shortest text; the rest get
    an exact product of an integer and powers of two.
    """
    texts = list(map(repr, floats.tolist()))
    safe = np.zeros(len(floats), dtype=bool)
    todo = np.flatnonzero(np.abs(floats) < 1e15)
    for k in range(23):
        if not len(todo):
            break
        scale = 10.0**k
        values = floats[todo]
        digits = np.rint(values * scale)
        ok = (np.abs(digits) < 1e15) & (digits / scale == values)
        safe[todo[ok]] = True
        todo = todo[~ok]
    if not safe.all():
        for i in np.flatnonzero(~safe).tolist():
            texts[i] = _exact_real(float(floats[i]))
    return texts


def _exact_real(value: float) -> str:
    """``(M * 1.0 * 2^a ...)`` or ``/ 2^a``: integer times powers of two, each step exact."""
    mantissa, exponent = math.frexp(value)
    digits, power = int(mantissa * 2**53), exponent - 53
    while digits % 2 == 0:
        digits //= 2
        power += 1
    if power >= 0 and abs(digits << power) < 9 * 10**17:
        return f"{digits << power}.0"  # an integer SQLite holds exactly as int64, then as REAL
    operator = "*" if power > 0 else "/"
    steps = []
    remaining = abs(power)
    while remaining:
        step = min(remaining, 62)
        steps.append(f" {operator} {1 << step}")
        remaining -= step
    return f"({digits} * 1.0{''.join(steps)})"


_DISPLAY = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}


def _decimals(dialect: str, array: np.ndarray, where: _Where) -> list[str]:
    """Exact decimal text: Decimals as they are, floats as their shortest round-trip digits."""
    if array.dtype != object:
        if not np.isfinite(array).all():
            raise where.fail("a decimal column holds an infinite value; decimals must be finite")
        floats = array.astype(np.float64)
        if dialect == "sqlite":  # NUMERIC affinity keeps them as REAL: the same float exactly
            return _sqlite_reals(floats)
        texts = list(map(repr, floats.tolist()))
        size = np.abs(floats)
        if ((size >= 1e15) | ((size < 1e-3) & (size > 0))).any():  # repr may say 1e+16, 5e-05
            texts = [_positional(decimal.Decimal(t)) if "e" in t else t for t in texts]
        return texts
    return [_decimal(v, where) for v in array.tolist()]


def _decimal(value, where: _Where) -> str:
    if isinstance(value, float | np.floating):
        value = decimal.Decimal(repr(float(value)))
    elif not isinstance(value, decimal.Decimal):
        value = decimal.Decimal(value)
    if not value.is_finite():
        raise where.fail(f"a decimal column holds {value}; decimals must be finite")
    return _positional(value)


def _positional(value: decimal.Decimal) -> str:
    return format(value, "f")


def _booleans(dialect: str, array: np.ndarray, _where: _Where) -> list[str]:
    true, false = _BOOLEANS[dialect]
    flags = array.astype(bool) if array.dtype != object else np.array([bool(v) for v in array])
    return np.array([false, true], dtype=object)[flags.view(np.uint8)].tolist()


# -- dates and times -----------------------------------------------------------------------------


def _dates(_dialect: str, array: np.ndarray, _where: _Where) -> list[str]:
    if array.dtype == object:
        return [f"'{_as_date(v).isoformat()}'" for v in array.tolist()]
    days = np.asarray(array).astype("datetime64[D]").view(np.int64)
    first, last = int(days.min()), int(days.max())
    if last - first < len(days):  # few distinct days: quote each day once and share it
        span = np.arange(first, last + 1).astype("datetime64[D]")
        labels = np.array([f"'{d}'" for d in np.datetime_as_string(span).tolist()], dtype=object)
        return labels[days - first].tolist()
    return [f"'{d}'" for d in np.datetime_as_string(days.astype("datetime64[D]")).tolist()]


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    return value


# Zone-aware values are written as UTC; MySQL's DATETIME has no zone to write.
_UTC_SUFFIX = {"postgresql": "+00:00", "sqlite": "+00:00", "mysql": ""}


def _timestamps(dialect: str, array: np.ndarray, _where: _Where, suffix: str = "") -> list[str]:
    if array.dtype == object:
        zone = _UTC_SUFFIX[dialect]
        return [_timestamp(v, zone) for v in array.tolist()]
    stamps = array
    whole = stamps.astype("datetime64[s]")
    unit = "s" if (stamps == whole).all() else "us"  # fractions only when there are some
    iso = np.datetime_as_string(stamps.astype(f"datetime64[{unit}]"), unit=unit)
    # 'T' appears only as the date/time separator; a space is what every client prints back.
    return [f"'{t.replace('T', ' ')}{suffix}'" for t in iso.tolist()]


def _timestamp(value, zone: str) -> str:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)
    elif isinstance(value, np.datetime64):
        value = pd.Timestamp(value).to_pydatetime(warn=False)
    elif not isinstance(value, dt.datetime):  # a date: midnight
        value = dt.datetime.combine(value, dt.time())
    suffix = ""
    if value.utcoffset() is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
        suffix = zone
    return f"'{value.isoformat(sep=' ')}{suffix}'"


# -- bytes ---------------------------------------------------------------------------------------


def _binary(dialect: str, array: np.ndarray, _where: _Where) -> list[str]:
    if dialect == "postgresql":
        return [f"'\\x{bytes(v).hex()}'::bytea" for v in array.tolist()]
    return [f"X'{bytes(v).hex()}'" for v in array.tolist()]


def _utc_timestamps(dialect: str, array: np.ndarray, where: _Where) -> list[str]:
    """timestamptz: the engine holds UTC wall times; PostgreSQL is told so, SQLite and MySQL
    store them as they are (as ``generate`` does)."""
    return _timestamps(dialect, array, where, suffix="+00:00" if dialect == "postgresql" else "")


_RENDERERS = {
    **dict.fromkeys(TEXT_TYPES, _strings),  # uuid and json are text in their literal form
    "timestamptz": _utc_timestamps,
    **dict.fromkeys(INTEGER_TYPES, _integers),
    "float": _floats,
    "decimal": _decimals,
    "boolean": _booleans,
    "date": _dates,
    "timestamp": _timestamps,
    "binary": _binary,
}


# -- whole rows ----------------------------------------------------------------------------------


@cache
def sa_dialect(dialect: str) -> sa.engine.Dialect:
    """SQLAlchemy's dialect, with a paramstyle that leaves '%' in literal text alone."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    module = {"postgresql": postgresql, "mysql": mysql, "sqlite": sqlite}[check_dialect(dialect)]
    return use_our_literals(module.dialect(paramstyle="named"))


def quote_identifier(dialect: str, name: str) -> str:
    """`name` quoted as SQLAlchemy's DDL for `dialect` quotes it (only when it must)."""
    return sa_dialect(dialect).identifier_preparer.quote(name)


def insert_statements(
    dialect: str,
    table_name: str,
    frame: pd.DataFrame,
    table: TableSpec | Mapping[str, str],
    rows_per_statement: int = 500,
    *,
    max_statement_chars: int = 1_000_000,
) -> Iterator[str]:
    """Multi-row ``INSERT ... VALUES`` statements (no trailing ';') holding every row of `frame`.

    `table` gives each column's kind: a TableSpec, or a mapping column -> kind. A statement
    holds up to `rows_per_statement` rows, and fewer when it would pass `max_statement_chars`
    (MySQL's max_allowed_packet, psql's line buffers), but always at least one row.
    """
    dialect = check_dialect(dialect)
    if rows_per_statement < 1:
        raise ValueError("rows_per_statement must be at least 1")
    kinds = (
        {name: column.type for name, column in table.columns.items()}
        if isinstance(table, TableSpec)
        else dict(table)
    )
    names = list(frame.columns)
    # The generator fills identity columns (children reference the keys), also ALWAYS ones.
    always = isinstance(table, TableSpec) and any(
        c.identity == "always" for n, c in table.columns.items() if n in names
    )
    overriding = " OVERRIDING SYSTEM VALUE" if always and dialect == "postgresql" else ""
    head = (
        f"INSERT INTO {quote_identifier(dialect, table_name)} "
        f"({', '.join(quote_identifier(dialect, n) for n in names)}){overriding} VALUES\n"
    )
    # Render a slice of rows at a time: vectorised enough, and memory stays bounded.
    step = rows_per_statement * max(1, 50_000 // rows_per_statement)
    for start in range(0, len(frame), step):
        part = frame.iloc[start : start + step]
        pieces = [_column_piece(dialect, part[n], kinds[n], table_name, n) for n in names]
        # One format call per row; clean text columns are quoted by the template itself.
        template = ", ".join(placeholder for placeholder, _ in pieces)
        rows = list(map(template.format, *(values for _, values in pieces)))
        yield from _statements(head, rows, rows_per_statement, max_statement_chars)


def _column_piece(dialect: str, series: pd.Series, kind: str, table: str, column: str):
    """A placeholder for the row template and the column's values to fill it with."""
    if kind in TEXT_TYPES and series.dtype == object:
        values = series.tolist()
        try:
            joined = "".join(values)  # TypeError on a None, NaN or non-string: the long way
        except TypeError:
            joined = None
        if joined is not None and not any(char in joined for char in _NEEDS_ESCAPE[dialect]):
            return "'{}'", values
    return "{}", render_column(dialect, series, kind, table=table, column=column)


def _statements(head: str, rows: list[str], per: int, max_chars: int) -> Iterator[str]:
    for start in range(0, len(rows), per):
        batch = rows[start : start + per]
        size = sum(map(len, batch)) + 4 * len(batch)
        if size <= max_chars:
            yield head + "(" + "),\n(".join(batch) + ")"
            continue
        taken: list[str] = []
        used = 0
        for row in batch:
            if taken and used + len(row) + 4 > max_chars:
                yield head + "(" + "),\n(".join(taken) + ")"
                taken, used = [], 0
            taken.append(row)
            used += len(row) + 4
        yield head + "(" + "),\n(".join(taken) + ")"


# -- literals SQLAlchemy renders itself ------------------------------------------------------------
# SQLAlchemy renders literals in DDL (a CHECK built from a `choice`, enum labels, COMMENTs) by
# what it detected about the server at its first connection (MySQL's NO_BACKSLASH_ESCAPES,
# PostgreSQL's standard_conforming_strings), while the tool's sessions set their own modes; and
# it passes a NUL or a CR through raw, which the command-line clients cut a line at. So the
# dialect's statement compiler is given ``sql_literal``: one escaping per dialect everywhere.

_HOOKED = "_seed_assets_literals"
# Values our renderer takes; anything else (JSON documents, arrays) stays SQLAlchemy's.
_SCALARS = (str, int, float, decimal.Decimal, dt.date, bytes)
_PERCENT = ("format", "pyformat")


def _name(dialect: sa.engine.Dialect) -> str:
    return "mysql" if dialect.name in ("mysql", "mariadb") else dialect.name


def use_our_literals(dialect: sa.engine.Dialect) -> sa.engine.Dialect:
    """Make `dialect` (an engine's, or one compiled against) render literals as scripts do."""
    if getattr(dialect, _HOOKED, False) or _name(dialect) not in ("postgresql", "mysql", "sqlite"):
        return dialect
    if _name(dialect) == "mysql":
        _hook_mysql_enum()
    base = dialect.statement_compiler

    class LiteralCompiler(base):  # type: ignore[misc, valid-type]
        def render_literal_value(self, value, type_):
            if isinstance(value, bool) or not isinstance(value, _SCALARS):
                return super().render_literal_value(value, type_)
            text = sql_literal(_name(self.dialect), value)
            # psycopg/pymysql read '%' in a statement as a placeholder: doubled, as SQLAlchemy's
            # own literals are for these paramstyles.
            return text.replace("%", "%%") if self.dialect.paramstyle in _PERCENT else text

    dialect.statement_compiler = LiteralCompiler
    setattr(dialect, _HOOKED, True)
    return dialect


def _enum_labels(type_, compiler, **_kw) -> str:
    """MySQL's ENUM(...) labels, escaped by our renderer (SQLAlchemy only doubles quotes)."""
    labels = ",".join(sql_literal("mysql", str(label)) for label in type_.enums)
    if compiler.dialect.paramstyle in _PERCENT:
        labels = labels.replace("%", "%%")
    return f"ENUM({labels})"


compiles(sa.Enum, "mysql", "mariadb")(_enum_labels)


@cache
def _hook_mysql_enum() -> None:
    """MySQL's own ENUM (reflected columns) too, hooked with the first MySQL dialect (all come
    through ``use_our_literals``): other runs never import SQLAlchemy's MySQL dialect."""
    from sqlalchemy.dialects import mysql

    compiles(mysql.ENUM, "mysql", "mariadb")(_enum_labels)
