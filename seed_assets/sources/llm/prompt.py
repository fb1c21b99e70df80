"""The prompt: instructions (system), then the database and the plan's JSON Schema (user).

`seed-assets plan URL --prompt` prints exactly these two messages, for any chat UI. No row
value is in them unless samples were read (``--with-samples``), and those are masked where the
column may hold personal data.
"""

from __future__ import annotations

import json
from typing import Any

from seed_assets.providers.faker_pool import provider_names
from seed_assets.sources.llm.context import COUNT_CAP, PlanContext
from seed_assets.sources.llm.schema import request_schema

SYSTEM = """\
You design synthetic test data for a relational database. You do not write SQL or values: you \
write a JSON generation plan that a program executes with the Python Faker library.

The plan lists tables, how many records each gets, and for columns whose values you choose, a \
Faker provider (a method of a Faker instance, e.g. email, name, city, random_int, pyfloat, \
random_element, date_between, sentence) and its keyword arguments (`params`).

Rules:
- Use only the tables and columns of the database below, spelled exactly.
- Leave out the columns marked "leave out": foreign keys (their values are the parent's keys) \
and numbered keys. Columns you leave out keep the source shown as "now"; list a column only \
when you pick a better provider for it. A date whose "now" orders it after another \
column (after a parent row's date, or by a CHECK) is best left out: a provider loses that \
order.
- A provider's values must fit the column's type: integers for integer columns (random_int), \
numbers for decimal and float columns (pyfloat, pydecimal, random_int), dates or datetimes for \
date and timestamp columns (date_between, date_time_between), booleans for boolean columns \
(boolean). Respect length limits, NOT NULL, CHECK constraints and the allowed values of \
enumerations (random_element with {"elements": [...]}).
- Only use params the provider takes, e.g. random_int(min, max, step), pyfloat(left_digits, \
right_digits, positive, min_value, max_value), date_between(start_date, end_date) with dates \
like "-5y" or "2020-01-01", random_element(elements).
- record_count: realistic relative sizes (many orders per customer, few categories). For a \
table with a parent, it is the total over all parents.
- insertion_order: every table of your plan once, parents before children.
- rationale: a few plain sentences on the plan as a whole. strategy (per table): one or two \
plain sentences on what the rows represent and how their values are chosen.
- Answer with the JSON plan only, no prose, no code fence."""


def build_messages(context: PlanContext, locale: str = "en_US") -> list[dict[str, str]]:
    """The system and user messages that ask for a plan of the reflected database."""
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": describe(context, locale)},
    ]


def render(messages: list[dict[str, str]]) -> str:
    """The messages as one text (what --prompt prints), each under its role."""
    return "\n\n".join(f"### {m['role']}\n\n{m['content']}" for m in messages) + "\n"


def describe(context: PlanContext, locale: str) -> str:
    data = context.data
    lines = [
        f"Database: {len(data['tables'])} table(s), {context.reflection.dialect or 'SQL'}."
        + (" Samples: up to 3 values per column; masked ones keep only their shape "
           "(x = letter, 9 = digit)." if context.samples else ""),
        "",
    ]  # fmt: skip
    estimate = _default_rows(data)
    for name, table in data["tables"].items():
        lines += _table_lines(context, name, table, estimate.get(name))
        lines.append("")
    lines += [
        "The plan's JSON Schema:",
        json.dumps(request_schema(), indent=None, separators=(",", ":")),
        "",
        f"Faker providers of locale {locale}: {', '.join(provider_names(locale))}",
        "",
        "Write the plan.",
    ]
    return "\n".join(lines)


def _default_rows(data: dict[str, Any]) -> dict[str, float]:
    """Each table's rows in the plan `seed-assets plan` writes (none when the reflected spec
    does not load as it is)."""
    from seed_assets.errors import SpecError
    from seed_assets.sources.plan import expected_rows
    from seed_assets.spec.loader import spec_from_dict

    try:
        return expected_rows(spec_from_dict(data, source="<reflected>"))
    except SpecError:
        return {}


def _table_lines(
    context: PlanContext, name: str, table: dict[str, Any], default: float | None
) -> list[str]:
    comments = context.reflection.comments
    count = context.counts.get(name)
    now = (
        "unknown" if count is None
        else f"over {COUNT_CAP:,}" if count > COUNT_CAP else f"{count:,}"
    )  # fmt: skip
    head = f"Table {name} (rows in the database now: {now}"
    if default is not None:
        head += f"; default plan: {round(default):,} rows"
    head += ")"
    lines = [head]
    if table.get("description"):
        lines.append(f"  comment: {table['description']}")
    pk = table.get("primary_key") or []
    if pk:
        lines.append(f"  primary key: {', '.join(pk)}")
    fk_columns = {c for fk in table.get("foreign_keys", []) for c in fk["columns"]}
    for i, fk in enumerate(table.get("foreign_keys", [])):
        how = comments.get(("fk", name, str(i)))
        lines.append(
            f"  foreign key: {', '.join(fk['columns'])} -> {fk['references']}"
            + (f" ({how})" if how else "")
        )
    for key in table.get("unique", []):
        lines.append(f"  unique: ({', '.join(key)})")
    for check in table.get("checks", []):
        lines.append(f"  check: {check['sql'] if isinstance(check, dict) else check}")
    lines.append("  columns:")
    for column, fields in table["columns"].items():
        lines.append("  - " + _column_line(context, name, column, fields, pk, fk_columns))
    return lines


def _column_line(context, table: str, column: str, fields: dict, pk, fk_columns) -> str:
    parts = [column, _type_text(fields)]
    if fields.get("unsigned"):
        parts.append("UNSIGNED")
    if not fields.get("nullable") and "null_fraction" not in fields:
        parts.append("NOT NULL")
    if fields.get("unique"):
        parts.append("UNIQUE")
    if fields.get("enum") and fields.get("choice"):
        parts.append("ENUM(" + ", ".join(repr(v) for v in fields["choice"]) + ")")
    if fields.get("server_default"):
        parts.append(f"DEFAULT {fields['server_default']}")
    text = " ".join(parts)
    if fields.get("description"):
        text += f" -- comment: {fields['description']}"
    if column in fk_columns:
        return text + " [leave out: foreign key]"
    if column in pk and "sequence" in fields:
        return text + " [leave out: numbered key]"
    reason = context.reflection.comments.get(("column", table, column))
    if reason:
        text += f" [now: {reason}]"
    samples = context.samples.get((table, column))
    if samples is not None:
        masked = " (masked)" if (table, column) in context.masked else ""
        text += f" [samples{masked}: {', '.join(samples) if samples else 'none'}]"
    return text


def _type_text(fields: dict) -> str:
    kind = fields["type"]
    if "length" in fields:
        kind = f"{kind}({fields['length']})"
    elif "precision" in fields:
        kind = f"{kind}({fields['precision']}, {fields.get('scale', 0)})"
    if fields.get("sql_type"):
        kind += f" (SQL type {fields['sql_type']})"
    return kind
