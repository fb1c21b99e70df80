"""Faker providers, checked by name and signature, and seeded value pools.

Faker is slow per call (tens of microseconds), so a column never calls it per row: a pool of
values is drawn once per (table, column) from a seeded Faker, then sampled with NumPy.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import numpy as np

from seed_assets.providers.pool_cache import cached_pool, pool_key
from seed_assets.providers.provider_facts import (
    known_locales,
    live_faker,
    provider_table,
    signature,
)

DEFAULT_POOL_SIZE = 10_000
# Unique columns need no larger pool: beyond it, a round suffix (``unique_values``) keeps values
# distinct. Tables up to about this many rows get no suffixes; a bigger pool only costs Faker time
# (about 20 us a value, paid once per table).
UNIQUE_POOL_SIZE = 10_000


def provider_names(locale: str) -> tuple[str, ...]:
    return tuple(provider_table(locale))


def check_locale(locale: str) -> None:
    if locale not in known_locales():
        close = difflib.get_close_matches(locale, known_locales(), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"unknown Faker locale {locale!r}{hint}")


def check_provider(name: str, params: dict[str, Any], locale: str) -> None:
    """Raise ValueError, with the closest valid names, unless `name(**params)` can be called."""
    check_locale(locale)
    names = provider_names(locale)
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown Faker provider {name!r} for locale {locale}{hint}")
    called = signature(locale, name)
    try:
        called.bind(**params)
    except TypeError:
        accepted = [p for p in called.parameters if p not in ("self", "args", "kwargs")]
        unknown = [p for p in params if p not in called.parameters]
        close = {p: difflib.get_close_matches(p, accepted, n=1) for p in unknown}
        hints = ", ".join(
            f"{p!r} (did you mean {c[0]!r}?)" if c else repr(p) for p, c in close.items()
        )
        takes = f"it takes: {', '.join(accepted)}" if accepted else "it takes no params"
        raise ValueError(
            f"provider {name!r} does not take {hints or 'these params'}; remove "
            f"{'it' if len(unknown) == 1 else 'them'} from `params` ({takes})"
        ) from None


def sample_values(name: str, params: dict[str, Any], locale: str, n: int = 20) -> list:
    """`n` values of a provider (seeded), or ValueError saying why the call fails: what a
    plan's provider and params give, before anything runs."""
    check_provider(name, params, locale)

    def draw() -> list:
        fake = live_faker(locale)
        fake.seed_instance(0)
        method = getattr(fake, name)
        try:
            return [method(**params) for _ in range(n)]
        except Exception as exc:  # any error of the provider is the user's params
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "no params"
            raise ValueError(
                f"provider {name!r} fails with {shown}: {type(exc).__name__}: {exc}"
            ) from None

    # The values of a pool of `n` drawn with seed 0: kept like one (a failure is not kept).
    return cached_pool(pool_key(name, params, locale, n, 0, False), draw)


def build_pool(
    provider: str, params: dict[str, Any], locale: str, size: int, seed: int, *, distinct: bool
) -> np.ndarray:
    """`size` values from a Faker seeded with `seed` (deduplicated when `distinct`); drawn
    once per machine (``pool_cache``), the same values either way."""

    def draw() -> list:
        fake = live_faker(locale)
        fake.seed_instance(seed)
        method = getattr(fake, provider)
        values = [method(**params) for _ in range(size)]
        if distinct:
            values = list(dict.fromkeys(v for v in values if not _SUFFIXED.search(str(v))))
        return values

    values = cached_pool(pool_key(provider, params, locale, size, seed, distinct), draw)
    pool = np.empty(len(values), dtype=object)
    pool[:] = values
    return pool


# Unique values beyond the pool get a round suffix; pool values that already look suffixed are
# dropped, so a suffixed value can never equal a plain one.
_SUFFIXED = re.compile(r"(\+\d+@)|( #\d+$)")


def unique_values(pool: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Distinct values for global row numbers `rows`: pool[r % n], suffixed by round r // n.

    Emails keep a valid address (``local+2@domain``, plus addressing); other values get `` #2``.
    """
    n = len(pool)
    index = rows % n
    rounds = rows // n
    out = pool[index].astype(object)
    later = np.flatnonzero(rounds > 0)
    if len(later):
        head, tail = suffix_parts(pool)
        idx = index[later]
        # Few distinct rounds: each is written once, then shared by its rows.
        distinct, which = np.unique(rounds[later], return_inverse=True)
        number = distinct.astype(str).astype(object)[which]
        # Object arrays: each + is one str concatenation, made in C, no Python loop.
        out[later] = head[idx] + number + tail[idx]
    return out


def suffix_parts(pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pool value, what goes before and after a round number: (``local+``, ``@domain``)
    for an email, (``value #``, ``""``) for anything else; object arrays of str."""
    heads, tails = [], []
    for value in pool.tolist():  # pool-sized, not row-sized
        text = str(value)
        local, at, domain = text.partition("@")
        email = at and "@" not in domain
        heads.append(local + "+" if email else text + " #")
        tails.append("@" + domain if email else "")
    head, tail = np.empty(len(heads), dtype=object), np.empty(len(tails), dtype=object)
    head[:], tail[:] = heads, tails
    return head, tail
