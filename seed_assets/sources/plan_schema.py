"""The JSON Schema of a generation plan (``plan.py``), for editors and for an LLM's structured
output. It states the shape only; ``spec_from_plan`` still checks names, providers and params."""

from __future__ import annotations

from typing import Any

from seed_assets.spec.schema import DIALECT


def plan_json_schema() -> dict[str, Any]:
    """The plan's JSON Schema (draft 2020-12): the keys `read_plan` accepts, and no others."""
    column = {
        "type": "object",
        "description": "A column's values: a Faker provider called with `params`.",
        "properties": {
            "name": {"type": "string", "description": "The column, as the database names it."},
            "faker_provider": {
                "type": "string",
                "description": "A Faker method, e.g. email, name, random_int, pyfloat, "
                "random_element, date_between.",
            },
            "params": {
                "type": "object",
                "description": 'Keyword arguments of the provider, e.g. {"min": 1, "max": 9}.',
            },
        },
        "required": ["name", "faker_provider", "params"],
        "additionalProperties": False,
    }
    table = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "record_count": {
                "type": "integer",
                "minimum": 0,
                "description": "Rows to generate; for a child table, about this many in all "
                "(drawn per parent row).",
            },
            "strategy": {
                "type": "string",
                "description": "In plain language: what the table's rows represent and how "
                "its values are chosen.",
            },
            "columns": {"type": "array", "items": column},
        },
        "required": ["name", "record_count", "columns"],
        "additionalProperties": False,
    }
    return {
        "$schema": DIALECT,
        "title": "seed-assets generation plan",
        "type": "object",
        "properties": {
            "tables": {"type": "array", "items": table, "minItems": 1},
            "insertion_order": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Every table of the plan once, parents before children.",
            },
            "rationale": {"type": "string", "description": "Why the plan is made this way."},
            "name": {"type": "string"},
            "seed": {"type": "integer"},
            "locale": {"type": "string", "description": "A Faker locale, e.g. en_US, de_DE."},
            "fallbacks": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Written by `plan --llm`: columns left to inference.",
            },
        },
        "required": ["tables"],
        "additionalProperties": False,
    }
