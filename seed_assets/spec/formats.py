"""A sequence's `format`: exactly one plain integer field, as ``str.format`` reads it.

Parsed with ``string.Formatter`` (so ``{{`` escapes count as text, as they do when formatting),
and refused when the field names an attribute or item (``{0.__class__}`` reaches Python
objects), a conversion, a nested field, or a format type that is not for integers.
"""

from __future__ import annotations

import string

_INTEGER_TYPES = set("bcdoxXn")  # and none: str(int)


def check_sequence_format(fmt: str) -> None:
    """Raise ValueError unless `fmt` formats one integer, e.g. ``CUST{:06d}`` or ``{{}}{:d}``."""
    example = "write one field such as 'CUST{:06d}' (a literal brace is written {{ or }})"
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise ValueError(f"format {fmt!r} cannot be read: {exc}; {example}") from None
    fields = [(name, spec, conv) for _, name, spec, conv in parts if name is not None]
    if len(fields) != 1:
        raise ValueError(f"format {fmt!r} has {len(fields)} fields, not one; {example}")
    name, spec, conversion = fields[0]
    if name not in ("", "0"):
        raise ValueError(
            f"format {fmt!r}: the field {{{name}}} names an argument, attribute or item; "
            f"the number is the only argument: {example}"
        )
    if conversion is not None:
        raise ValueError(f"format {fmt!r}: a conversion (!{conversion}) is not allowed; {example}")
    if "{" in (spec or ""):
        raise ValueError(f"format {fmt!r}: nested fields are not allowed; {example}")
    if spec and spec[-1].isalpha() and spec[-1] not in _INTEGER_TYPES:
        raise ValueError(
            f"format {fmt!r}: ':{spec}' is not an integer format (use d, x, X, o or b); {example}"
        )
    try:
        fmt.format(1)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValueError(f"format {fmt!r} cannot format an integer: {exc}; {example}") from None
