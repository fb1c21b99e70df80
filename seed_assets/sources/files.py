"""Read a spec file: YAML or JSON, a spec or a JSON generation plan, validated completely."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import yaml

from seed_assets.errors import SpecError
from seed_assets.sources.plan import is_plan, spec_from_plan
from seed_assets.spec.loader import spec_from_dict
from seed_assets.spec.models import Spec

# Specs nest a handful of levels (tables, columns, choice values, JSON constants): far deeper is
# a hostile or broken file, refused before the parsers (which recurse) meet it.
MAX_DEPTH = 64
MAX_BYTES = 64 << 20
_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def load_spec(path: str | Path, *, target: str | None = None) -> Spec:
    """Read a YAML (or JSON) spec, or a JSON generation plan, and validate it completely, or
    raise SpecError. A plan is laid over the spec reflected from `target` when one is given."""
    path = Path(path)
    source = str(path)
    data = read_spec_data(path)
    if is_plan(data):
        return spec_from_plan(
            data, source=source, target=target, name=spec_name_from_stem(path.stem)
        )
    data.setdefault("name", spec_name_from_stem(path.stem))
    return spec_from_dict(data, source=source)


def read_spec_data(path: Path) -> dict[str, Any]:
    """The parsed mapping of a spec or plan file (``.json`` by a JSON parser, else YAML), or
    SpecError: unreadable, not UTF-8 text, too deeply nested, a key given twice, not a mapping."""
    source = str(path)
    text = read_text(path)
    if not text.strip() or all(
        line.lstrip().startswith("#") or not line.strip() for line in text.splitlines()
    ):
        raise SpecError(
            "the file is empty; a spec is a mapping with a `tables:` key", source=source
        )
    _check_depth(text, source)
    if path.suffix.lower() == ".json":
        data = _parse_json(text, source)
    else:
        data = _parse_yaml(text, source)
    if not isinstance(data, dict):
        raise SpecError(
            f"a spec is a mapping with a `tables:` key, not {_kind(data)}", source=source
        )
    return data


def read_text(path: Path) -> str:
    """The file as UTF-8 text, or SpecError naming what it is instead."""
    source = str(path)
    try:
        with open(path, "rb") as handle:  # bounded: /dev/zero or a FIFO must not hang
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError("spec file not found", source=source) from None
    except IsADirectoryError:
        raise SpecError("is a directory, not a spec file", source=source) from None
    except OSError as exc:
        raise SpecError(f"cannot read the spec: {exc.strerror}", source=source) from None
    if len(raw) > MAX_BYTES:
        raise SpecError(
            f"the file is larger than {MAX_BYTES >> 20} MB; a spec or plan is far smaller",
            source=source,
        )
    for bom, encoding in _BOMS.items():
        if raw.startswith(bom):
            raise SpecError(
                f"the file is {encoding} text; save it as UTF-8 (specs and plans are UTF-8)",
                source=source,
            )
    if b"\x00" in raw:
        raise SpecError(
            "the file is binary (it holds NUL bytes), not a YAML or JSON spec", source=source
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}); "
            "save it as UTF-8",
            source=source,
        ) from None


def _check_depth(text: str, source: str) -> None:
    """Refuse brackets nested deeper than MAX_DEPTH (a flow-style bomb makes the YAML and JSON
    parsers recurse past Python's stack)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                raise SpecError(
                    f"the file is nested more than {MAX_DEPTH} levels deep; a spec nests a "
                    "few levels",
                    source=source,
                )
        elif char in "]}":
            depth = max(depth - 1, 0)


def _kind(data: Any) -> str:
    if data is None:
        return "an empty document"
    return {list: "a list", str: "a text", int: "a number", float: "a number"}.get(
        type(data), type(data).__name__
    )


# -- JSON ------------------------------------------------------------------------------------


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    def __init__(self, key: Any) -> None:
        super().__init__(key)
        self.key = key


def _parse_json(text: str, source: str) -> Any:
    try:
        data = json.loads(text, object_pairs_hook=_unique_object)
    except _DuplicateKey as exc:
        raise SpecError(_twice(exc.key), source=source) from None
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
        ) from None
    except RecursionError:
        raise SpecError("the file is nested too deeply", source=source) from None
    _check_strings(data, source)
    return data


def _check_strings(value: Any, source: str) -> None:
    """JSON may escape half of a surrogate pair (``"\\ud83d"``): no text holds that."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                shown = item.encode("utf-8", "backslashreplace").decode("ascii", "replace")
                raise SpecError(
                    f"the text {shown[:80]!r} holds a lone surrogate escape (half of a \\ud83d"
                    "\\ude00 pair); escape the whole character or write it as UTF-8",
                    source=source,
                ) from None


# -- YAML ------------------------------------------------------------------------------------


class UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a mapping that gives one key twice (the last would win)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                except TypeError:  # an unhashable key: the base class says so
                    break
                if repeated:
                    mark = key_node.start_mark
                    raise _DuplicateYamlKey(key, mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _DuplicateYamlKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except _DuplicateYamlKey as exc:
        raise SpecError(f"{_twice(exc.key)} (line {exc.line})", source=source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(
            f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}", source=source
        ) from None
    except RecursionError:
        raise SpecError("the file is nested too deeply", source=source) from None


def _twice(key: Any) -> str:
    return (
        f"the key {str(key)!r} is given twice in one mapping (a table, column or setting "
        "defined twice; the last would silently win); keep one"
    )


def spec_name_from_stem(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in stem)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"spec_{cleaned}"
