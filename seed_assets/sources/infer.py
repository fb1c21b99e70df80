"""Value sources for reflected columns, chosen from each column's name, type, keys and CHECKs.

Every choice comes with a short reason (``email (column name)``) that the spec writer puts beside
the column, so a person can see why and change it. The rules are deliberately plain: a name
pattern or a constraint picks a Faker provider, a distribution, a sequence or a temporal rule;
CHECK bounds and the column's type then narrow it so that values always fit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from seed_assets.spec.checks import ColumnFacts
from seed_assets.spec.models import INTEGER_BOUNDS, INTEGER_TYPES, STRING_TYPES, TEMPORAL_TYPES

# Broad default window for dates nothing else places, and for people's birth dates.
DATE_WINDOW = ("2020-01-01", "2025-12-31")
BIRTH_WINDOW = ("1955-01-01", "2004-12-31")
UNTIL = "2026-06-30"  # later dates are pulled back to this (never before the date they follow)


@dataclass
class Inferred:
    """Spec fields for a column's values (a source, nulls, uniqueness) and why."""

    fields: dict[str, Any]
    reason: str


@dataclass
class ColumnContext:
    """What inference may look at for one column."""

    table: str
    name: str
    type: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    unsigned: bool = False
    nullable: bool = False
    unique: bool = False  # unique on its own (or the single-column primary key)
    in_key: bool = False  # part of a composite primary/unique key
    identity_start: int | None = None
    default: str | None = None
    labels: list[Any] | None = None  # enum labels
    facts: ColumnFacts = field(default_factory=ColumnFacts)
    siblings: dict[str, str] = field(default_factory=dict)  # column -> type, whole table
    nullable_siblings: set[str] = field(default_factory=set)  # columns that allow NULL
    parent_anchor: tuple[str, str] | None = None  # (parent table, its creation time column)
    per_parent: bool = False  # numbers rows within the parent that drives the table
    rows: int = 1000  # expected rows, to size keys


# -- names -----------------------------------------------------------------------------------

PERSON_TABLES = re.compile(
    r"(user|customer|client|employee|staff|person|people|member|author|patient|student|"
    r"contact|owner|driver|teacher|manager|account_holder)",
    re.I,
)

# (pattern on the column name, provider, params). First match wins.
_TEXT_RULES: list[tuple[str, str, dict]] = [
    (r"e_?mail", "email", {}),
    (r"(first|given|fore)_?name", "first_name", {}),
    (r"(last|family|sur)_?name|surname", "last_name", {}),
    (r"(full|display|person|contact|customer)_?name", "name", {}),
    (r"user_?name|login|handle|nick", "user_name", {}),
    (r"phone|mobile|cell|tel(ephone)?$|fax", "phone_number", {}),
    (r"(postal_?code|post_?code|zip(_?code)?)$", "postcode", {}),
    (r"city|town", "city", {}),
    (r"state|province|county", "state", {}),
    (r"street|address(_?line)?_?1?$|line_?1$", "street_address", {}),
    (r"line_?2$|address_?line_?2", "secondary_address", {}),
    (r"company|employer|organi[sz]ation|vendor|supplier", "company", {}),
    (r"job|occupation|position|role_?name", "job", {}),
    (r"url|website|homepage|link", "url", {}),
    (r"domain", "domain_name", {}),
    (r"ip(_?addr(ess)?)?$|ipv4", "ipv4", {}),
    (r"mac(_?addr(ess)?)?$", "mac_address", {}),
    (r"iban", "iban", {}),
    (r"colou?r", "color_name", {}),
    (r"slug", "slug", {}),
    (r"(password|passwd|pwd)(_?hash)?|hash|digest|checksum", "sha256", {}),
    (r"license_?plate|plate", "license_plate", {}),
    (r"(^|_)ssn$|social_security", "ssn", {}),
]
_LONG_TEXT = re.compile(
    r"desc(ription)?|body|comment|notes?|bio|summary|content|message|text|review|details", re.I
)
_LATER = re.compile(
    r"^(to|end|until|valid_to|expires?|due|closed|completed|shipped|delivered|resolved|"
    r"updated|modified|paid|finished|returned|return|required|received|receipt|commit|"
    r"cancell?ed|last)|(_to|_end|_until|_due)$|"
    r"(updated|modified|shipped|delivered|closed|completed|resolved|paid|finished|returned|"
    r"cancell?ed|ended|expire[sd]?)(_?(at|on|date|time))?$",
    re.I,
)
_EARLIER = re.compile(
    r"^(from|start|begin|valid_from|opened?|created|placed|ordered|order|rental|rent|booked|"
    r"issued|hired?|signed|registered|joined|birth)|(_from|_start)$|(created|placed|ordered|"
    r"opened|started|issued|"
    r"registered|signed_?up|joined|hired?)(_?(at|on|date|time))?$",
    re.I,
)
_BIRTH = re.compile(r"birth|dob|born", re.I)
# Steps of an order's (a rental's, a ticket's) life, in the order they happen.
_STAGES = [
    r"created|placed|order(ed)?|rental|rent(ed)?|booked|issued|opened|start(ed)?|from|begin|"
    r"hired?|registered|joined|signed",
    r"paid|approved|confirmed|commit(ted)?|required|due|promised",
    r"ship(ped)?|dispatched|sent",
    r"receipt|received|delivered|arrived",
    r"returned|return|closed|completed|ended|end|to|until|expire[sd]?|resolved|finished|"
    r"cancell?ed",
]


