"""What checking a spec's Faker providers needs, kept on disk beside the pools (``pool_cache``):
Faker's locales, and per locale each provider's name and parameters.

Importing Faker and building one for a locale costs about 60 ms, paid by every run only to
check names and params: with these facts kept (and the pools), a run imports no Faker at all.
They are a pure function of Faker's version and seed-assets' own providers (``patterns.py``,
whose text is part of the key), so they are drawn once per machine; a file that cannot be read,
or does not hold what is expected, is made again from Faker.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from pathlib import Path
from typing import Any

from seed_assets.providers.pool_cache import cached_facts, faker_version

# Faker methods that manage the generator rather than produce values.
NOT_PROVIDERS = frozenset(
    {
        "seed",
        "seed_instance",
        "seed_locale",
        "add_provider",
        "get_providers",
        "provider",
        "set_arguments",
        "del_arguments",
        "get_arguments",
        "set_formatter",
        "get_formatter",
        "format",
        "parse",
        "items",
        "unique",
        "optional",
    }
)
_FORMAT = 1  # bump when what is kept changes
_P = inspect.Parameter
_KINDS = {
    int(kind): kind
    for kind in (
        _P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD, _P.VAR_POSITIONAL, _P.KEYWORD_ONLY,
        _P.VAR_KEYWORD,
    )
}  # fmt: skip
_HAS_DEFAULT = object()  # a default kept as "there is one": binding needs no more


@functools.cache
def live_faker(locale: str):
    """A Faker of `locale`, with seed-assets' pattern providers (imported only when needed)."""
    from faker import Faker

    from seed_assets.providers.patterns import PatternProvider

    fake = Faker(locale)
    fake.add_provider(PatternProvider)  # regex / like: values for pattern CHECKs
    return fake


@functools.cache
def _key(what: str, locale: str) -> str:
    patterns = Path(__file__).with_name("patterns.py").read_bytes()
    identity = json.dumps(
        [_FORMAT, what, faker_version(), locale, sorted(NOT_PROVIDERS)], sort_keys=True
    )
    digest = hashlib.sha256(identity.encode() + hashlib.sha256(patterns).digest())
    return f"{what}-{digest.hexdigest()[:32]}.json"


@functools.cache
def known_locales() -> tuple[str, ...]:
    """Faker's locales, in its order."""

    def make() -> list[str]:
        from faker.config import AVAILABLE_LOCALES

        return list(AVAILABLE_LOCALES)

    return tuple(cached_facts(_key("locales", ""), make, _valid_locales))


@functools.cache
def provider_table(locale: str) -> dict[str, list | None]:
    """Every provider of `locale`, in name order: its parameters as [name, kind, has a
    default] (None when Python cannot tell them)."""
    return cached_facts(_key("providers", locale), lambda: _describe(locale), _valid_table)


def signature(locale: str, name: str) -> inspect.Signature:
    """The signature of provider `name` of `locale` (as ``inspect.signature`` gives it, with
    defaults that say only that there is one)."""
    params = provider_table(locale)[name]
    if params is None:
        return inspect.signature(getattr(live_faker(locale), name))
    return inspect.Signature(
        [
            _P(param, _KINDS[kind], default=_HAS_DEFAULT if has_default else _P.empty)
            for param, kind, has_default in params
        ]
    )


def _describe(locale: str) -> dict[str, list | None]:
    fake = live_faker(locale)
    table: dict[str, list | None] = {}
    for name in dir(fake):
        if name.startswith("_") or name in NOT_PROVIDERS:
            continue
        try:
            method = getattr(fake, name)
            if not callable(method):
                continue
        except (AttributeError, TypeError, NotImplementedError):
            continue
        try:
            found = inspect.signature(method)
        except (TypeError, ValueError):  # not introspectable: asked of Faker when checked
            table[name] = None
            continue
        table[name] = [
            [p.name, int(p.kind), p.default is not _P.empty] for p in found.parameters.values()
        ]
    return table


def _valid_locales(kept: Any) -> bool:
    return isinstance(kept, list) and all(isinstance(locale, str) for locale in kept)


def _valid_table(kept: Any) -> bool:
    return isinstance(kept, dict) and all(
        isinstance(name, str)
        and (
            params is None
            or (
                isinstance(params, list)
                and all(
                    isinstance(p, list)
                    and len(p) == 3
                    and isinstance(p[0], str)
                    and type(p[1]) is int
                    and p[1] in _KINDS
                    and isinstance(p[2], bool)
                    for p in params
                )
            )
        )
        for name, params in kept.items()
    )
