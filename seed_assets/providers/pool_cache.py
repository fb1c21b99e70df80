"""Seeded Faker pools kept on disk: drawn once per machine, read back in about a millisecond.
(So is what checking a spec's providers needs: ``provider_facts.py``.)

A pool is a pure function of the Faker version, locale, provider, params, size, seed and
whether it is deduplicated, so that tuple names its file. Drawing 10,000 values costs Faker about
0.2 s; a run at a million rows spends half its time there without the cache.

Only pools of JSON values (str, int, float, bool, None) are kept, written as JSON (never a
pickle: the folder may be shared); dates and decimals are drawn again each time. The folder is
``$SEED_ASSETS_POOL_CACHE``, else ``$XDG_CACHE_HOME/seed-assets/pools`` (``~/.cache``);
``SEED_ASSETS_POOL_CACHE=off`` turns it off. Any failure to read or write falls back to Faker.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PLAIN = (str, int, float, bool, type(None))


def cache_folder() -> Path | None:
    """Where pools go, or None when the cache is off."""
    chosen = os.environ.get("SEED_ASSETS_POOL_CACHE")
    if chosen and chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen)
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(home) / "seed-assets" / "pools"


@functools.cache
def faker_version() -> str:
    """Faker's version, read from its installed metadata: importing Faker takes 40 ms, and a
    run whose pools are all kept never needs it."""
    from importlib import metadata

    try:
        return metadata.version("faker")
    except metadata.PackageNotFoundError:  # not installed as a distribution (a source tree)
        from faker import VERSION

        return VERSION


def pool_key(provider: str, params: dict[str, Any], locale: str, size: int, seed: int, distinct):
    """The file name a pool is kept under (a hash of everything that decides its values)."""
    what = json.dumps(
        [faker_version(), locale, provider, params, size, seed, bool(distinct)],
        sort_keys=True,
        default=repr,
    )
    return hashlib.sha256(what.encode()).hexdigest()[:32] + ".json"


def cached_pool(key: str, draw: Callable[[], list]) -> list:
    """The pool kept under `key`, or `draw()`'s, kept for next time when it is plain JSON."""
    folder = cache_folder()
    if folder is None:
        return draw()
    path = folder / key
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    values = draw()
    if all(type(v) in _PLAIN for v in values):
        _write(path, values)
    return values


def cached_facts(key: str, make: Callable[[], Any], valid: Callable[[Any], bool]) -> Any:
    """The JSON document kept under `key` when `valid` accepts it, else `make()`'s, kept."""
    folder = cache_folder()
    if folder is None:
        return make()
    path = folder / key
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if valid(kept):
            return kept
    except (OSError, ValueError):
        pass
    made = make()
    _write(path, made)
    return made


def _write(path: Path, values: Any) -> None:
    """Written whole or not at all (a temporary file renamed), so readers never see half."""
    try:
        text = json.dumps(values, ensure_ascii=False, allow_nan=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as out:
            out.write(text)
    except (OSError, ValueError):
        return  # not kept: drawn again next time
    try:
        os.replace(out.name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(out.name)