_DEADLINE = 1  # required/due/commit dates: after the order, but nothing waits for them


def _stage(name: str) -> int | None:
    """The lifecycle step a temporal column's name tells (TPC-H's `l_shipdate`: its table
    prefix set aside), or None."""
    lower = name.lower()
    for base in (lower, re.sub(r"^[a-z]{1,2}_(?=[a-z]{3})", "", lower)):
        base = re.sub(r"_?(at|on|date|time|datetime|timestamp|ts|dt)$", "", base)
        for i, words in enumerate(_STAGES):
            if re.fullmatch(rf"({words})", base):
                return i
    return None


_RARE_FLAG = re.compile(
    r"fraud|deleted|banned|blocked|error|failed|flagged|suspicious|disabled|locked|archived", re.I
)
_FEW_FLAG = re.compile(r"staff|admin|super|vip|premium|verified|test", re.I)
_MONEY = re.compile(
    r"price|cost|amount|total|balance|fee|charge|subtotal|revenue|value|paid|due|spend", re.I
)


_FLAG = re.compile(
    r"^(is|has|can|should|allow|allows|use|uses|show|needs?|enable|disable)_|"
    r"(^|_)(active|enabled|disabled|deleted|visible|hidden|flag|archived|locked|published|"
    r"default|required|approved|verified|confirmed|valid|blocked|free|gift|recyclable)$",
    re.I,
)
_FRACTION = re.compile(
    r"discount|fraction|ratio|share|probability|likelihood|(^|_)(tax_)?rate$|(^|_)tax$", re.I
)


def _looks_like_flag(ctx: ColumnContext) -> bool:
    default = (ctx.default or "").strip("'() ")
    small = ctx.type == "tinyint" or default in ("0", "1")
    return bool(_FLAG.search(ctx.name)) and (small or ctx.type in ("smallint", "integer"))


def _fits_fraction(ctx: ColumnContext) -> bool:
    """A real, a decimal with at most one digit before the point (numeric(3,2)), or a
    discount/tax with two decimals and no amount in its name (TPC-H's l_discount)."""
    if ctx.type == "float":
        return True
    if re.search(r"discount|(^|_)tax$", ctx.name, re.I) and (ctx.scale or 0) >= 2:
        return not re.search(r"amount|total|price|value|sum", ctx.name, re.I)
    return ctx.precision is not None and ctx.precision - (ctx.scale or 0) <= 1


def _match(pattern: str, name: str) -> bool:
    return re.search(pattern, name, re.I) is not None


# -- entry point -----------------------------------------------------------------------------


def infer_column(ctx: ColumnContext) -> Inferred:
    """Spec fields (a value source, null_fraction, unique) for a column that is no FK column."""
    result = _infer(ctx)
    if ctx.nullable and not ctx.unique and ctx.type not in ("json",):
        later = bool(_LATER.search(ctx.name)) and ctx.type in TEMPORAL_TYPES
        fraction = 0.3 if later else 0.1
        if "constant" not in result.fields or result.fields["constant"] is not None:
            result.fields["null_fraction"] = fraction
            result.reason += f"; nullable: {fraction:.0%} NULL"
    return result


