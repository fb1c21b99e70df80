"""Does a spec fit its target? Names and column counts within the dialect's limits, and for
file targets (SQLite, Parquet, a script) the estimated bytes within the disk's free space.
Checked before anything is written. (Values and DDL a dialect cannot represent are
``representable.py``'s.)"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from seed_assets.errors import SpecError
from seed_assets.spec.limits import check_dialect, check_free_disk, estimated_rows
from seed_assets.spec.models import Spec
from seed_assets.targets.urls import url_dialect


def check_target_fits(spec: Spec, url: str, scale: float) -> None:
    """SpecError (with the spec's file) when the spec cannot go into the target at `scale`."""
    from seed_assets.targets import connect

    dialect = url_dialect(url)
    where = _file_of(url, dialect)
    # First the file or folder itself (its own message: a directory, read-only...).
    if dialect == "sqlite" and where is not None:
        connect.check_sqlite_file(str(where))
    elif dialect == "parquet" and where is not None:
        connect.check_parquet_dir(where)
    try:
        if dialect is not None:
            check_dialect(spec, dialect)
        if where is not None:
            check_free_disk(spec, estimated_rows(spec, scale), where)
    except SpecError as exc:
        raise exc.located(spec.source or spec.name) from None


def check_script_fits(spec: Spec, dialect: str, scale: float, out: Path | None) -> None:
    """The same for `seed-assets sql`: the dialect's limits, and free disk for --out."""
    from seed_assets.targets import connect

    if out is not None and not out.is_dir():
        connect.check_writable_folder(out.parent, "--out")
    try:
        check_dialect(spec, dialect)
        if out is not None:
            # A script's literals take about twice a row's stored size.
            rows = {t: 2 * n for t, n in estimated_rows(spec, scale).items()}
            check_free_disk(spec, rows, out.parent)
    except SpecError as exc:
        raise exc.located(spec.source or spec.name) from None


def _file_of(url: str, dialect: str | None) -> Path | None:
    if dialect == "parquet":
        from seed_assets.targets.parquet_urls import parquet_dir

        return parquet_dir(url)
    if dialect == "sqlite":
        database = sa.make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database)
    return None
