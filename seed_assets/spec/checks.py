"""CHECK constraints: the SQL forms the generator understands, parsed into a small tree.

Understood: comparisons of a column with a literal or another column (``<``, ``<=``, ``>``,
``>=``, ``=``, ``<>``), ``BETWEEN``, ``IN`` lists (also PostgreSQL's ``= ANY (ARRAY[...])``),
``IS [NOT] NULL``, and ``AND`` / ``OR`` / ``NOT`` over them; casts (``0::numeric``,
``CAST(x AS t)``) and identifier quotes of any dialect are looked through. Anything else (function
calls, arithmetic, LIKE, regular expressions) is *not understood*: it is kept verbatim and the
database itself decides which generated rows satisfy it (``targets/check_filter.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# -- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Literal:
    value: Any  # int, float, str, bool or None


Operand = Column | Literal


@dataclass(frozen=True)
class Compare:
    left: Operand
    op: str  # one of <, <=, >, >=, =, <>
    right: Operand


@dataclass(frozen=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand
    negated: bool = False


@dataclass(frozen=True)
class InList:
    operand: Operand
    values: tuple[Any, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    operand: Operand
    negated: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | Between | InList | IsNull | And | Or | Not

FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>"}


class NotUnderstood(ValueError):
    """The expression uses a form the generator does not reason about."""


# -- tokens ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>[Ee]?'(?:[^']|'')*')
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<quoted>"(?:[^"]|"")+"|`(?:[^`]|``)+`)
    | (?P<op>::|<=|>=|<>|!=|==|[=<>(),\[\]\-+])
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {
    "and",
    "or",
    "not",
    "is",
    "null",
    "between",
    "in",
    "any",
    "all",
    "some",
    "array",
    "cast",
    "as",
    "true",
    "false",
    "date",
    "timestamp",
}


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, ident, op, keyword, end
    text: str
    value: Any = None


def _tokens(sql: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    text = sql.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise NotUnderstood(f"cannot read {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup
        raw = match.group(kind)
        if kind == "string":
            body = raw[2:-1] if raw[0] in "Ee" else raw[1:-1]
            out.append(_Token("string", raw, body.replace("''", "'")))
        elif kind == "number":
            is_float = any(c in raw for c in ".eE")
            out.append(_Token("number", raw, float(raw) if is_float else int(raw)))
        elif kind == "quoted":
            quote = raw[0]
            out.append(_Token("ident", raw, raw[1:-1].replace(quote * 2, quote)))
        elif kind == "op":
            out.append(_Token("op", {"!=": "<>", "==": "="}.get(raw, raw)))
        elif raw.lower() in _KEYWORDS:
            out.append(_Token("keyword", raw.lower()))
        else:
            out.append(_Token("ident", raw, raw))
    out.append(_Token("end", ""))
    return out


# -- parser ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, sql: str) -> None:
        self.tokens = _tokens(sql)
        self.pos = 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> bool:
        token = self.peek
        if token.kind == kind and (text is None or token.text == text):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, text: str | None = None) -> _Token:
        token = self.take()
        if token.kind != kind or (text is not None and token.text != text):
            raise NotUnderstood(f"expected {text or kind}, found {token.text or 'the end'!r}")
        return token

    def parse(self) -> Node | Operand:
        node = self.disjunction()
        if self.peek.kind != "end":
            raise NotUnderstood(f"unexpected {self.peek.text!r}")
        return node

    def disjunction(self):
        items = [self.conjunction()]
        while self.accept("keyword", "or"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(_flatten(items, Or)))

    def conjunction(self):
        items = [self.negation()]
        while self.accept("keyword", "and"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(tuple(_flatten(items, And)))

    def negation(self):
        if self.accept("keyword", "not"):
            return Not(_predicate(self.negation()))
        return self.predicate()

    def predicate(self):
        left = self.operand()
        token = self.peek
        if token.kind == "keyword" and token.text == "is":
            self.take()
            negated = self.accept("keyword", "not")
            self.expect("keyword", "null")
            return IsNull(_operand(left), negated)
        negated = False
        if token.kind == "keyword" and token.text == "not":
            self.take()
            negated = True
            token = self.peek
            if not (token.kind == "keyword" and token.text in ("between", "in")):
                raise NotUnderstood("NOT must be followed by BETWEEN or IN here")
        if self.accept("keyword", "between"):
            low = self.operand()
            self.expect("keyword", "and")
            high = self.operand()
            return Between(_operand(left), _operand(low), _operand(high), negated)
        if self.accept("keyword", "in"):
            self.expect("op", "(")
            values = self.literal_list(")")
            return InList(_operand(left), values, negated)
        if token.kind == "op" and token.text in FLIPPED:
            op = self.take().text
            if self.peek.kind == "keyword" and self.peek.text in ("any", "some", "all"):
                return self.quantified(left, op)
            right = self.operand()
            return Compare(_operand(left), op, _operand(right))
        return left

    def quantified(self, left, op: str) -> InList:
        """``x = ANY (ARRAY[...])`` is IN; ``x <> ALL (ARRAY[...])`` is NOT IN."""
        word = self.take().text
        if (op, word) not in (("=", "any"), ("=", "some"), ("<>", "all")):
            raise NotUnderstood(f"{op} {word.upper()} is not a list test")
        self.expect("op", "(")
        values = self.array()
        self.expect("op", ")")
        return InList(_operand(left), values, negated=op == "<>")

    def array(self) -> tuple[Any, ...]:
        if self.accept("op", "("):
            values = self.array()
            self.expect("op", ")")
            self.casts()
            return values
        self.expect("keyword", "array")
        self.expect("op", "[")
        values = self.literal_list("]")
        self.casts()
        return values

    def literal_list(self, close: str) -> tuple[Any, ...]:
        values = []
        while True:
            value = self.operand()
            if not isinstance(value, Literal):
                raise NotUnderstood("a list holds literals only")
            values.append(value.value)
            if self.accept("op", close):
                return tuple(values)
            self.expect("op", ",")

    def operand(self):
        token = self.take()
        if token.kind == "op" and token.text == "(":
            inner = self.disjunction()
            self.expect("op", ")")
            result = inner
        elif token.kind == "op" and token.text in "-+":
            number = self.expect("number")
            result = Literal(-number.value if token.text == "-" else number.value)
        elif token.kind in ("number", "string"):
            result = Literal(token.value)
        elif token.kind == "keyword" and token.text in ("true", "false"):
            result = Literal(token.text == "true")
        elif token.kind == "keyword" and token.text == "null":
            result = Literal(None)
        elif token.kind == "keyword" and token.text in ("date", "timestamp"):
            # DATE '2020-01-01', TIMESTAMP '...': a typed literal; otherwise a column so named.
            if self.peek.kind == "string":
                result = Literal(self.take().value)
            else:
                result = Column(token.text)
        elif token.kind == "keyword" and token.text == "cast":
            self.expect("op", "(")
            result = self.operand()
            self.expect("keyword", "as")
            self.type_name()
            self.expect("op", ")")
        elif token.kind == "ident":
            if self.peek.kind == "op" and self.peek.text == "(":
                raise NotUnderstood(f"function {token.value}()")
            result = Column(token.value)
        else:
            raise NotUnderstood(f"unexpected {token.text or 'end'!r}")
        self.casts()
        if self.peek.kind == "op" and self.peek.text in "+-":
            raise NotUnderstood("arithmetic")
        return result

    def casts(self) -> None:
        while self.accept("op", "::"):
            self.type_name()

    def type_name(self) -> None:
        words = 0
        while self.peek.kind in ("ident", "keyword") and self.peek.text not in _STOP:
            self.take()
            words += 1
        if not words:
            raise NotUnderstood("a cast without a type")
        if self.accept("op", "("):
            while not self.accept("op", ")"):
                if self.take().kind == "end":
                    raise NotUnderstood("unclosed type arguments")
        while self.accept("op", "["):
            self.expect("op", "]")


_STOP = {"and", "or", "not", "is", "between", "in", "as"}


def _flatten(items: list, kind: type) -> Iterator:
    for item in items:
        if isinstance(item, kind):
            yield from item.items
        else:
            yield _predicate(item)


def _predicate(node) -> Node:
    if isinstance(node, Column | Literal):
        raise NotUnderstood("a bare value where a condition is expected")
    return node


def _operand(node) -> Operand:
    if not isinstance(node, Column | Literal):
        raise NotUnderstood("a condition where a value is expected")
    return node


# -- public helpers --------------------------------------------------------------------------


def parse(sql: str) -> Node:
    """The expression's tree, or NotUnderstood."""
    return _predicate(_Parser(sql).parse())


