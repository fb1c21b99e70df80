"""One writer per target: a run holds a target-wide lock for its whole duration.

Two runs into one database at once would interleave their tables (customers of one seed,
accounts of the other) and both record themselves complete. So a run takes a lock first:

- PostgreSQL: a session advisory lock (per database), on a connection held open by the run;
- MySQL/MariaDB: ``GET_LOCK('seed_assets:<database>')``, on a connection held likewise;
- SQLite and Parquet: ``flock`` on a lock file beside the database file (in the Parquet
  directory), removed when the run ends.

The server locks go when the connection does, and the file lock when the process does, so a
killed run never leaves a target locked. Who holds it (spec, host, pid, start time) is written
in the lock file, or in the table ``seed_assets_lock`` for servers, so a second run that gives
up after ``--wait`` seconds can name the holder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from seed_assets.errors import TargetError

HOLDERS = "seed_assets_lock"
_holders = sa.Table(
    HOLDERS,
    sa.MetaData(),
    sa.Column("lock_name", sa.String(128), primary_key=True),
    sa.Column("holder", sa.String(1000), nullable=False),
)
POLL_SECONDS = 0.2
LOCK_FILE = ".seed-assets.lock"


def holder_text(spec_name: str) -> str:
    """Who is writing: spec, host, pid and when it started (UTC)."""
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return json.dumps(
        {"spec": spec_name, "host": socket.gethostname(), "pid": os.getpid(), "started": started}
    )


def describe(holder: str | None) -> str:
    if not holder:
        return "another run (it did not say which)"
    try:
        who = json.loads(holder)
        return (
            f"a run of spec '{who['spec']}' on host {who['host']}, pid {who['pid']}, "
            f"started {who['started']} UTC"
        )
    except (ValueError, KeyError, TypeError):
        return holder


def _busy(target, holder: str | None, wait: float) -> TargetError:
    waited = f" after waiting {wait:g} s" if wait else ""
    return TargetError(
        f"{target.display_url} is being written by {describe(holder)}{waited}. One run writes "
        "a target at a time: wait for it to finish, or pass --wait SECONDS to wait for it"
    )


@contextlib.contextmanager
def target_lock(target, spec_name: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the target's write lock for the block; wait up to `wait` seconds for it, then
    raise TargetError naming the holder."""
    if wait < 0 or wait != wait:
        raise TargetError(f"--wait takes a number of seconds >= 0, not {wait}")
    path = lock_path(target)
    if path is not None:
        with _file_lock(target, path, spec_name, wait):
            yield
        return
    with _server_lock(target, spec_name, wait):
        yield


def lock_path(target) -> Path | None:
    """The lock file of a SQLite or Parquet target; None for a server."""
    root = getattr(target, "root", None)
    if root is not None:  # Parquet: a directory
        return Path(root) / LOCK_FILE
    if target.dialect != "sqlite":
        return None
    database = target.engine.url.database
    if not database or database == ":memory:":
        return None  # nobody else can reach it
    return Path(database).with_name(Path(database).name + LOCK_FILE)


# -- files ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Block until this process alone holds `path` (a lock file), and remove the file again
    when done, so no lock file is left behind (a report's, a Parquet manifest's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "a")  # noqa: SIM115 - held for the block
        fcntl.flock(handle, fcntl.LOCK_EX)
        # The holder before us removed the name as it let go: lock the file now there.
        if path.exists() and os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
            break
        handle.close()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # still holding it: nobody can be half-way in
        handle.close()


@contextlib.contextmanager
def _file_lock(target, path: Path, spec_name: str, wait: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the block
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read()
            handle.close()
            if time.monotonic() >= deadline:
                raise _busy(target, holder, wait) from None
            time.sleep(POLL_SECONDS)
            continue
        # The previous holder may have removed the file between our open and our lock: then
        # ours is a lock on a name nobody else sees. Start again on the file that is there.
        if not path.exists() or os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino:
            handle.close()
            continue
        break
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(holder_text(spec_name))
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)  # still holding it: nobody can be half-way in
        handle.close()


# -- servers -------------------------------------------------------------------------------------


def _lock_name(target) -> str:
    return f"seed_assets:{target.engine.url.database or ''}"[:64]


@contextlib.contextmanager
def _server_lock(target, spec_name: str, wait: float) -> Iterator[None]:
    name = _lock_name(target)
    mysql = target.dialect in ("mysql", "mariadb")
    key = zlib.crc32(name.encode())  # PostgreSQL's advisory locks take a number
    deadline = time.monotonic() + wait
    conn = target.engine.connect()
    try:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        while True:
            if mysql:
                got = conn.exec_driver_sql("SELECT GET_LOCK(%s, 0)", (name,)).scalar()
            else:
                got = conn.exec_driver_sql("SELECT pg_try_advisory_lock(%s)", (key,)).scalar()
            if got:
                break
            if time.monotonic() >= deadline:
                raise _busy(target, _read_holder(target, name), wait)
            time.sleep(POLL_SECONDS)
        _write_holder(target, name, holder_text(spec_name))
        try:
            yield
        finally:
            with contextlib.suppress(sa.exc.DBAPIError):
                _write_holder(target, name, None)
            with contextlib.suppress(sa.exc.DBAPIError):
                if mysql:
                    conn.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (name,))
                else:
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (key,))
    finally:
        conn.close()


def _write_holder(target, name: str, holder: str | None) -> None:
    with target.engine.begin() as conn:
        _holders.create(conn, checkfirst=True)
        conn.execute(sa.delete(_holders).where(_holders.c.lock_name == name))
        if holder is not None:
            conn.execute(sa.insert(_holders).values(lock_name=name, holder=holder))


def _read_holder(target, name: str) -> str | None:
    with target.engine.connect() as conn:
        if not sa.inspect(conn).has_table(HOLDERS):
            return None
        query = sa.select(_holders.c.holder).where(_holders.c.lock_name == name)
        return conn.execute(query).scalar()
