"""`seed-assets plan URL --llm` and `--prompt`: the model's plan, repaired, explained."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from seed_assets.cli.app import console, errors, fail, write_or_print
from seed_assets.errors import SeedAssetsError


def print_prompt(url: str, with_samples: bool) -> None:
    """The exact messages --llm sends, as one text."""
    from seed_assets.sources.llm.context import read_context
    from seed_assets.sources.llm.prompt import build_messages, render

    try:
        context = read_context(url, with_samples=with_samples)
    except SeedAssetsError as exc:
        raise fail(exc) from None
    sys.stdout.write(render(build_messages(context)))


def llm_plan(
    url: str,
    out: Path | None,
    *,
    model: str | None,
    max_rounds: int,
    with_samples: bool,
    timeout: float | None,
) -> None:
    from seed_assets.sources.llm.client import ChatClient
    from seed_assets.sources.llm.config import LLMConfig
    from seed_assets.sources.llm.context import read_context
    from seed_assets.sources.llm.repair import ask_for_plan
    from seed_assets.sources.llm.schema import request_schema

    # The explanation goes where the plan does not: stdout may be the plan itself.
    say = console if out is not None else errors
    try:
        config = LLMConfig.from_env(model, timeout)
        context = read_context(url, with_samples=with_samples)
        with ChatClient(config, request_schema()) as client:
            say.print(
                f"Asking {config.model} at {client.where} for a plan of "
                f"{len(context.data['tables'])} table(s)"
                + (" (with masked samples)" if with_samples else " (no row values)"),
                highlight=False,
                soft_wrap=True,
            )

            def on_round(summary: str) -> None:
                say.print(summary, highlight=False, soft_wrap=True, markup=False)

            result = ask_for_plan(client, context, max_rounds=max_rounds, on_round=on_round)
            for step in client.steps:
                say.print(f"[yellow]note:[/] {step}", highlight=False, soft_wrap=True)
    except SeedAssetsError as exc:
        raise fail(exc) from None
    write_or_print(json.dumps(result.plan, indent=2, ensure_ascii=False) + "\n", out)
    explain(result.plan, result.fallbacks, say)
    if out is not None:
        console.print(f"Wrote {out}: {len(result.plan['tables'])} table(s) planned by the model")


def explain(plan: dict, fallbacks: list[str], say) -> None:
    """The rationale, each table's strategy and every fallback, in plain words."""
    say.print("[bold]Rationale:[/] ", end="")
    say.print(plan.get("rationale") or "(the model gave none)", highlight=False, markup=False)
    for table in plan["tables"]:
        count = table.get("record_count")
        head = f"{table['name']} ({count:,} rows)" if isinstance(count, int) else table["name"]
        say.print(f"  [bold]{head}[/]: ", end="", highlight=False)
        say.print(table.get("strategy") or "(no strategy given)", highlight=False, markup=False)
    if fallbacks:
        say.print(f"[yellow]{len(fallbacks)} fallback(s) to inference:[/]")
        for line in fallbacks:
            say.print(f"  - {line}", highlight=False, soft_wrap=True, markup=False)