@functools.lru_cache(maxsize=1024)
def understand(sql: str, columns: tuple[str, ...]) -> Node | None:
    """The tree of a table CHECK whose every column is one of `columns` (names matched exactly,
    else case-insensitively as unquoted SQL names are), or None when it is not understood."""
    try:
        node = parse(sql)
    except (NotUnderstood, RecursionError):
        return None
    by_lower = {c.lower(): c for c in columns}
    mapping = {}
    for name in referenced(node):
        if name in columns:
            mapping[name] = name
        elif name.lower() in by_lower:
            mapping[name] = by_lower[name.lower()]
        else:
            return None  # CURRENT_DATE, another table's column...: let the database decide
    return _rename(node, mapping)


def referenced(node: Node | Operand) -> list[str]:
    """Column names the expression reads, in order of first use."""
    seen: dict[str, None] = {}
    for operand in _operands(node):
        if isinstance(operand, Column):
            seen.setdefault(operand.name)
    return list(seen)


def _operands(node) -> Iterator[Operand]:
    match node:
        case Column() | Literal():
            yield node
        case Compare(left=left, right=right):
            yield left
            yield right
        case Between(operand=operand, low=low, high=high):
            yield from (operand, low, high)
        case InList(operand=operand) | IsNull(operand=operand):
            yield operand
        case And(items=items) | Or(items=items):
            for item in items:
                yield from _operands(item)
        case Not(item=item):
            yield from _operands(item)


