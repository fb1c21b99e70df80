"""The spec reference (``docs/spec-reference.md``), generated from the spec's JSON Schema.

Every key of every model, with its type, default, description and example, in the order a
reader meets them (spec, tables, columns, ...). The descriptions and examples live on the
pydantic fields, so the reference, the editor hints and the validation cannot disagree; a test
checks the committed file equals this output. Regenerate with::

    python -m seed_assets.spec.reference > docs/spec-reference.md
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from typing import Any

import yaml

from seed_assets.spec.schema import spec_json_schema

ROOT = "Spec"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

INTRO = """\
# Spec reference

A spec is a YAML (or JSON) file. This page lists every key it may hold, with its type, default
and an example. It is generated from the spec models by
`python -m seed_assets.spec.reference > docs/spec-reference.md` (a test checks it is current).

**Editor support.** `seed-assets schema > spec.schema.json` writes the same definitions as a
JSON Schema. With the YAML language server (VS Code's *YAML* extension, and most editors' LSP
clients), put this first line in a spec to get completion, hover help and validation:

```yaml
# yaml-language-server: $schema=./spec.schema.json
```

Shorthands: a distribution is written `kind(arguments)` (`poisson(1.8, min=1)`, positional
arguments in the order given under *Shorthand*) or as a mapping with `kind`; a reference is
`table(column, ...)`; one column name may stand for a list of one. `seed-assets check SPEC`
validates a spec completely (cross-table rules and Faker providers too), with messages that name
the file, table and column.
"""


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _anchor(name: str) -> str:
    return name.lower()


def _bounds(schema: dict[str, Any]) -> str:
    parts = []
    for key, sign in (
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            parts.append(f"{sign} {schema[key]:g}")
    if "minLength" in schema and schema["minLength"] > 0:
        parts.append("not empty")
    if "minItems" in schema and schema["minItems"] > 0 and "prefixItems" not in schema:
        parts.append("not empty")
    if "minProperties" in schema and schema["minProperties"] > 0:
        parts.append("not empty")
    return f" ({', '.join(parts)})" if parts else ""


def type_label(schema: dict[str, Any], title_key: str = "") -> str:
    """A short, readable type: ``string``, ``list of string``, ``[ColumnSpec](#columnspec)``.

    `title_key` is the key the schema belongs to: its automatic title says nothing.
    """
    name = _ref_name(schema)
    if name:
        return f"[{name}](#{_anchor(name)})"
    for union in ("anyOf", "oneOf"):
        if union in schema:
            options = [s for s in schema[union] if s.get("type") != "null"]
            return " or ".join(dict.fromkeys(type_label(s, title_key) for s in options))
    if "const" in schema:
        const = schema["const"]
        return f"`{const if isinstance(const, str) else json.dumps(const)}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "string" and "pattern" in schema:
        # A title the models set names the form (`table(column, ...)`); else show the pattern.
        title = schema.get("title", "")
        if title and title.lower().replace(" ", "_") != title_key:
            return f"text `{title}`"
        return f"text matching `{schema['pattern']}`"
    if kind == "array":
        if "prefixItems" in schema:
            return "[" + ", ".join(type_label(s) for s in schema["prefixItems"]) + "]"
        items = schema.get("items")
        return f"list of {type_label(items)}{_bounds(schema)}" if items else "list"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and values:
            return f"mapping of name to {type_label(values)}{_bounds(schema)}"
        return "mapping"
    if kind in ("integer", "number"):
        return f"{kind}{_bounds(schema)}"
    if kind == "boolean":
        return "true or false"
    if kind:
        return str(kind)
    return "any value"


def _yaml_value(value: Any) -> Any:
    """JSON examples back to what a YAML spec holds (dates unquoted)."""
    if isinstance(value, str) and _DATE.match(value):
        return dt.date.fromisoformat(value)
    if isinstance(value, list):
        return [_yaml_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _yaml_value(v) for k, v in value.items()}
    return value


def example_yaml(key: str, value: Any) -> str:
    """``key: value`` in YAML flow style, on one line."""
    text = yaml.safe_dump(
        {key: _yaml_value(value)}, default_flow_style=True, sort_keys=False, width=10_000
    ).strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in prop:
        return "-"
    value = prop["default"]
    if value is None:
        return "-"
    if value in ([], {}):
        return "empty"
    return f"`{example_yaml('x', value)[3:]}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _children(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path suffix, sub-schema) pairs that may hold references to other definitions."""
    out = []
    for union in ("anyOf", "oneOf"):
        out += [("", s) for s in schema.get(union, [])]
    if "items" in schema:
        out.append(("[]", schema["items"]))
    out += [("", s) for s in schema.get("prefixItems", [])]
    values = schema.get("additionalProperties")
    if isinstance(values, dict):
        out.append((".<name>", values))
    return out


def _walk_order(schema: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """Definitions breadth-first from the root, and the key paths where each one appears."""
    defs = schema.get("$defs", {})
    order, where = [ROOT], {ROOT: [""]}
    queue = deque([(ROOT, "")])
    while queue:
        name, path = queue.popleft()
        definition = schema if name == ROOT else defs[name]
        for key, prop in definition.get("properties", {}).items():
            stack = [(f"{path}.{key}".lstrip("."), prop)]
            while stack:
                at, sub = stack.pop(0)
                ref = _ref_name(sub)
                if ref:
                    if ref not in where:
                        order.append(ref)
                        where[ref] = []
                        queue.append((ref, at))
                    if at not in where[ref]:
                        where[ref].append(at)
                    continue
                stack += [(at + suffix, child) for suffix, child in _children(sub)]
    return order, where


def _section(name: str, definition: dict[str, Any], paths: list[str]) -> list[str]:
    title = "Spec (the file)" if name == ROOT else name
    lines = [f'<a id="{_anchor(name)}"></a>', "", f"## {title}", ""]
    description = definition.get("description", "")
    if name == ROOT:
        description = "The top level of a spec file."
    if description:
        lines += [description.strip(), ""]
    if paths and paths != [""]:
        lines += ["Appears at: " + ", ".join(f"`{p}`" for p in paths), ""]
    if "x-shorthand" in definition:
        lines += [f"Shorthand: `{definition['x-shorthand']}`", ""]
    lines += ["| key | type | default | description | example |", "| --- | --- | --- | --- | --- |"]
    required = set(definition.get("required", []))
    properties = definition.get("properties", {})
    # The `kind` of a distribution first: it says which one this is.
    ordered = sorted(properties, key=lambda k: "const" not in properties[k])
    for key in ordered:
        prop = properties[key]
        if "const" in prop:
            description = "Names this kind (needed when written as a mapping)."
            example = prop["const"]
        else:
            description = prop.get("description", "")
            example = (prop.get("examples") or [None])[0]
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{key}`",
                    _cell(type_label(prop, key)),
                    _cell(_default(prop, key in required)),
                    _cell(description),
                    f"`{_cell(example_yaml(key, example))}`" if example is not None else "",
                ]
            )
            + " |"
        )
    return [*lines, ""]


def render() -> str:
    """The whole reference, as Markdown."""
    schema = spec_json_schema()
    order, where = _walk_order(schema)
    defs = schema.get("$defs", {})
    lines = [INTRO]
    for name in order:
        definition = schema if name == ROOT else defs[name]
        lines += _section(name, definition, where[name])
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
