"""Sequences and formatted ids (``CUST{:06d}``), vectorised."""

from __future__ import annotations

import re

import numpy as np
from numpy.dtypes import StringDType

from seed_assets.engine.text import arrow, concat_text, fixed_width_text, text_array
from seed_assets.spec.models import SequenceSpec

# PREFIX{:0Nd}SUFFIX and PREFIX{}SUFFIX take the fast path; any other format is applied per value.
_SIMPLE = re.compile(r"^(?P<prefix>[^{}]*)\{(?::(?P<zero>0?)(?P<width>\d*)d)?\}(?P<suffix>[^{}]*)$")

# The k digits of 0..10**k-1 as ASCII, for k = 1..4: numbers are written four digits at a time.
_DIGITS = {
    k: np.array([f"{i:0{k}d}".encode() for i in range(10**k)], dtype=f"S{k}") for k in range(1, 5)
}
_MAX_DIGITS = 18  # 10**18 still fits an int64


def sequence_numbers(seq: SequenceSpec, positions: np.ndarray) -> np.ndarray:
    """The integers of a sequence at 0-based `positions`."""
    numbers = positions.astype(np.int64)  # a copy: worked on in place
    if seq.step != 1:
        numbers *= seq.step
    if seq.start:
        numbers += seq.start
    return numbers


def format_ids(fmt: str, numbers: np.ndarray) -> np.ndarray:
    """Apply `fmt` to every number; returns text (``text.TEXT_DTYPE``): what ``fmt.format``
    gives."""
    match = _SIMPLE.match(fmt)
    if match is None:
        return text_array([fmt.format(int(v)) for v in numbers])
    prefix, suffix = match.group("prefix"), match.group("suffix")
    width = int(match.group("width") or 0)
    numbers = np.asarray(numbers, dtype=np.int64)
    fits = len(numbers) and numbers.min() >= 0 and numbers.max() < 10**_MAX_DIGITS
    if fits:  # each value written into one buffer of fixed-width rows
        return _format_digits(prefix, suffix, width, bool(match.group("zero")), numbers)
    return _format_strings(prefix, suffix, width, match.group("zero"), numbers)


def _format_digits(prefix: str, suffix: str, width: int, zero: bool, numbers: np.ndarray):
    """Non-negative numbers: the text of all of them written into one buffer of fixed-width
    rows, which is an Arrow string array as it stands (offsets computed, no value made alone).
    Rows are grouped by printed width (the pad width, or more digits than it).
    """
    if zero and width and numbers.max() < 10**width:
        return fixed_width_text(_digit_text(prefix, suffix, width, numbers))
    digits = _digit_counts(numbers)
    printed = np.maximum(digits, width)
    parts, order = [], []
    sizes = np.unique(printed)
    for size in sizes.tolist():
        rows = np.arange(len(numbers)) if len(sizes) == 1 else np.flatnonzero(printed == size)
        text = _digit_text(prefix, suffix, size, numbers[rows])
        if not zero and size == width:  # right-aligned with spaces, as {:6d} pads
            start = len(prefix.encode())
            lead = np.arange(size) < (size - digits[rows])[:, None]
            text[:, start : start + size][lead] = ord(" ")
        parts.append(fixed_width_text(text))
        order.append(rows)
    if len(parts) == 1:
        return parts[0]
    return concat_text(parts).take(np.argsort(np.concatenate(order), kind="stable"))


def _digit_text(prefix: str, suffix: str, size: int, numbers: np.ndarray) -> np.ndarray:
    """UTF-8 bytes (rows, width): prefix, `size` zero-padded digits, suffix.

    Every number must be below 10**size.
    """
    head, tail = prefix.encode(), suffix.encode()
    start, stop = len(head), len(head) + size
    line = stop + len(tail)
    text = np.empty((len(numbers), line), dtype=np.uint8)
    template = np.frombuffer(head + b"0" * size + tail, dtype=np.uint8)
    text.view(f"V{line}")[:, 0] = template.view(f"V{line}")[0]  # one record copy per row
    rest = numbers
    end = stop
    while end > start:  # the last four digits first
        k = min(4, end - start)
        begin = end - k
        if begin > start:
            rest, group = np.divmod(rest, 10**k)
        else:
            group = rest
        text[:, begin:end].view(f"S{k}")[:, 0] = _DIGITS[k][group]
        end = begin
    return text


