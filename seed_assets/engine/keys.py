"""Sequences and formatted ids (``CUST{:06d}``), vectorised."""

from __future__ import annotations

import re

import numpy as np
from numpy.dtypes import StringDType

from seed_assets.spec.models import SequenceSpec

# PREFIX{:0Nd}SUFFIX and PREFIX{}SUFFIX take the fast path; any other format is applied per value.
_SIMPLE = re.compile(r"^(?P<prefix>[^{}]*)\{(?::(?P<zero>0?)(?P<width>\d*)d)?\}(?P<suffix>[^{}]*)$")


def sequence_numbers(seq: SequenceSpec, positions: np.ndarray) -> np.ndarray:
    """The integers of a sequence at 0-based `positions`."""
    return seq.start + seq.step * positions.astype(np.int64)


def format_ids(fmt: str, numbers: np.ndarray) -> np.ndarray:
    """Apply `fmt` to every number; returns an object array of str."""
    match = _SIMPLE.match(fmt)
    if match is None:
        out = np.empty(len(numbers), dtype=object)
        out[:] = [fmt.format(int(v)) for v in numbers]
        return out
    text = numbers.astype(StringDType())
    width = match.group("width")
    if width:
        text = (
            np.strings.zfill(text, int(width))
            if match.group("zero")
            else np.strings.rjust(text, int(width))
        )
    if match.group("prefix"):
        text = np.strings.add(np.asarray(match.group("prefix"), dtype=StringDType()), text)
    if match.group("suffix"):
        text = np.strings.add(text, np.asarray(match.group("suffix"), dtype=StringDType()))
    return text.astype(object)


def within_parent_positions(counts: np.ndarray) -> np.ndarray:
    """0..k-1 for each parent with k children, concatenated: line numbers in a composite key."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts
