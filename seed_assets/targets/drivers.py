"""Is the driver a target URL names installed, and usable by a synchronous writer?

Checked before any connection is made, so a URL naming a missing driver fails with what to
install (or which installed driver to name instead) and nothing is created.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import NoSuchModuleError

from seed_assets.errors import TargetError

# Drivers worth suggesting per backend, most preferred first (SQLAlchemy 2.1 names them).
_SYNC_DRIVERS = {
    "postgresql": ("psycopg", "psycopg2", "pg8000"),
    "mysql": ("pymysql", "mysqldb", "mysqlconnector"),
    "mariadb": ("pymysql", "mysqldb", "mysqlconnector"),
    "sqlite": ("pysqlite",),
    "oracle": ("oracledb", "cx_oracle"),
    "mssql": ("pyodbc", "pymssql"),
}
# Python module -> the package that provides it, where the names differ.
_PACKAGES = {
    "cx_Oracle": "cx-Oracle",
    "MySQLdb": "mysqlclient",
    "mysql": "mysql-connector-python",
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "pysqlcipher3": "pysqlcipher3",
}


def _mask(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def _installed(backend: str, driver: str) -> bool:
    try:
        dialect = sa.make_url(f"{backend}+{driver}://").get_dialect()
        dialect.import_dbapi()
    except (ImportError, NoSuchModuleError):
        return False
    return not getattr(dialect, "is_async", False)


def _alternatives(backend: str, driver: str) -> list[str]:
    """Installed synchronous drivers for `backend`, as URL schemes: named explicitly (SQLAlchemy
    2.1 guesses differently from 2.0), but plain `sqlite://` for the standard library's."""
    return [
        "sqlite://" if (backend, d) == ("sqlite", "pysqlite") else f"{backend}+{d}://"
        for d in _SYNC_DRIVERS.get(backend, ())
        if d != driver and _installed(backend, d)
    ]


def check_driver(url: str | sa.URL) -> None:
    """Raise TargetError saying what to do when the URL's driver cannot be loaded or is async."""
    parsed = sa.make_url(url)
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    name = f"{backend}+{driver}" if driver else backend
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        others = _alternatives(backend, "")
        hint = f"; installed drivers for {backend}: {', '.join(others)}" if others else ""
        raise TargetError(
            f"target {_mask(parsed)}: SQLAlchemy knows no database driver '{name}'. "
            f"Check the spelling of the URL's scheme{hint}"
        ) from None
    others = _alternatives(backend, dialect.driver)
    instead = f"name an installed one instead: {', '.join(others)}" if others else ""
    if getattr(dialect, "is_async", False):
        raise TargetError(
            f"target {_mask(parsed)}: the driver '{dialect.driver}' for {backend} is an asyncio "
            "driver, and seed-assets writes with a synchronous one; "
            f"{instead or f'install a synchronous {backend} driver'}"
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        module = getattr(exc, "name", None) or dialect.driver
        package = _PACKAGES.get(module, module)
        install = f"install it (`uv add {package}` or `pip install {package}`)"
        raise TargetError(
            f"target {_mask(parsed)}: the driver '{dialect.driver}' for {backend} is not "
            f"installed (no module named '{module}'); "
            + (f"{instead}, or {install}" if instead else install)
        ) from None
