"""Results computed once per spec object: the FK analysis, the graph maps, the DDL metadata.

A loaded spec is not changed afterwards (edits make a copy), so what is derived from the whole
spec can be kept beside it instead of being rebuilt for every table: rebuilding it per table
made the cost of a run grow with the cube of the number of tables. The cache holds the spec
weakly: an entry goes when its spec is collected.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def per_spec(fn: Callable[[Any], T]) -> Callable[[Any], T]:
    """`fn(spec)` computed once per spec object (compared by identity, held weakly)."""
    cache: dict[int, tuple[weakref.ref, T]] = {}

    @functools.wraps(fn)
    def cached(spec: Any) -> T:
        key = id(spec)
        hit = cache.get(key)
        if hit is not None and hit[0]() is spec:
            return hit[1]
        value = fn(spec)
        cache[key] = (weakref.ref(spec, lambda _ref, key=key: cache.pop(key, None)), value)
        return value

    cached.cache_clear = cache.clear  # type: ignore[attr-defined]
    return cached