def _infer(ctx: ColumnContext) -> Inferred:
    facts = ctx.facts
    if ctx.identity_start is not None:
        return Inferred(
            {"sequence": {"start": ctx.identity_start}},
            f"identity: numbered by the generator from {ctx.identity_start}",
        )
    if ctx.per_parent and ctx.type in INTEGER_TYPES:
        start = int(facts.low) + int(facts.low_strict) if facts.low is not None else 1
        return Inferred(
            {"sequence": {"start": max(start, 1), "per_parent": True}},
            "key number within its parent: 1, 2, ... per parent",
        )
    if ctx.unique and ctx.type in INTEGER_TYPES:  # unique alone, whatever keys it is also in
        return Inferred({"sequence": {"start": 1}}, "integer key: a sequence")
    if ctx.type == "uuid":
        return Inferred({}, "uuid: random version-4 UUIDs")
    if ctx.type == "json":
        if ctx.default is not None and _json_default(ctx.default) is not None:
            value = _json_default(ctx.default)
            return Inferred({"constant": value}, f"json: the column default {ctx.default}")
        return Inferred({}, "json: small objects")
    if ctx.labels:
        return Inferred({"choice": list(ctx.labels)}, "enum labels, equally likely")
    if facts.values:
        return _from_list(ctx, list(facts.values))
    if ctx.type == "boolean":
        return _flag(ctx)
    if ctx.type in TEMPORAL_TYPES:
        return _temporal(ctx)
    if ctx.type in STRING_TYPES:
        return _text(ctx)
    if ctx.type in INTEGER_TYPES and _looks_like_flag(ctx):
        p = _flag_rate(ctx)
        return Inferred(
            {"choice": {"values": [0, 1], "weights": [round(1 - p, 4), p]}},
            f"a 0/1 flag (column name): 1 in {p:.0%} of rows",
        )
    if ctx.type in ("decimal", "float") and _FRACTION.search(ctx.name) and _fits_fraction(ctx):
        high = 0.3 if re.search(r"discount|tax", ctx.name, re.I) else 1
        fields = {"distribution": f"uniform(0, {high})", "round": min(ctx.scale or 2, 2)}
        return Inferred(fields, f"a fraction (column name): 0 to {high}")
    if ctx.type in INTEGER_TYPES or ctx.type in ("decimal", "float"):
        return _number(ctx)
    return Inferred({"constant": None}, f"type {ctx.type}: not generated")


def _json_default(default: str) -> Any:
    import json

    text = re.sub(r"::\w+$", "", default.strip()).strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    try:
        return json.loads(text)
    except ValueError:
        return None


def _from_list(ctx: ColumnContext, values: list) -> Inferred:
    if set(values) == {0, 1} and ctx.type in INTEGER_TYPES:
        p = _flag_rate(ctx)
        return Inferred(
            {"choice": {"values": [0, 1], "weights": [round(1 - p, 4), p]}},
            f"CHECK IN (0, 1) on a flag: 1 in {p:.0%} of rows",
        )
    return Inferred({"choice": values}, "CHECK IN list, equally likely")


def _flag_rate(ctx: ColumnContext) -> float:
    default = (ctx.default or "").strip("'() ").lower()
    if _RARE_FLAG.search(ctx.name):
        return 0.01
    if _FEW_FLAG.search(ctx.name):
        return 0.05
    if default in ("false", "0", "b'0'"):
        return 0.2
    if default in ("true", "1", "b'1'"):
        return 0.8
    return 0.5


def _flag(ctx: ColumnContext) -> Inferred:
    p = _flag_rate(ctx)
    why = "rare flag" if p <= 0.05 else ("default false" if p == 0.2 else "flag")
    return Inferred({"rate": p}, f"boolean ({why}): true in {p:.0%} of rows")


# -- temporal --------------------------------------------------------------------------------


