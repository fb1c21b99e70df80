"""Text-pattern CHECKs (regex and LIKE) turned into a value source that satisfies them.

The CHECK grammar (``spec/checks.py``) does not evaluate patterns, so the database judges such
rows; left to the name-based inference, most rows would fail (a code CHECKed against
``^[A-Z]{3}$`` filled with words). Recognised forms, one column each:

- ``col ~ 're'`` / ``col ~* 're'`` (PostgreSQL), ``col REGEXP 're'`` / ``regexp_like(col, 're')``
  (MySQL, MariaDB);
- ``col LIKE 'p'`` and ``col GLOB 'p'`` (SQLite);
- a disjunction of those on one column, with ``col IS NULL`` allowed among them.

The column gets ``faker: regex`` with one pattern (alternatives joined with ``|``), checked
against the supported subset (``providers/patterns.py``); anything else stays with the database.
"""

from __future__ import annotations

import re

from seed_assets.providers.patterns import like_to_regex, parse_regex

_QUOTED = r"'((?:[^']|'')*)'(?:::\w+(?:\s+\w+)*)?"
_COLUMN = r"\(?[`\"\[]?(\w+)[`\"\]]?\)?(?:::\w+(?:\s+\w+)*)?"
_FORMS = [
    (re.compile(rf"^{_COLUMN}\s*(~\*?)\s*{_QUOTED}$", re.I | re.S), "regex"),
    (re.compile(rf"^{_COLUMN}\s+(REGEXP|RLIKE)\s+{_QUOTED}$", re.I | re.S), "regex"),
    (re.compile(rf"^regexp_like\s*\(\s*{_COLUMN}\s*,()\s*{_QUOTED}\s*\)$", re.I | re.S), "regex"),
    (re.compile(rf"^{_COLUMN}\s+(LIKE)\s+{_QUOTED}$", re.I | re.S), "like"),
    (re.compile(rf"^{_COLUMN}\s+(GLOB)\s+{_QUOTED}$", re.I | re.S), "glob"),
]
_IS_NULL = re.compile(rf"^{_COLUMN}\s+IS\s+NULL$", re.I)


def pattern_source(sql: str, columns: tuple[str, ...]) -> tuple[str, dict, str] | None:
    """(column, value fields, why) for a CHECK that only constrains one column to patterns;
    None for any other CHECK."""
    column = None
    patterns: list[str] = []
    for part in _disjuncts(_strip_parens(sql.strip())):
        part = _strip_parens(part.strip())
        null = _IS_NULL.match(part)
        if null:
            if column not in (None, null.group(1)):
                return None
            column = null.group(1)
            continue
        found = _one(part)
        if found is None or column not in (None, found[0]):
            return None
        column = found[0]
        patterns.append(found[1])
    if column not in columns or not patterns:
        return None
    pattern = patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)
    try:
        parse_regex(pattern)
    except (ValueError, IndexError):
        return None
    shown = " ".join(sql.split())
    return column, {"faker": "regex", "params": {"pattern": pattern}}, f"matches CHECK ({shown})"


def _one(part: str) -> tuple[str, str] | None:
    for form, kind in _FORMS:
        match = form.match(part)
        if match is None:
            continue
        column, text = match.group(1), match.group(3).replace("''", "'")
        if kind == "like":
            return column, like_to_regex(text)
        if kind == "glob":
            return column, _glob_to_regex(text)
        return column, _anchored(text)
    return None


def _anchored(pattern: str) -> str:
    """A regex CHECK matches anywhere unless anchored; a value matching it whole does too."""
    return pattern


def _glob_to_regex(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append("[a-z]{0,3}")
        elif char == "?":
            out.append("[a-z]")
        elif char == "[":
            end = pattern.index("]", i + 1)
            out.append(pattern[i : end + 1])
            i = end
        else:
            out.append(re.escape(char) if char in "\\^$.|+(){}" else char)
        i += 1
    return "".join(out)


def _strip_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth < 0:
                return False
    return depth == 0


def _disjuncts(text: str) -> list[str]:
    """Top-level parts of `text` split on OR (outside quotes and parentheses)."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    upper = text.upper()
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif depth == 0 and re.match(r"\sOR\s", upper[i : i + 4]):
                parts.append(text[start:i])
                start = i + 4
                i += 3
        i += 1
    parts.append(text[start:])
    return parts
