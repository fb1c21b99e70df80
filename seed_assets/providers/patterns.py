"""Values that match a pattern: the common subset of regular expressions (what CHECKs on codes
use: literals, ``\\d \\w \\s``, character classes and ranges, groups with ``|``, ``? * + {n}
{n,m}``, anchors) and SQL LIKE patterns (``%`` and ``_``). Added to Faker as the providers
``regex`` and ``like``, so a column says ``faker: regex, params: {pattern: '^[A-Z]{3}$'}``.

Open repetitions (``* + {n,}``) repeat at most ``OPEN_MAX`` more times, so values stay short.
Anything else (look-arounds, back-references, negated classes of unknown width) raises
ValueError: the spec is refused with the reason instead of generating values that fail.
"""

from __future__ import annotations

import random
import string

from faker.providers import BaseProvider

OPEN_MAX = 4
_CLASSES = {
    "d": string.digits,
    "w": string.ascii_letters + string.digits + "_",
    "s": " ",
}
_PRINTABLE = string.ascii_letters + string.digits


class _Parser:
    """A recursive-descent parser of the subset into nodes: ("lit", chars), ("seq", [...]),
    ("alt", [...]), ("rep", node, low, high)."""

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def parse(self):
        node = self._alternation()
        if self.pos != len(self.text):
            raise ValueError(f"unbalanced ')' at position {self.pos} of {self.text!r}")
        return node

    def _peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def _alternation(self):
        options = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else ("alt", options)

    def _sequence(self):
        items = []
        while self._peek() not in (None, "|", ")"):
            atom = self._atom()
            if atom is not None:
                items.append(self._quantified(atom))
        return ("seq", items)

    def _atom(self):
        char = self.text[self.pos]
        self.pos += 1
        if char in "^$":
            return None  # values are whole: anchors hold by construction
        if char == "(":
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self._peek() == "?":
                raise ValueError(f"look-arounds are not supported in {self.text!r}")
            node = self._alternation()
            if self._peek() != ")":
                raise ValueError(f"missing ')' in {self.text!r}")
            self.pos += 1
            return node
        if char == "[":
            return ("lit", self._class())
        if char == ".":
            return ("lit", _PRINTABLE)
        if char == "\\":
            return ("lit", self._escape())
        return ("lit", char)

    def _escape(self) -> str:
        if self.pos >= len(self.text):
            raise ValueError(f"a trailing backslash in {self.text!r}")
        char = self.text[self.pos]
        self.pos += 1
        if char in _CLASSES:
            return _CLASSES[char]
        if char.isdigit():
            raise ValueError(f"back-references are not supported in {self.text!r}")
        return char

    def _class(self) -> str:
        if self._peek() == "^":
            raise ValueError(f"negated character classes are not supported in {self.text!r}")
        chars: list[str] = []
        first = True
        while True:
            char = self._peek()
            if char is None:
                raise ValueError(f"missing ']' in {self.text!r}")
            self.pos += 1
            if char == "]" and not first:
                break
            first = False
            if char == "[" and self.text.startswith(":", self.pos):  # [[:digit:]]
                end = self.text.index(":]", self.pos)
                chars.append(_posix(self.text[self.pos + 1 : end]))
                self.pos = end + 2
                continue
            if char == "\\":
                char = self._escape()
                chars.append(char)
                continue
            if self._peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("]", ""):
                end = self.text[self.pos + 1]
                self.pos += 2
                chars.append("".join(chr(c) for c in range(ord(char), ord(end) + 1)))
                continue
            chars.append(char)
        return "".join(dict.fromkeys("".join(chars)))

    def _quantified(self, atom):
        char = self._peek()
        if char == "?":
            low, high = 0, 1
        elif char == "*":
            low, high = 0, OPEN_MAX
        elif char == "+":
            low, high = 1, 1 + OPEN_MAX
        elif char == "{" and self._bounded():
            return self._quantified(("rep", atom, *self._bounds()))
        else:
            return atom
        self.pos += 1
        if self._peek() in ("?", "+"):  # lazy or possessive: same values
            self.pos += 1
        return ("rep", atom, low, high)

    def _bounded(self) -> bool:
        end = self.text.find("}", self.pos)
        inner = self.text[self.pos + 1 : end] if end > 0 else ""
        return bool(inner) and all(p.strip().isdigit() or p == "" for p in inner.split(","))

    def _bounds(self) -> tuple[int, int]:
        end = self.text.index("}", self.pos)
        inner = self.text[self.pos + 1 : end]
        self.pos = end + 1
        if "," not in inner:
            return int(inner), int(inner)
        low_text, high_text = inner.split(",", 1)
        low = int(low_text or 0)
        return low, int(high_text) if high_text else low + OPEN_MAX


def _posix(name: str) -> str:
    table = {
        "digit": string.digits,
        "alpha": string.ascii_letters,
        "alnum": string.ascii_letters + string.digits,
        "upper": string.ascii_uppercase,
        "lower": string.ascii_lowercase,
        "space": " ",
        "xdigit": string.hexdigits,
    }
    if name not in table:
        raise ValueError(f"unknown class [:{name}:]")
    return table[name]


def _emit(node, rnd: random.Random, out: list[str]) -> None:
    kind = node[0]
    if kind == "lit":
        out.append(rnd.choice(node[1]))
    elif kind == "seq":
        for item in node[1]:
            _emit(item, rnd, out)
    elif kind == "alt":
        _emit(rnd.choice(node[1]), rnd, out)
    else:
        _, inner, low, high = node
        for _ in range(rnd.randint(low, high)):
            _emit(inner, rnd, out)


def parse_regex(pattern: str):
    """The parsed pattern; ValueError when it is outside the supported subset."""
    return _Parser(pattern).parse()


def regex_value(pattern: str, rnd: random.Random) -> str:
    out: list[str] = []
    _emit(parse_regex(pattern), rnd, out)
    return "".join(out)


def like_to_regex(pattern: str, escape: str | None = None) -> str:
    """A SQL LIKE pattern as a regex of the subset (`%`: nothing, the shortest value that
    matches, so '%Trailers%' gives 'Trailers'; `_`: one letter)."""
    parts = []
    chars = iter(pattern)
    for char in chars:
        if escape and char == escape:
            parts.append(_quote(next(chars, "")))
        elif char == "%":
            continue
        elif char == "_":
            parts.append("[a-z]")
        else:
            parts.append(_quote(char))
    return "".join(parts)


def _quote(char: str) -> str:
    return "\\" + char if char in "\\^$.|?*+()[]{}" else char


class PatternProvider(BaseProvider):
    """Faker providers ``regex(pattern)`` and ``like(pattern)``, seeded with the generator."""

    def regex(self, pattern: str) -> str:
        return regex_value(pattern, self.generator.random)

    def like(self, pattern: str) -> str:
        return regex_value(like_to_regex(pattern), self.generator.random)
