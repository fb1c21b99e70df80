"""Parquet target URLs (``parquet:///path/dir``): recognised and turned into a directory without
importing pyarrow, which only a Parquet run needs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from seed_assets.errors import TargetError

SCHEME = "parquet"


def is_parquet_url(url: str) -> bool:
    return url.split(":", 1)[0].lower() == SCHEME


def masked(url: str) -> str:
    """A Parquet URL with any password in it hidden (for messages)."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@", 1)
    return parsed._replace(netloc=netloc).geturl()


def parquet_dir(url: str) -> Path:
    """``parquet:///abs/dir`` -> /abs/dir; ``parquet://rel/dir`` or ``parquet:rel`` -> rel/dir.

    A Parquet target is a local directory: a user, password or port in the URL is refused
    (it would otherwise become part of a folder's name, password and all)."""
    parsed = urlparse(url)
    if parsed.scheme.lower() != SCHEME:
        raise TargetError(f"not a Parquet URL: {masked(url)!r}; write parquet:///path/to/dir")
    if "@" in parsed.netloc or parsed.netloc.count(":"):
        raise TargetError(
            f"Parquet URL {masked(url)!r} names a user, password or port; a Parquet target is "
            "a local directory: write parquet:///path/to/dir (no credentials)"
        )
    path = unquote(parsed.netloc + parsed.path)
    if not path:
        raise TargetError(
            f"Parquet URL {masked(url)!r} names no directory; write parquet:///path/to/dir"
        )
    return Path(path)
