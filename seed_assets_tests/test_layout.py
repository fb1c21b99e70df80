"""The package's layout holds: no import circles, no module taking another's private names,
Dagster only in the adapter, no source file over 600 lines (issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "seed_assets"
MAX_LINES = 600
# The Dagster adapter: the only modules that may import dagster (or its libraries).
ADAPTER = ("assets", "resources", "definitions.py", "distributed.py", "cli", "api.py")
# Files still being split (each by the change that owns it); remove a name once it is split.
BEING_SPLIT: set[str] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules) -> list[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for every import in the file, however
    deep (a function's lazy import is still a dependency)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([module] if module else [])])
            for alias in node.names:
                full = f"{module}.{alias.name}"
                out.append((full, None) if full in modules else (module, alias.name))
    return out


def _private_attributes(path: Path, imported: set[str]) -> list[str]:
    """`module._name` where `module` is a name bound to one of the package's modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def _graph():
    modules = _modules()
    edges: dict[str, set[str]] = {}
    private = []
    for name, path in modules.items():
        edges[name] = set()
        bound: set[str] = set()  # local names of the package's modules imported here
        for module, taken in _imports(name, path, modules):
            if module in modules and module != name:
                edges[name].add(module)
                if taken and taken.startswith("_"):
                    private.append(f"{name} takes {taken} from {module}")
                if taken is None and module.startswith("seed_assets."):
                    bound.add(module.rsplit(".", 1)[-1])
        private += [f"{name} uses {a}" for a in _private_attributes(path, bound)]
    return modules, edges, private


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    _, edges, _ = _graph()
    assert _cycles(edges) == []


def test_no_private_names_across_modules():
    _, _, private = _graph()
    assert private == []


def test_dagster_only_in_the_adapter():
    modules = _modules()
    outside = []
    for name, path in modules.items():
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.split("/")[0] in ADAPTER:
            continue
        for module, _ in _imports(name, path, modules):
            if module.split(".")[0].startswith("dagster"):
                outside.append(f"{relative} imports {module}")
    assert outside == []


def test_no_source_file_over_600_lines():
    long = {
        path.relative_to(PACKAGE).as_posix(): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert set(long) <= BEING_SPLIT, long


def test_private_attribute_finder_finds_module_private_use(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(
        "from seed_assets.validation import integrity\nintegrity._dates(1)\nx.__doc__\n"
    )
    assert _private_attributes(path, {"integrity"}) == ["integrity._dates"]
