"""Write a reflected spec as YAML a person can review: one line per column, each with a comment
saying why its values are made that way (``# email (column name)``)."""

from __future__ import annotations

from typing import Any

import yaml

from seed_assets.sources.reflect import Reflection

_HEADER = """\
# Reflected by `seed-assets reflect`. Review the value sources (each comment says why it was
# chosen), the row counts and the cardinalities, then: seed-assets generate THIS_FILE --target URL
"""


def _flow(value: Any) -> str:
    """A value as one line of YAML flow style."""
    text = yaml.safe_dump(
        {"k": value}, default_flow_style=True, width=10**9, sort_keys=False, allow_unicode=True
    ).strip()
    return text[len("{k: ") : -1]


def _comment(text: str | None) -> str:
    return f"  # {_one_line(text)}" if text else ""


def _one_line(text: str) -> str:
    """A comment on one line: a multi-line CHECK quoted in a note would end the comment and
    leave the rest of its text as (invalid) YAML."""
    return " ".join(text.split())


def reflection_yaml(reflection: Reflection, header: str = _HEADER) -> str:
    """The spec of `reflection` as commented YAML (loads back to the same data)."""
    data = reflection.data
    lines = [header.rstrip("\n")]
    for note in reflection.notes:
        lines.append(f"# review: {_one_line(note)}")
    for key in ("name", "description", "seed", "locale", "chunk_rows"):
        if key in data:
            lines.append(f"{key}: {_flow(data[key])}")
    lines.append("tables:")
    comments = reflection.comments
    for table_name, table in data["tables"].items():
        lines.append(f"  {_flow(table_name)}:")
        for key, value in table.items():
            if key == "columns":
                lines.append("    columns:")
                for column, fields in value.items():
                    why = comments.get(("column", table_name, column))
                    lines.append(f"      {_flow(column)}: {_flow(fields)}{_comment(why)}")
            elif key in ("foreign_keys", "unique", "checks"):
                lines.append(f"    {key}:")
                for i, item in enumerate(value):
                    kind = {"foreign_keys": "fk", "checks": "check"}.get(key, key)
                    why = comments.get((kind, table_name, str(i)))
                    lines.append(f"      - {_flow(item)}{_comment(why)}")
            else:
                why = comments.get((key, table_name))
                lines.append(f"    {key}: {_flow(value)}{_comment(why)}")
    for key, value in data.items():
        if key not in ("name", "description", "seed", "locale", "chunk_rows", "tables"):
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"
