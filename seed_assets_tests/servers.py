"""Real database servers for tests: a fresh database per test session, dropped at the end.

A server that is not running skips the tests that need it, with the reason, except under
``CI=true``, where an absent server is a failure. URLs can be overridden with
``SEED_ASSETS_TEST_PG`` / ``SEED_ASSETS_TEST_MYSQL`` (server URLs without a database), the Celery
broker with ``SEED_ASSETS_TEST_BROKER``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

PG_SERVER = os.environ.get("SEED_ASSETS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
MYSQL_SERVER = os.environ.get("SEED_ASSETS_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")
BROKER = os.environ.get("SEED_ASSETS_TEST_BROKER", "pyamqp://guest:guest@127.0.0.1:5672//")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(what: str, exc: Exception):
    reason = f"{what} is not reachable ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    if in_ci():
        pytest.fail(f"{reason}; under CI=true every server must be running", pytrace=False)
    pytest.skip(reason)


def _admin_engine(server: str) -> sa.Engine:
    base = sa.make_url(server)
    if base.get_backend_name() == "postgresql":
        base = base.set(database="postgres")
    return sa.create_engine(base, isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(server: str, label: str) -> Iterator[str]:
    """Create `sa_<label>_<random>` on `server`, yield its URL, drop it afterwards."""
    admin = _admin_engine(server)
    name = f"sa_{label}_{uuid.uuid4().hex[:10]}"
    backend = sa.make_url(server).get_backend_name()
    try:
        with admin.connect() as conn:
            if backend == "mysql":
                conn.exec_driver_sql(
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                )
            else:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unavailable(f"{backend} at {sa.make_url(server).render_as_string()}", exc)
    url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


def reset_database(url: str) -> None:
    """Drop every table of `url` (between tests sharing one session database)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            backend = engine.dialect.name
            if backend == "postgresql":
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
            elif backend in ("mysql", "mariadb"):
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
                for table, kind in conn.exec_driver_sql("SHOW FULL TABLES").all():
                    what = "VIEW" if kind == "VIEW" else "TABLE"  # a loaded sample's views
                    conn.exec_driver_sql(f"DROP {what} `{table}`")
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
            else:
                meta = sa.MetaData()
                meta.reflect(conn)
                meta.drop_all(conn)
    finally:
        engine.dispose()


def require_broker(url: str) -> None:
    """Skip (fail under CI=true) unless the Celery broker at `url` accepts a connection."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # kombu raises the transport's own errors
        _unavailable(f"Celery broker {sa.make_url(url).render_as_string()}", exc)


def drop_queue(url: str, queue: str) -> None:
    """Delete a Celery queue (and its exchange of the same name) from the broker."""
    from kombu import Connection

    with Connection(url, connect_timeout=3) as conn:
        channel = conn.channel()
        channel.queue_delete(queue)
        channel.exchange_delete(queue)


def execute(url: str, *statements: str) -> None:
    """Run `statements` in one transaction on `url` (a user's own DDL and rows, in tests)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def query(url: str, statement: str) -> list[tuple]:
    """The rows `statement` returns on `url`."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(statement)]
    engine.dispose()
    return rows