def _temporal(ctx: ColumnContext) -> Inferred:
    facts = ctx.facts
    # A NOT NULL value never follows a column that may be NULL: `after` a NULL is NULL.
    temporal_siblings = [
        c
        for c, t in ctx.siblings.items()
        if t in TEMPORAL_TYPES and (ctx.nullable or c not in ctx.nullable_siblings)
    ]
    if facts.after:  # a CHECK orders it after another column of the row
        other, strict = facts.after[0]
        if other in temporal_siblings:
            why = f"CHECK {ctx.name} {'>' if strict else '>='} {other}"
            return Inferred(_after(ctx.name, other), f"{why}: after {other}")
    stage = _stage(ctx.name)
    if stage:  # a step of a lifecycle: after the latest earlier step the row has
        before = [
            (s, c)
            for c in temporal_siblings
            if (s := _stage(c)) is not None and s < stage and s != _DEADLINE
        ]
        if before:
            other = max(before, key=lambda item: item[0])[1]
            return Inferred(_after(ctx.name, other), f"{ctx.name} follows {other} (column names)")
    if _LATER.search(ctx.name):
        earlier = [c for c in temporal_siblings if c != ctx.name and _EARLIER.search(c)]
        if earlier:
            return Inferred(
                _after(ctx.name, earlier[0]), f"{ctx.name} follows {earlier[0]} (column names)"
            )
    if _BIRTH.search(ctx.name):
        return Inferred({"between": list(BIRTH_WINDOW)}, "birth date: 1955-2004")
    if ctx.parent_anchor is not None:
        parent, column = ctx.parent_anchor
        return Inferred(
            {"after": f"{parent}.{column}", "gap": "exponential(60)", "until": UNTIL},
            f"not before its {parent} row's {column} (FK)",
        )
    what = "date" if ctx.type == "date" else "time"
    return Inferred({"between": list(DATE_WINDOW)}, f"{what}: within 2020-2025")


def _after(later: str, earlier: str) -> dict[str, Any]:
    return {"after": earlier, "gap": _gap(later, earlier), "until": UNTIL}


def _gap(later: str, earlier: str) -> str:
    if _BIRTH.search(earlier):
        return "uniform(6570, 16000)"  # 18 to 44 years after birth
    if re.search(r"^to|_to$|end|until|expire", later, re.I):
        return "exponential(365)"
    return "exponential(5)"


def anchor_column(columns: dict[str, str], excluded: set[str]) -> str | None:
    """A table's creation time: the temporal column children should not precede (the first
    one named as a start, else the first not named as an end or a birth date)."""
    temporal = [c for c, t in columns.items() if t in TEMPORAL_TYPES and c not in excluded]
    starts = [c for c in temporal if _EARLIER.search(c) and not _BIRTH.search(c)]
    if starts:
        return starts[0]
    plain = [c for c in temporal if not _LATER.search(c) and not _BIRTH.search(c)]
    return plain[0] if plain else None


# -- text ------------------------------------------------------------------------------------


