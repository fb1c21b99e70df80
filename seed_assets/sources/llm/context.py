"""What the model is told about a database: the reflected spec (types, keys, foreign keys,
CHECKs, enums, comments, the inferred source of each column), the rows each table holds now,
and, only when asked for, a few values per column with PII-like ones masked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from seed_assets.sources.reflect import Reflection, reflect

SAMPLES_PER_COLUMN = 3
COUNT_CAP = 1_000_000  # counting stops here: a big table is "over 1,000,000" rows
_SAMPLE_ROWS = 50
_SAMPLE_CHARS = 40
# Names and Faker providers of columns that may hold personal data: their samples keep only
# their shape (letters -> x, digits -> 9), which tells the model the format and nothing else.
PII_NAME = re.compile(
    r"name|mail|phone|tel|mobile|fax|addr|street|city|zip|post|ssn|social|passport|licen|"
    r"iban|bic|swift|account|card|cc_|cvv|birth|dob|gender|ip_?addr|^ip$|user_?name|login|"
    r"pass|secret|token|salary|income|tax|national|health|diagnos|lat$|lon$|latitude|longitude",
    re.I,
)
PII_PROVIDERS = re.compile(
    r"name|email|phone|address|street|city|postcode|zipcode|ssn|iban|bban|credit_card|"
    r"passport|license|date_of_birth|ipv4|ipv6|user_name|password|latitude|longitude|"
    r"msisdn|company_email",
    re.I,
)


@dataclass
class PlanContext:
    """The reflection, plus what the database holds; samples only when asked for."""

    reflection: Reflection
    counts: dict[str, int | None]
    samples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    masked: set[tuple[str, str]] = field(default_factory=set)

    @property
    def data(self) -> dict[str, Any]:
        return self.reflection.data


def read_context(url: str, *, with_samples: bool = False) -> PlanContext:
    """Reflect `url`, count each table's rows (up to COUNT_CAP) and, with `with_samples`, read
    a few values per column."""
    from seed_assets.targets.connect import read_error

    reflection = reflect(url)
    context = PlanContext(reflection, counts={})
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            metadata = sa.MetaData()
            for name in reflection.data["tables"]:
                table = sa.Table(name, metadata, autoload_with=conn)
                context.counts[name] = _count(conn, table)
                if with_samples:
                    _read_samples(conn, table, reflection.data["tables"][name], context)
    except sa.exc.SQLAlchemyError as exc:
        raise read_error(exc, url) from None
    finally:
        engine.dispose()
    return context


def _count(conn, table: sa.Table) -> int:
    capped = sa.select(sa.literal(1)).select_from(table).limit(COUNT_CAP + 1).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one())


def _read_samples(conn, table: sa.Table, spec_table: dict, context: PlanContext) -> None:
    rows = conn.execute(sa.select(table).limit(_SAMPLE_ROWS)).mappings().all()
    for column, fields in spec_table["columns"].items():
        values: list[str] = []
        for row in rows:
            value = row.get(column)
            if value is None:
                continue
            shown = _shown(value)
            if shown not in values:
                values.append(shown)
            if len(values) == SAMPLES_PER_COLUMN:
                break
        if is_pii(column, fields):
            values = [mask(v) for v in values]
            context.masked.add((table.name, column))
        context.samples[(table.name, column)] = values


def _shown(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    text = str(value)
    return text if len(text) <= _SAMPLE_CHARS else text[:_SAMPLE_CHARS] + "..."


def is_pii(column: str, fields: dict[str, Any]) -> bool:
    """A column that may hold personal data, by its name or the provider inferred for it."""
    return bool(PII_NAME.search(column) or PII_PROVIDERS.search(str(fields.get("faker") or "")))


def mask(text: str) -> str:
    """The shape of a value: letters -> x, digits -> 9, the rest kept (``ab@c.io`` ->
    ``xx@x.xx``)."""
    return re.sub(r"\d", "9", re.sub(r"[^\W\d_]", "x", text))
