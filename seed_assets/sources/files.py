"""Read a spec file: YAML or JSON, a spec or a JSON generation plan, validated completely."""

from __future__ import annotations

from pathlib import Path

import yaml

from seed_assets.errors import SpecError
from seed_assets.sources.plan import is_plan, spec_from_plan
from seed_assets.spec.loader import spec_from_dict
from seed_assets.spec.models import Spec


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
        return spec_from_plan(
            data, source=source, target=target, name=spec_name_from_stem(path.stem)
        )
    data.setdefault("name", spec_name_from_stem(path.stem))
    return spec_from_dict(data, source=source)


def spec_name_from_stem(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in stem)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"spec_{cleaned}"