def _text(ctx: ColumnContext) -> Inferred:
    name = ctx.name
    key_like = _match(r"(^|_)(id|key|code|no|num|number|ref)$|sku", name)
    if ctx.unique and not ctx.in_key and key_like:
        return _formatted_key(ctx)
    subject = name
    if _match(r"^(iso_?)?code(_?iso)?$|^iso$|^iso_?code", name):  # the table says what code
        subject = f"{ctx.table}_{name}"
    if _match(r"currenc", subject) and (ctx.length or 99) >= 3:
        return _faker(ctx, "currency_code", {}, "an ISO 4217 code (names)")
    if _match(r"time_?zone|(^|_)tz$", subject):
        if (ctx.length or 99) >= 32:
            return _faker(ctx, "timezone", {}, "a time zone name (column name)")
        zones = [z for z in ("UTC", "GMT", "CET", "EST", "PST") if len(z) <= (ctx.length or 99)]
        return Inferred({"choice": zones or ["Z"]}, "a time zone abbreviation (column name)")
    if _match(r"locale", subject) and (ctx.length or 99) >= 5:
        return _faker(ctx, "locale", {}, "a locale such as en_US (column name)")
    if _match(r"(^|_)(lang|language)", subject) and ctx.length is not None and ctx.length <= 3:
        return _faker(ctx, "language_code", {}, "an ISO 639 code (names)")
    if _match(r"(^|_)(lang|language)", subject) and (ctx.length or 99) >= 5 and subject != name:
        return _faker(ctx, "locale", {}, "a language tag such as en_US (names)")
    if _match(r"countr", subject) and subject != name and (ctx.length or 99) <= 3:
        return _faker(ctx, "country_code", {}, "an ISO 3166 code (names)")
    if _match(r"country", name):
        if ctx.length == 2:
            return _faker(ctx, "country_code", {}, "column name; a code, as the type is char(2)")
        if ctx.length == 3:
            return _faker(
                ctx, "country_code", {"representation": "alpha-3"}, "column name; char(3) code"
            )
        return _faker(ctx, "country")
    if _match(r"currency", name) and ctx.length == 3:
        return _faker(ctx, "currency_code", {}, "column name; char(3) code")
    if _match(r"(^|_)(lang|language|locale)", name) and (ctx.length or 99) <= 5:
        return _faker(ctx, "language_code", {})
    if _match(r"sku", name):
        return _faker(ctx, "bothify", {"text": "SKU-########"})
    for pattern, provider, params in _TEXT_RULES:
        if _match(pattern, name):
            return _faker(ctx, provider, params)
    if _match(r"^title$|_title$", name):
        if PERSON_TABLES.search(ctx.table) or _match(r"title", ctx.table):
            return _faker(ctx, "job", {}, f"column name; a person's title in {ctx.table}")
        return _faker(ctx, "catch_phrase", {})
    if _match(r"(^|_)name$", name):
        if PERSON_TABLES.search(ctx.table):
            return _faker(ctx, "name", {}, f"column name; {ctx.table} are people")
        return _faker(ctx, "word", {}, "column name; the name of a thing")
    if _match(r"gender|sex", name) and (ctx.length or 99) <= 1:
        return Inferred({"choice": ["M", "F"]}, "gender, one letter")
    if ctx.unique and not ctx.in_key:
        return _formatted_key(ctx)
    if _LONG_TEXT.search(name):
        length = ctx.length or 1000
        provider = "paragraph" if length >= 200 else "sentence"
        return _faker(ctx, provider, {}, "column name; free text")
    if ctx.type == "text" and not ctx.length:
        return _faker(ctx, "sentence", {}, "text with no telling name")
    if ctx.length is not None and ctx.length <= 3:
        letters = "?" * ctx.length
        return _faker(ctx, "lexify", {"text": letters}, f"a {ctx.length}-letter code")
    return _faker(ctx, "word", {}, "text with no telling name")


def _faker(
    ctx: ColumnContext, provider: str, params: dict | None = None, why: str = "column name"
) -> Inferred:
    fields: dict[str, Any] = {"faker": provider}
    if params:
        fields["params"] = dict(params)
    return Inferred(fields, f"inferred: {provider} ({why})")


def _formatted_key(ctx: ColumnContext) -> Inferred:
    """A text key: PREFIX + zero-padded number, as long as the column allows."""
    need = max(len(str(ctx.rows * 10)), 3)  # room for 10x the default rows
    length = ctx.length or 16
    source = "SKU" if _match(r"sku", ctx.name) else ctx.table
    letters = re.sub(r"[^A-Za-z]", "", source).upper() or "K"
    if need >= length:
        prefix, width = "", length
    else:
        prefix = letters[: min(3, length - need)]
        width = min(length - len(prefix), max(need, 6))
    first = f"{prefix}{1:0{width}d}"
    return Inferred({"sequence": f"{prefix}{{:0{width}d}}"}, f"text key: {first}, ...")


# -- numbers ---------------------------------------------------------------------------------


# A number column's range by its name, the first pattern that matches (before money's rules).
_NUMBER_RANGES = (
    (r"rating|stars|score", 1, 5, "rating 1-5"),
    (r"(^|_)age$", 18, 80, "age 18-80"),
    (r"rank|level|priority|grade|tier", 1, 5, "rank 1-5"),
    (r"quantity|qty|(^|_)units?$|(^|_)count$|(^|_)num_", 1, 10, "quantity 1-10"),
    (r"year", 1990, 2025, "year"),
    (r"percent|pct|ratio", 0, 100, "percentage"),
    (r"(^|_)lat(itude)?$", -90, 90, "latitude"),
    (r"(^|_)(lon|lng|long|longitude)$", -180, 180, "longitude"),
    (r"salary|wage|income|compensation", 30_000, 150_000, "salary 30k-150k"),
)


