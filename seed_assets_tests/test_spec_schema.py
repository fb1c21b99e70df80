"""The spec's JSON Schema (`seed-assets schema`) and the reference generated from it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.errors import SpecError
from seed_assets.spec.loader import spec_from_dict
from seed_assets.spec.reference import render
from seed_assets_tests.conftest import BANKING, ROOT

SPECS = sorted(
    [
        *(ROOT / "seed_assets" / "examples").glob("*.yaml"),
        *(ROOT / "seed_assets_tests" / "specs").glob("*.yaml"),
    ]
)


def as_editor_sees(path: Path) -> dict:
    """A YAML spec as JSON values: dates and timestamps are text to an editor."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=lambda v: v.isoformat()))


@pytest.fixture(scope="module")
def schema() -> dict:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    return printed


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_the_shipped_examples_are_found():
    names = {p.name for p in SPECS}
    assert {"banking.yaml", "shop.yaml", "bank_gate.yaml"} <= names


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_spec_validates_against_the_schema(validator, path):
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(as_editor_sees(path))
    ]
    assert errors == []


def _banking() -> dict:
    return as_editor_sees(BANKING)


def _with(path: list, value) -> dict:
    data = copy.deepcopy(_banking())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


# Mistakes an editor should underline, and the loader refuses too.
WRONG = {
    "unknown key": (["tables", "customers", "columns", "name", "fakr"], "name"),
    "misspelt distribution": (
        ["tables", "accounts", "foreign_keys", 0, "cardinality"],
        "poison(1.8)",
    ),
    "type not in the list": (["tables", "customers", "columns", "name", "type"], "varchar"),
    "reference not table(column)": (
        ["tables", "accounts", "foreign_keys", 0, "references"],
        "customers.customer_id",
    ),
    "negative rows": (["tables", "customers", "rows"], -1),
    "a date that is not one": (
        ["tables", "customers", "columns", "registration_date", "between"],
        ["2020-01-01", "next year"],
    ),
    "distribution mapping without kind": (
        ["tables", "accounts", "columns", "balance", "distribution"],
        {"mean": 10, "sigma": 1.2},
    ),
}


@pytest.mark.parametrize("mistake", WRONG)
def test_schema_and_loader_both_refuse(validator, mistake):
    path, value = WRONG[mistake]
    data = _with(path, value)
    assert list(validator.iter_errors(data)), f"the schema accepted: {mistake}"
    with pytest.raises(SpecError):
        spec_from_dict(data, source="inline")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["tables", "accounts", "foreign_keys", 0, "cardinality"], {"kind": "poisson", "mean": 2}),
        (["tables", "customers", "primary_key"], ["customer_id"]),
        # (every segment the example's `when` cases name stays a value)
        (["tables", "customers", "columns", "segment", "choice"], ["retail", "sme", "enterprise"]),
        (
            ["tables", "customers", "columns", "segment", "choice"],
            {"values": ["retail", "sme", "enterprise"], "weights": [0.5, 0.3, 0.2]},
        ),
        (
            ["tables", "accounts", "foreign_keys", 0, "references"],
            {"table": "customers", "columns": ["customer_id"]},
        ),
        (
            ["tables", "customers", "columns", "registration_date", "between"],
            ["2020-01-01T08:00:00", "2021-01-01 17:30"],
        ),
    ],
    ids=["mapping", "list", "choice list", "choice mapping", "reference mapping", "timestamps"],
)
def test_schema_accepts_every_form_the_loader_accepts(validator, path, value):
    data = _with(path, value)
    assert [e.message for e in validator.iter_errors(data)] == []
    spec_from_dict(data, source="inline")


def _properties(schema: dict):
    yield "Spec", schema
    yield from schema["$defs"].items()


def test_every_key_has_a_description_and_an_example_that_validates(schema):
    missing, wrong = [], []
    for name, definition in _properties(schema):
        for key, prop in definition.get("properties", {}).items():
            if "const" in prop:
                continue  # a distribution's `kind`: documented by its value
            if not prop.get("description") or not prop.get("examples"):
                missing.append(f"{name}.{key}")
                continue
            alone = {**prop, "$defs": schema["$defs"]}
            for example in prop["examples"]:
                errors = list(jsonschema.Draft202012Validator(alone).iter_errors(example))
                if errors:
                    wrong.append(f"{name}.{key}: {example!r}: {errors[0].message}")
    assert missing == [], "give these fields a description and examples in the models"
    assert wrong == []


def test_committed_reference_is_current():
    committed = (ROOT / "docs" / "spec-reference.md").read_text()
    assert committed == render(), (
        "docs/spec-reference.md is stale: python -m seed_assets.spec.reference "
        "> docs/spec-reference.md"
    )


def test_reference_documents_every_key(schema):
    text = render()
    for name, definition in _properties(schema):
        assert f'<a id="{name.lower()}"></a>' in text
        for key in definition.get("properties", {}):
            assert f"| `{key}` |" in text, f"{name}.{key}"
