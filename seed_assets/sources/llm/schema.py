"""The JSON Schema sent as `response_format`: the plan's, with what the model must explain
required (rationale, a strategy per table, the insertion order)."""

from __future__ import annotations

import copy
from typing import Any

from seed_assets.sources.plan_schema import plan_json_schema


def request_schema() -> dict[str, Any]:
    schema = copy.deepcopy(plan_json_schema())
    schema.pop("$schema", None)  # some servers refuse the meta-schema keyword
    for key in ("fallbacks", "name", "seed"):  # ours to set, not the model's
        schema["properties"].pop(key)
    schema["required"] = ["tables", "insertion_order", "rationale"]
    table = schema["properties"]["tables"]["items"]
    table["required"] = ["name", "record_count", "strategy", "columns"]
    return schema