def _number(ctx: ColumnContext) -> Inferred:
    name = ctx.name
    integer = ctx.type in INTEGER_TYPES
    named = next((r[1:] for r in _NUMBER_RANGES if _match(r[0], name)), None)
    if named is None and (_MONEY.search(name) or ctx.type in ("decimal", "float")):
        return _money(ctx)
    low, high, why = named or (0, 1000, "integer 0-1000" if integer else "number 0-1000")
    low, high, narrowed = _narrow(ctx, low, high)
    if narrowed:
        why += f", within CHECK [{_fmt(low)}, {_fmt(high)}]"
    fields: dict[str, Any] = {"distribution": f"uniform({_fmt(low)}, {_fmt(high)})"}
    if not integer and ctx.scale is not None:
        fields["round"] = ctx.scale
    if ctx.unique and integer and high - low + 1 < ctx.rows * 100:  # room for distinct values
        low, high, _ = _narrow(ctx, low, low + ctx.rows * 100)
        fields["distribution"] = f"uniform({_fmt(low)}, {_fmt(high)})"
        why += ", widened for unique values"
    return Inferred(fields, why)


def _narrow(ctx: ColumnContext, low: float, high: float) -> tuple[float, float, bool]:
    """[low, high] inside the CHECK bounds and the type's range (ints stay ints)."""
    facts = ctx.facts
    integer = ctx.type in INTEGER_TYPES
    step = 1 if integer else 10.0 ** -(ctx.scale if ctx.scale is not None else 2)
    lo_bound, hi_bound = _type_bounds(ctx)
    narrowed = False
    if facts.low is not None:
        check_low = facts.low + (step if facts.low_strict else 0)
        if check_low > low:
            low, narrowed = check_low, True
        if high < low:
            high = low + (10 if integer else 100)
    if facts.high is not None:
        check_high = facts.high - (step if facts.high_strict else 0)
        if check_high < high:
            high, narrowed = check_high, True
        if low > high:
            low = high - (10 if integer else 100)
            if facts.low is not None:
                low = max(low, facts.low + (step if facts.low_strict else 0))
    if lo_bound is not None:
        low, high = max(low, lo_bound), min(high, hi_bound)
        low = min(low, high)
    if integer:
        low, high = math.ceil(low), math.floor(high)
    return low, high, narrowed


def _type_bounds(ctx: ColumnContext) -> tuple[float | None, float | None]:
    bounds = INTEGER_BOUNDS.get((ctx.type, ctx.unsigned))
    if bounds is not None:  # a float near 2**63 rounds past the type's end: stay inside
        return max(bounds[0], -(10**15)), min(bounds[1], 10**15)
    if ctx.type == "decimal" and ctx.precision is not None:
        scale = ctx.scale or 0
        # beyond 15 digits a float rounds up to the excluded 10**digits: stay well inside
        top = min(10.0 ** (ctx.precision - scale) - 10.0**-scale, 1e15)
        return -top, top
    return None, None


def _money(ctx: ColumnContext) -> Inferred:
    facts = ctx.facts
    scale = ctx.scale if ctx.scale is not None else 2
    low = 0.01 if scale >= 2 else 1.0
    if facts.low is not None:
        low = max(low, facts.low + (10.0**-scale if facts.low_strict else 0))
    fields: dict[str, Any] = {"distribution": "lognormal(3.5, 1)", "min": low}
    _, top = _type_bounds(ctx)
    high = None
    if facts.high is not None:
        high = facts.high - (10.0**-scale if facts.high_strict else 0)
    if top is not None:
        high = top if high is None else min(high, top)
    if high is not None:
        fields["max"] = high
    if ctx.type in INTEGER_TYPES:
        fields["min"] = math.ceil(low)
    else:
        fields["round"] = scale
    why = "an amount: lognormal (median about 33), at least " + _fmt(fields["min"])
    if facts.low is not None:
        why += " (CHECK)"
    return Inferred(fields, why)


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"