def _rename(node, mapping: dict[str, str]):
    match node:
        case Column(name=name):
            return Column(mapping[name])
        case Literal():
            return node
        case Compare(left=left, op=op, right=right):
            return Compare(_rename(left, mapping), op, _rename(right, mapping))
        case Between(operand=o, low=low, high=high, negated=neg):
            return Between(_rename(o, mapping), _rename(low, mapping), _rename(high, mapping), neg)
        case InList(operand=o, values=values, negated=neg):
            return InList(_rename(o, mapping), values, neg)
        case IsNull(operand=o, negated=neg):
            return IsNull(_rename(o, mapping), neg)
        case And(items=items):
            return And(tuple(_rename(i, mapping) for i in items))
        case Or(items=items):
            return Or(tuple(_rename(i, mapping) for i in items))
        case Not(item=item):
            return Not(_rename(item, mapping))
    raise TypeError(node)


def conjuncts(node: Node) -> tuple[Node, ...]:
    return node.items if isinstance(node, And) else (node,)


def render(
    node: Node | Operand,
    quote: Callable[[str], str] = lambda name: name,
    literal: Callable[[Any], str] | None = None,
) -> str:
    """SQL for the tree; `quote` quotes identifiers and `literal` renders values as the target
    dialect does (``targets.literal.sql_literal``; default: portable text for a spec file)."""
    lit = literal or sql_literal
    match node:
        case Column(name=name):
            return quote(name)
        case Literal(value=value):
            return lit(value)
        case Compare(left=left, op=op, right=right):
            return f"{render(left, quote, lit)} {op} {render(right, quote, lit)}"
        case Between(operand=o, low=low, high=high, negated=neg):
            word = "NOT BETWEEN" if neg else "BETWEEN"
            bounds = f"{render(low, quote, lit)} AND {render(high, quote, lit)}"
            return f"{render(o, quote, lit)} {word} {bounds}"
        case InList(operand=o, values=values, negated=neg):
            items = ", ".join(lit(v) for v in values)
            return f"{render(o, quote, lit)} {'NOT IN' if neg else 'IN'} ({items})"
        case IsNull(operand=o, negated=neg):
            return f"{render(o, quote, lit)} IS {'NOT NULL' if neg else 'NULL'}"
        case And(items=items):
            return " AND ".join(_grouped(i, quote, lit) for i in items)
        case Or(items=items):
            return " OR ".join(_grouped(i, quote, lit) for i in items)
        case Not(item=item):
            return f"NOT ({render(item, quote, lit)})"
    raise TypeError(node)