def _format_strings(prefix: str, suffix: str, width: int, zero, numbers: np.ndarray):
    """Any integers (negative ones too), through NumPy's string functions."""
    text = numbers.astype(StringDType())
    if width:
        text = np.strings.zfill(text, width) if zero else np.strings.rjust(text, width)
    if prefix:
        text = np.strings.add(np.asarray(prefix, dtype=StringDType()), text)
    if suffix:
        text = np.strings.add(text, np.asarray(suffix, dtype=StringDType()))
    return text_array(text.astype(object))


def simple_format(fmt: str | None) -> bool:
    """Whether a sequence format is none, or PREFIX{:0Nd}SUFFIX / PREFIX{}SUFFIX (the fast path,
    which ``sequence_positions`` inverts without listing every key)."""
    return fmt is None or _SIMPLE.match(fmt) is not None


def sorts_as_numbers(fmt: str, low: int, high: int) -> bool:
    """Whether `fmt`'s text for every integer in [low, high] sorts as the integers do.

    True when the fast-path format prints them all at one width: the same prefix, then digits
    padded alike (a pad sorts below every digit), so the first differing digit decides.
    """
    match = _SIMPLE.match(fmt)
    if match is None or low < 0 or high < low:
        return False
    width = int(match.group("width") or 0)
    return max(width, len(str(low))) == max(width, len(str(high)))


def text_order(seq: SequenceSpec, total_rows: int) -> np.ndarray | None:
    """Positions 0..total_rows-1 of a sequence in the order its keys sort as text (byte by
    byte, a key that is a prefix of another first: what sorting the written keys gives), found
    from the numbers alone; None for a format it does not cover.

    Covered: ``PREFIX{:0Nd}`` and ``PREFIX{}`` over non-negative numbers (``CUST{:06d}`` past
    999,999). Each number's printed digits, one base-11 digit each (a digit d as d + 1, none
    as 0, so a shorter key sorts first), make one integer that sorts as the text does.
    """
    match = _SIMPLE.match(seq.format or "")
    if match is None or match.group("suffix") or (match.group("width") and not match.group("zero")):
        return None
    numbers = sequence_numbers(seq, np.arange(total_rows, dtype=np.int64))
    if not len(numbers) or numbers.min() < 0:
        return None
    width = int(match.group("width") or 0)
    printed = np.maximum(_digit_counts(numbers), width)
    longest = int(printed.max())
    if longest > 18:  # 11**18 still fits an int64
        return None
    rank = np.empty(len(numbers), dtype=np.int64)
    for size in np.unique(printed).tolist():  # the widths printed: one or two
        rows = printed == size
        rest, value, place = numbers[rows], np.zeros(int(rows.sum()), dtype=np.int64), 1
        for _ in range(size):  # the last digit first
            rest, digit = np.divmod(rest, 10)
            digit += 1
            digit *= place
            value += digit
            place *= 11
        rank[rows] = value * 11 ** (longest - size)
    return np.argsort(rank, kind="stable")


def _digit_counts(numbers: np.ndarray) -> np.ndarray:
    """How many digits each non-negative number prints."""
    digits = np.ones(len(numbers), dtype=np.int64)
    for k in range(1, len(str(int(numbers.max())))):
        digits += numbers >= 10**k
    return digits


