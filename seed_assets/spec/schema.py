"""The spec's JSON Schema, for editors (completion, hover text, validation of YAML specs).

Generated from the pydantic models, shorthands included (``poisson(1.8, min=1)``,
``customers(customer_id)``, ``primary_key: id``), with three adjustments the models cannot
express: `name` is optional (the loader names a spec after its file), a distribution written
as a mapping needs its `kind`, and each distribution carries its shorthand form.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from seed_assets.spec.distributions import COUNT_KINDS, VALUE_KINDS
from seed_assets.spec.models import Spec

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def shorthand(kind_model: type) -> str:
    """``poisson(mean, min, max)``: how a distribution is written as a call."""
    kind = kind_model.model_fields["kind"].default
    return f"{kind}({', '.join(kind_model.positional)})"


class _InSpecOrder(GenerateJsonSchema):
    """Keeps keys as written (pydantic sorts them), so examples read like a spec."""

    def sort(self, value: Any, parent_key: str | None = None) -> Any:
        return value


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file (draft 2020-12)."""
    schema = Spec.model_json_schema(mode="validation", schema_generator=_InSpecOrder)
    schema = {"$schema": DIALECT, **schema, "title": "seed-assets spec"}
    schema["required"] = [k for k in schema.get("required", []) if k != "name"]
    defs = schema.get("$defs", {})
    for model in (*COUNT_KINDS, *VALUE_KINDS):
        definition = defs.get(model.__name__)
        if definition is None:
            continue
        definition["required"] = ["kind", *definition.get("required", [])]
        definition["x-shorthand"] = shorthand(model)
    return schema