def _grouped(node: Node, quote, literal) -> str:
    text = render(node, quote, literal)
    return f"({text})" if isinstance(node, And | Or) else text


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def replace_value(sql: str, column: str) -> str:
    """A domain's CHECK (on ``VALUE``) as a check on `column`: the keyword VALUE outside strings
    and quotes becomes the column name (double-quoted when it needs quotes)."""
    name = column if re.fullmatch(r"[a-z_][a-z0-9_]*", column) else '"' + column + '"'
    out, pos = [], 0
    for match in re.finditer(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\bVALUE\b", sql, re.I):
        if match.group(0).upper() == "VALUE":
            out.append(sql[pos : match.start()] + name)
            pos = match.end()
    out.append(sql[pos:])
    return "".join(out)


def describe(nodes: Iterable[Node]) -> str:
    return "; ".join(render(n) for n in nodes)


# -- what a CHECK says about each column (for inference) -------------------------------------


@dataclass
class ColumnFacts:
    """Bounds, allowed values and order a table's CHECKs put on one column."""

    low: Any = None
    low_strict: bool = False
    high: Any = None
    high_strict: bool = False
    values: tuple[Any, ...] | None = None
    after: list[tuple[str, bool]] = dataclasses.field(default_factory=list)  # (column, strict)

    def bound(self, op: str, value: Any) -> None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return
        if op in (">", ">="):
            if self.low is None or value > self.low:
                self.low, self.low_strict = value, op == ">"
        elif op in ("<", "<="):
            if self.high is None or value < self.high:
                self.high, self.high_strict = value, op == "<"
        elif op == "=":
            self.values = (value,)


def column_facts(nodes: Iterable[Node]) -> dict[str, ColumnFacts]:
    """Per column, what the top-level conjuncts of `nodes` require (guards such as
    ``x IS NULL OR ...`` are looked through: they hold whenever x has a value)."""
    facts: dict[str, ColumnFacts] = {}

    def of(name: str) -> ColumnFacts:
        return facts.setdefault(name, ColumnFacts())

    def visit(node) -> None:
        match node:
            case And(items=items):
                for item in items:
                    visit(item)
            case Or(items=items):
                rest = [i for i in items if not isinstance(i, IsNull)]
                if len(rest) == 1 and len(rest) < len(items):
                    visit(rest[0])
            case Compare(left=Literal() as left, op=op, right=Column() as right):
                visit(Compare(right, FLIPPED[op], left))
            case Compare(left=Column(name=name), op=op, right=Literal(value=value)):
                of(name).bound(op, value)
            case Compare(left=Column(name=a), op=op, right=Column(name=b)):
                if op in (">", ">="):
                    of(a).after.append((b, op == ">"))
                elif op in ("<", "<="):
                    of(b).after.append((a, op == "<"))
            case Between(operand=Column(name=name), low=Literal() as lo, high=Literal() as hi):
                if not node.negated:
                    of(name).bound(">=", lo.value)
                    of(name).bound("<=", hi.value)
            case InList(operand=Column(name=name), values=values, negated=False):
                of(name).values = tuple(v for v in values if v is not None)

    for node in nodes:
        visit(node)
    return facts
