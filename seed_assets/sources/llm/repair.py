"""The rounds: ask, validate as a hand-written plan is validated, send the problems back;
after the last round, what is still wrong falls back to the inferred source, each listed.

All of a plan's problems are found with the validator itself: it stops at the first, so that
part (a column, a table's count, the insertion order...) is set aside and the rest validated
again, until the rest is valid. What was set aside is what falls back.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from seed_assets.errors import SpecError
from seed_assets.sources.llm.client import ChatClient, extract_json
from seed_assets.sources.llm.config import LLMError
from seed_assets.sources.llm.context import PlanContext
from seed_assets.sources.llm.prompt import build_messages
from seed_assets.sources.plan import is_plan, plan_from_spec, spec_from_plan
from seed_assets.spec.models import Spec

SOURCE = "plan"  # how the validator's messages name the model's plan
TOP_KEYS = ("insertion_order", "locale", "seed", "name", "rationale", "fallbacks")


@dataclass
class LLMPlan:
    """The plan to write, the columns (tables, counts...) left to inference, and how each round
    went."""

    plan: dict[str, Any]
    spec: Spec
    fallbacks: list[str]
    rounds: list[str] = field(default_factory=list)


@dataclass
class Diagnosis:
    problems: list[str]
    valid: dict[str, Any] | None  # the plan without its invalid parts (None: nothing valid)
    fallbacks: list[str]
    spec: Spec | None


def ask_for_plan(
    client: ChatClient,
    context: PlanContext,
    *,
    max_rounds: int = 3,
    locale: str = "en_US",
    on_round: Callable[[str], None] | None = None,
) -> LLMPlan:
    """A valid plan from the model, repaired for up to `max_rounds` rounds after its first
    answer; LLMError when no answer was a JSON plan."""
    messages = build_messages(context, locale)
    rounds: list[str] = []
    best: Diagnosis | None = None  # the plan with the fewest problems so far (latest on a tie)
    not_json = ""
    for number in range(1, max_rounds + 2):
        answer = client.complete(messages)
        try:
            data = extract_json(answer)
            if not is_plan(data):
                raise ValueError("it is JSON, but not a plan: an object whose `tables` is a list")
        except ValueError as exc:
            not_json = str(exc)
            feedback = (
                f"Your answer is not a JSON plan: {exc}. Answer with the whole plan as one JSON "
                "object that follows the plan's JSON Schema, and nothing else."
            )
            summary = f"round {number}: the answer is not a JSON plan ({exc})"
        else:
            diagnosis = diagnose(data, context)
            if best is None or len(diagnosis.problems) <= len(best.problems):
                best = diagnosis
            problems = diagnosis.problems
            feedback = (
                "The plan has these problems. Answer with the whole corrected plan as JSON:\n"
                + "\n".join(f"- {p}" for p in problems)
            )
            summary = (
                f"round {number}: {len(problems)} problem(s)"
                + "".join(f"\n  - {p}" for p in problems)
                if problems
                else f"round {number}: the plan is valid"
            )
        rounds.append(summary)
        if on_round:
            on_round(summary)
        if best is not None and not best.problems:
            break
        messages = [
            *messages,
            {"role": "assistant", "content": answer},
            {"role": "user", "content": feedback},
        ]
    if best is None:
        raise LLMError(
            f"the model's answer was still not a JSON plan after {len(rounds)} answer(s) "
            f"(--max-rounds {max_rounds}): {not_json}"
        )
    return _final(best, context, rounds)


def diagnose(data: dict[str, Any], context: PlanContext) -> Diagnosis:
    """Every problem the validator finds in `data`, and the plan without the invalid parts."""
    current = copy.deepcopy(data)
    problems: list[str] = []
    fallbacks: list[str] = []
    limit = 10 + sum(
        1 + len(t.get("columns") or []) if isinstance(t, dict) else 1 for t in data["tables"]
    )
    for _ in range(limit):
        try:
            spec = spec_from_plan(current, source=SOURCE, reflected=context.data)
        except SpecError as exc:
            problems.append(str(exc))
            dropped = set_aside(current, exc, context)
            if dropped is None:
                return Diagnosis(problems, None, fallbacks, None)
            fallbacks.append(dropped)
            continue
        return Diagnosis(problems, current, fallbacks, spec)
    return Diagnosis(problems, None, fallbacks, None)


def set_aside(plan: dict[str, Any], exc: SpecError, context: PlanContext) -> str | None:
    """Remove the part of `plan` that `exc` is about; say what falls back to what (None when
    the error is about no part that can be removed)."""
    message, table, column = exc.message, exc.table, exc.column
    tables = plan["tables"]
    match = re.match(r"tables\[(\d+)\]", message)
    if match and int(match.group(1)) < len(tables):
        del tables[int(match.group(1))]
        return f"tables[{match.group(1)}]: dropped ({message})"
    if message.startswith("insertion_order") and "insertion_order" in plan:
        del plan["insertion_order"]
        return f"insertion_order: replaced by the foreign keys' order ({message})"
    entries = [t for t in tables if isinstance(t, dict) and t.get("name") == table]
    if table is None or not entries:
        return _top_key(plan, message)
    entry = entries[-1]
    columns = entry.get("columns") if isinstance(entry.get("columns"), list) else []
    listed = [c for c in columns if isinstance(c, dict) and c.get("name") == column]
    if column is not None and listed:
        columns.remove(listed[-1])
        return f"{table}.{column}: {message}; falls back to {_inferred(context, table, column)}"
    match = re.match(r"columns\[(\d+)\]", message)
    if match and int(match.group(1)) < len(columns):
        del columns[int(match.group(1))]
        return f"{table}.columns[{match.group(1)}]: dropped ({message})"
    key = _key_named(message)
    if key is not None and key != "name" and key in entry:
        del entry[key]
        return f"{table}: `{key}` dropped ({message})"
    if "record_count" in message and "record_count" in entry:
        del entry["record_count"]
        return f"{table}: record_count dropped ({message}); the inferred count is used"
    tables.remove(entry)
    return f"table {table}: dropped ({message}); its rows come from inference"


def _top_key(plan: dict[str, Any], message: str) -> str | None:
    key = _key_named(message)
    if key is None:
        key = next((k for k in TOP_KEYS if k in message and k in plan), None)
    if key is None or key == "tables" or key not in plan:
        return None
    del plan[key]
    return f"`{key}` dropped ({message})"


def _key_named(message: str) -> str | None:
    match = re.match(r"unknown key '([^']*)'|`(\w+)` must", message)
    return (match.group(1) or match.group(2)) if match else None


def _inferred(context: PlanContext, table: str, column: str) -> str:
    reason = context.reflection.comments.get(("column", table, column))
    return f"the inferred source ({reason})" if reason else "the inferred source"


def _final(last: Diagnosis, context: PlanContext, rounds: list[str]) -> LLMPlan:
    from seed_assets.spec.graph import topological_order
    from seed_assets.spec.loader import spec_from_dict

    valid = last.valid
    if valid is None or last.spec is None:
        base = spec_from_dict(context.data, source="<reflected>")
        plan = plan_from_spec(base, "The model's plan could not be used; this is the plan "
                              "inferred from the schema.")  # fmt: skip
        plan["fallbacks"] = [f"the whole plan: {p}" for p in last.problems[-1:]]
        return LLMPlan(plan, spec_from_plan(plan, reflected=context.data), plan["fallbacks"],
                       rounds)  # fmt: skip
    plan = {
        "tables": valid["tables"],
        "insertion_order": valid.get("insertion_order")
        or [t for t in topological_order(last.spec) if any(
            e["name"] == t for e in valid["tables"])],
        **{k: v for k, v in valid.items() if k not in ("tables", "insertion_order")},
    }  # fmt: skip
    if last.fallbacks:
        plan["fallbacks"] = last.fallbacks
    spec = spec_from_plan(plan, source=SOURCE, reflected=context.data)
    return LLMPlan(plan, spec, last.fallbacks, rounds)
