"""Load a spec file once, validate all of it, and point errors at file, table and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from seed_assets.errors import SpecError
from seed_assets.providers.faker_pool import check_locale, check_provider
from seed_assets.spec.distributions import COUNT_POSITIONAL, VALUE_POSITIONAL
from seed_assets.spec.graph import check_spec
from seed_assets.spec.models import Spec
from seed_assets.spec.plan import is_plan, spec_from_plan


def load_spec(path: str | Path, *, target: str | None = None) -> Spec:
    """Read a YAML (or JSON) spec, or a JSON generation plan, and validate it completely, or
    raise SpecError. A plan is laid over the spec reflected from `target` when one is given."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("spec file not found", source=source) from None
    except OSError as exc:
        raise SpecError(f"cannot read the spec: {exc.strerror}", source=source) from None
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(
            f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", source=source
        ) from None
    if not isinstance(data, dict):
        raise SpecError("a spec is a mapping with a `tables:` key", source=source)
    if is_plan(data):
        return spec_from_plan(data, source=source, target=target, name=_identifier(path.stem))
    data.setdefault("name", _identifier(path.stem))
    return spec_from_dict(data, source=source)


def spec_from_dict(data: dict[str, Any], *, source: str = "<spec>") -> Spec:
    """Validate an already parsed spec; the same checks as ``load_spec``."""
    try:
        spec = Spec.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise _first_error(exc, source) from None
    try:
        validate(spec)
    except SpecError as exc:
        raise exc.located(source) from None
    return spec


def validate(spec: Spec) -> None:
    """Cross-table rules and Faker providers (every name must exist and take its params)."""
    check_spec(spec)
    try:
        check_locale(spec.locale)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    for table_name, table in spec.tables.items():
        for column_name, column in table.columns.items():
            if column.faker is None:
                continue
            try:
                check_provider(column.faker, column.params, column.locale or spec.locale)
            except ValueError as exc:
                raise SpecError(str(exc), table=table_name, column=column_name) from None
        _check_unique_feasible(table_name, table)


def _check_unique_feasible(table_name: str, table) -> None:
    for column_name, column in table.columns.items():
        if not column.unique:
            continue
        dist = column.distribution
        if dist is not None and not (
            dist.kind == "uniform" and column.type in ("integer", "bigint")
        ):
            raise SpecError(
                f"`unique: true` cannot be kept by a {dist.kind} distribution (values repeat); "
                "use a sequence, or a uniform distribution over an integer range",
                table=table_name,
                column=column_name,
            )
        rows = table.rows
        if rows is None:
            continue
        distinct = None
        if column.choice is not None:
            distinct = len(column.choice.values)
        elif dist is not None:
            distinct = int(dist.high) - int(dist.low) + 1  # type: ignore[union-attr]
        if distinct is not None and distinct < rows:
            raise SpecError(
                f"`unique: true` needs {rows} distinct values, but the source has only {distinct}; "
                "widen it or lower `rows`",
                table=table_name,
                column=column_name,
            )


def _identifier(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in stem)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"spec_{cleaned}"


def _first_error(exc: ValidationError, source: str) -> SpecError:
    error = exc.errors()[0]
    loc = list(error["loc"])
    table = column = None
    if len(loc) >= 2 and loc[0] == "tables":
        table = str(loc[1])
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "columns":
            column = str(rest[1])
            rest = rest[2:]
    else:
        rest = loc
    # Drop pydantic's union-branch names (e.g. 'poisson') that the user never wrote.
    field = ".".join(str(p) for p in rest if not _is_union_tag(p, error))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown key `{rest[-1] if rest else loc[-1]}`"
        field = ".".join(str(p) for p in rest[:-1])
    elif error["type"] == "missing":
        message = f"missing required key `{rest[-1] if rest else loc[-1]}`"
        field = ".".join(str(p) for p in rest[:-1])
    prefix = f"{field}: " if field else ""
    return SpecError(f"{prefix}{message}", source=source, table=table, column=column)


def _is_union_tag(part: Any, error: dict[str, Any]) -> bool:
    """Pydantic names union branches (`poisson`, `function-before[...]`); users never wrote them."""
    if not isinstance(part, str):
        return False
    return "[" in part or part in COUNT_POSITIONAL or part in VALUE_POSITIONAL
