"""Commands that produce specs: `schema`, `reflect`, `plan`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from seed_assets.cli.app import (
    URL_ARG,
    app,
    console,
    errors,
    fail,
    out_option,
    write_or_print,
)
from seed_assets.errors import SeedAssetsError


@app.command(
    epilog="Example: seed-assets schema > spec.schema.json   (then, first line of a spec: "
    "# yaml-language-server: $schema=./spec.schema.json)"
)
def schema(
    plan: bool = typer.Option(False, "--plan", help="The JSON generation plan's schema instead."),
) -> None:
    """Print the spec's JSON Schema, so editors can complete and validate YAML specs."""
    import json

    from seed_assets.sources.plan_schema import plan_json_schema
    from seed_assets.spec.schema import spec_json_schema

    chosen = plan_json_schema() if plan else spec_json_schema()
    sys.stdout.write(json.dumps(chosen, indent=2, ensure_ascii=False) + "\n")


@app.command(
    epilog="Example: seed-assets reflect postgresql+psycopg://postgres@127.0.0.1/shop "
    "--out shop.yaml && seed-assets generate shop.yaml --target "
    "postgresql+psycopg://postgres@127.0.0.1/shop"
)
def reflect(
    url: str = URL_ARG,
    out: Path = out_option("spec"),
    name: str = typer.Option(None, "--name", help="The spec's name. Default: the database's."),
) -> None:
    """Read the tables of a database into a spec, with inferred value sources to review.

    Each column's comment says why its values are made that way; CHECKs the generator does not
    understand are listed (the database judges the generated rows against them).
    """
    from seed_assets.sources.reflect import reflect as reflect_database
    from seed_assets.sources.yaml_writer import reflection_yaml

    try:
        reflection = reflect_database(url, name=name)
    except SeedAssetsError as exc:
        raise fail(exc) from None
    text = reflection_yaml(reflection)
    write_or_print(text, out)
    tables = len(reflection.data["tables"])
    for note in reflection.notes:
        # the note verbatim: Rich markup would eat bracketed text such as [a-z0-9_]
        errors.print("[yellow]review:[/] " + escape(note), highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"Wrote {out}: {tables} table(s); review the commented choices")


@app.command(
    epilog="Example: seed-assets plan postgresql+psycopg://postgres@127.0.0.1/shop --out plan.json"
    "   With a model: OPENAI_BASE_URL=http://localhost:11434/v1 seed-assets plan URL --llm "
    "--model llama3.1 --out plan.json (docs/plans.md)"
)
def plan(
    url: str = URL_ARG,
    out: Path = out_option("plan"),
    llm: bool = typer.Option(
        False, "--llm", help="Ask an OpenAI-compatible model (OPENAI_BASE_URL, OPENAI_API_KEY)."
    ),
    model: str = typer.Option(
        None, "--model", help="The model for --llm. Default: $SEED_ASSETS_LLM_MODEL."
    ),
    max_rounds: int = typer.Option(
        3, "--max-rounds", min=0, help="Repair rounds after the model's first answer."
    ),
    with_samples: bool = typer.Option(
        False,
        "--with-samples",
        help="Show the model a few values per column (PII-like columns masked). Default: none.",
    ),
    timeout: float = typer.Option(
        None, "--timeout", min=0.001, help="Seconds to wait for each answer (default 300)."
    ),
    prompt: bool = typer.Option(
        False, "--prompt", help="Print the exact prompt --llm sends (for any chat UI); ask none."
    ),
) -> None:
    """Write a JSON generation plan for a database, for a person or an LLM to edit.

    Generate from it with `seed-assets generate PLAN --target URL`: columns the plan leaves out
    (keys, foreign keys, ordered dates) are filled from the database's schema. With --llm, a
    model writes the plan; it is validated, repaired with the validator's messages, and what
    stays invalid falls back to the inferred source (listed).
    """
    import json

    if not llm and (model is not None or max_rounds != 3 or timeout is not None):
        raise fail(SeedAssetsError("--model, --max-rounds and --timeout go with --llm"))
    if with_samples and not (llm or prompt):
        raise fail(SeedAssetsError("--with-samples goes with --llm or --prompt"))
    if prompt or llm:
        from seed_assets.cli.plan_llm import llm_plan, print_prompt

        if prompt:
            print_prompt(url, with_samples)
        else:
            llm_plan(url, out, model=model, max_rounds=max_rounds, with_samples=with_samples,
                     timeout=timeout)  # fmt: skip
        return

    from seed_assets.sources.plan import plan_from_spec
    from seed_assets.sources.reflect import reflect as reflect_database
    from seed_assets.spec.loader import spec_from_dict

    try:
        reflection = reflect_database(url)
        spec = spec_from_dict(reflection.data, source="<reflected>")
    except SeedAssetsError as exc:
        raise fail(exc) from None
    rationale = (
        "Record counts: root tables get a default number of rows; child tables the expected "
        "rows of their parent times their cardinality. Providers follow the column names and "
        "types and the database's CHECKs. Keys, foreign keys, dates ordered after their "
        "parent's, uuids and json are filled from the schema and are not listed."
    )
    text = json.dumps(plan_from_spec(spec, rationale), indent=2) + "\n"
    write_or_print(text, out)
    if out is not None:
        console.print(f"Wrote {out}: {len(spec.tables)} table(s)")