def within_parent_positions(counts: np.ndarray) -> np.ndarray:
    """0..k-1 for each parent with k children, concatenated: line numbers in a composite key."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def sequence_positions(column, found, total_rows: int) -> np.ndarray:
    """The 0-based position of each value of `found` in a sequence column of `total_rows`
    rows (-1 where a value is not one of its keys, or is null): formatting, inverted.

    A candidate is parsed from the digits between the format's prefix and suffix, then formatted
    back and compared, so ``CUST1`` is not taken for ``CUST000001``. `found`: objects, or text
    given as Arrow (a streamed check's column), parsed and compared in Arrow without a Python
    str per value (the objects' way took 1.2 s for 2.1M keys, this one 0.4 s).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    seq = column.sequence
    if isinstance(found, pa.ChunkedArray):
        found = found.combine_chunks()
    if seq.format is None or _SIMPLE.match(seq.format) is None:
        if isinstance(found, pa.Array):
            found = found.to_numpy(zero_copy_only=False)
        found = np.asarray(found)
    n = len(found)
    if seq.format is None:
        numbers = pd_numbers(found)
        valid = ~np.isnan(numbers)
        numbers = np.where(valid, numbers, seq.start).astype(np.int64)
    else:
        match = _SIMPLE.match(seq.format)
        if match is None:  # a general format: compare against every key (small tables only)
            keys = format_ids(seq.format, sequence_numbers(seq, np.arange(total_rows)))
            index = {k: i for i, k in enumerate(keys.tolist())}
            return np.fromiter((index.get(v, -1) for v in found.tolist()), np.int64, count=n)
        prefix, suffix = match.group("prefix"), match.group("suffix")
        if isinstance(found, pa.Array):
            text = found if found.type == pa.large_string() else found.cast(pa.large_string())
            width = int(match.group("width") or 0) if match.group("zero") else 0
            numbers = padded_numbers(text, prefix, suffix, width)
            if numbers is not None:  # every value as the format writes it: no regex, no re-check
                return _positions(seq, numbers, True, total_rows)
        else:
            objects = np.asarray(found, dtype=object)
            text = pa.array(objects, type=pa.large_string(), from_pandas=True)
        pattern = f"^{_regex(prefix)} *-?\\d+{_regex(suffix)}$"
        valid_arrow = pc.fill_null(pc.match_substring_regex(text, pattern), False)
        end = -len(suffix) if suffix else None
        digits = pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(text, len(prefix), end))
        digits = pc.if_else(valid_arrow, digits, "0")
        numbers = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
        valid = valid_arrow.to_numpy(zero_copy_only=False)
    positions = _positions(seq, numbers, valid, total_rows)
    valid = positions >= 0
    if seq.format is not None and valid.any():
        rows = np.flatnonzero(valid)
        again = arrow(format_ids(seq.format, numbers[rows]))
        mine = text if len(rows) == n else text.take(pa.array(rows))
        same = pc.equal(mine, again).to_numpy(zero_copy_only=False)
        positions[rows[~same]] = -1
    return positions.astype(np.int64)


def _positions(seq, numbers: np.ndarray, valid: np.ndarray | bool, total_rows: int) -> np.ndarray:
    """0-based positions of sequence `numbers` (-1 where not `valid`, or not one of its keys)."""
    offset = numbers - seq.start
    positions = offset // seq.step
    keys = valid & (offset >= 0) & (offset % seq.step == 0) & (positions < total_rows)
    return np.where(keys, positions, -1)


def padded_numbers(text, prefix: str, suffix: str, width: int) -> np.ndarray | None:
    """The numbers of Arrow string keys written PREFIX{:0<width>d}SUFFIX, read from the
    bytes as one (rows, key length) matrix; None unless every value is such a key (no null,
    one length, prefix, `width` digits, suffix), when the general parse decides row by row.

    A key of that shape is exactly how the format writes its number (`width` digits, no sign),
    so it needs no formatting back: 1.5M keys take 0.17 s by the general parse, 0.03 s here.
    """
    import pyarrow as pa

    if text.type != pa.large_string():  # the offsets read below are 64-bit
        text = text.cast(pa.large_string())
    head, tail = prefix.encode(), suffix.encode()
    line = len(head) + width + len(tail)
    n = len(text)
    if not width or width > _MAX_DIGITS or text.null_count or not n:
        return None
    _, offsets, data = text.buffers()
    ends = np.frombuffer(offsets, dtype=np.int64, count=n + 1, offset=text.offset * 8)
    if ends[-1] - ends[0] != n * line or np.any(np.diff(ends) != line):
        return None
    rows = np.frombuffer(data, dtype=np.uint8, count=n * line, offset=int(ends[0]))
    rows = rows.reshape(n, line)
    # Column by column (a column of a key's bytes is one strided pass), digits four at a time
    # in 16 bits before they are added to the 64-bit numbers: memory passes, not per-row work.
    wrong = np.zeros(n, dtype=bool)
    for column, byte in [*enumerate(head), *enumerate(tail, len(head) + width)]:
        wrong |= rows[:, column] != byte
    numbers = np.zeros(n, dtype=np.int64)
    for start in range(len(head), len(head) + width, 4):
        stop = min(start + 4, len(head) + width)
        group = np.zeros(n, dtype=np.uint16)
        for column in range(start, stop):
            digit = rows[:, column] - np.uint8(ord("0"))  # a byte below '0' wraps past 9
            wrong |= digit > 9
            group *= np.uint16(10)
            group += digit
        numbers *= 10 ** (stop - start)
        numbers += group
    return None if wrong.any() else numbers


def _regex(text: str) -> str:
    return re.escape(text)


def pd_numbers(found: np.ndarray) -> np.ndarray:
    """Integers (or None/NaN) as float64 with NaN for missing or non-integer values."""
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(found, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan, copy=True
    )
    numbers[numbers != np.floor(numbers)] = np.nan
    return numbers
