"""Can the target be used? Checked before anything is written, and driver exceptions turned into
one sentence (which server, database, role, file or folder, and what to change).

A server is asked for one connection; a SQLite file or Parquet folder is looked at without
creating it (a probe file the OS never names tells whether its folder can be written).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import sqlalchemy as sa

from seed_assets.errors import MissingDatabase, TargetError, describe_os_error
from seed_assets.targets.urls import mask_url

SQLITE_HEADER = b"SQLite format 3\x00"


def _where(url: sa.URL) -> str:
    host = url.host or "localhost"
    return f"{host}:{url.port}" if url.port else host


# (pattern in the driver's message, what to say): the first that matches wins.
_SERVER_REASONS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"password authentication failed|Access denied for user .*password: YES", re.I),
     "the password is wrong for user {user}"),
    (re.compile(r"role \"?([^\"\s]+)\"? does not exist|Access denied for user", re.I),
     "the server refuses user {user} (no such role, or it may not log in from here)"),
    (re.compile(r"database \"?([^\"\s]+)\"? does not exist|Unknown database", re.I),
     "the database {database} does not exist on {where}; create it first "
     "(CREATE DATABASE {database})"),
    (re.compile(r"Connection refused", re.I),
     "the connection to {where} was refused: is the server running, and on that port?"),
    (re.compile(r"failed to resolve host|Name or service not known|nodename nor servname|"
                r"getaddrinfo failed|Temporary failure in name resolution", re.I),
     "the host {host} is unknown (its name does not resolve)"),
    (re.compile(r"timeout|timed out", re.I),
     "the connection to {where} timed out"),
    (re.compile(r"server closed the connection|Lost connection|terminating connection|"
                r"gone away|connection is closed|consuming input failed", re.I),
     "the connection to {where} was lost"),
]  # fmt: skip


def read_error(exc: sa.exc.SQLAlchemyError, url: str) -> TargetError:
    """Why reading the database at `url` failed: a connection problem named, else the error."""
    return describe_db_error(exc, url) or TargetError(
        f"cannot read {mask_url(url)}: {exc.__class__.__name__}: {exc}"
    )


def describe_db_error(exc: BaseException, url: str | sa.URL) -> TargetError | None:
    """A connection error of any driver as a TargetError naming the target, or None when
    `exc` is not one (a row the database refuses is reported elsewhere)."""
    if isinstance(exc, TargetError):
        return exc
    if not isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return None
    parsed = sa.make_url(url)
    # The first failure may hide behind a later one (SQLite rolls back on a full disk, and the
    # savepoint release then fails): read every error in the chain.
    texts = [str(getattr(e, "orig", None) or e) for e in _chain(exc)]
    text = texts[0]
    if parsed.get_backend_name() == "sqlite":
        telling = next((t for t in texts if _SQLITE_TELLING.search(t)), None)
        if telling is None:  # not the file: a statement the database refused
            return None
        return TargetError(f"target {mask_url(parsed)}: {sqlite_problem(parsed.database, telling)}")
    for pattern, reason in _SERVER_REASONS:
        if any(pattern.search(t) for t in texts):
            said = reason.format(
                user=parsed.username or "(none)",
                database=parsed.database or "(none)",
                where=_where(parsed),
                host=parsed.host or "localhost",
            )
            return TargetError(f"target {mask_url(parsed)}: {said}")
    if not isinstance(exc, sa.exc.OperationalError) or not _CONNECTING.search(text):
        return None  # a statement the database refused, not the connection
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return TargetError(f"target {mask_url(parsed)}: cannot connect: {first}")


def is_transient(exc: BaseException) -> bool:
    """A failure of the connection or the disk (not of what was sent): running again can
    finish the job."""
    if isinstance(exc, OSError):
        return True
    texts = [str(getattr(e, "orig", None) or e) for e in _chain(exc)]
    lost = _SERVER_REASONS[-1][0]
    return any(lost.search(t) or _FULL.search(t) for t in texts)


_CONNECTING = re.compile(r"connection|connect to|could not|server", re.I)
_FULL = re.compile(r"disk is full|No space left|quota", re.I)
_SQLITE_TELLING = re.compile(r"disk is full|readonly|read-only|unable to open|disk I/O", re.I)


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the errors it was raised while handling, newest first."""
    out: list[BaseException] = []
    while exc is not None and exc not in out and len(out) < 10:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def check_connection(engine: sa.Engine) -> None:
    """Open (and close) one connection, or raise TargetError saying why it cannot."""
    url = engine.url
    if url.get_backend_name() in ("mysql", "mariadb") and not url.database:
        raise TargetError(
            f"target {mask_url(url)} names no database; add it to the URL: .../database_name"
        )
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as exc:
        raise describe_db_error(exc, engine.url) or TargetError(
            f"target {mask_url(engine.url)}: {type(exc).__name__}: {exc}"
        ) from None


# -- files -----------------------------------------------------------------------------------


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(".")


def check_writable_folder(folder: Path, what: str) -> None:
    """Raise TargetError unless `folder` (or, when missing, the folder it would be made in)
    can be written. Nothing is left behind."""
    probe = folder if folder.exists() else _existing_ancestor(folder / "x")
    if probe.exists() and not probe.is_dir():
        raise TargetError(f"{what} {folder}: {probe} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        exc.filename = str(probe)
        raise describe_os_error(exc, f"{what} {folder}: cannot write in") from None


def check_sqlite_file(database: str | None) -> None:
    """A SQLite target file can be opened for writing: not a directory, not another kind of
    file, not read-only, in a folder that can be written."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    what = f"SQLite target {path}"
    if path.is_dir():
        raise TargetError(
            f"{what} is a directory; name a file in it, e.g. sqlite:///{path / 'db.sqlite'}"
        )
    if path.exists():
        try:
            with open(path, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise describe_os_error(exc, "cannot read") from None
        if header and header != SQLITE_HEADER:
            raise TargetError(f"{what} is not a SQLite database (another kind of file)")
        if not os.access(path, os.W_OK):
            raise TargetError(f"{what} is read-only; make it writable or choose another file")
    check_writable_folder(path.parent, what)


def sqlite_problem(database: str | None, message: str) -> str:
    """Why SQLite could not open or write `database`, from the path itself when it tells."""
    try:
        check_sqlite_file(database)
    except TargetError as exc:
        return str(exc)
    if "readonly" in message or "read-only" in message:
        return f"{database} is read-only; make it writable or choose another file"
    if "disk is full" in message or "database or disk is full" in message:
        return f"the disk holding {database} is full"
    return f"cannot open {database}: {message}"


def check_parquet_dir(root: Path) -> None:
    """A Parquet target folder: a folder (or not there yet) that can be written."""
    if root.exists() and not root.is_dir():
        raise TargetError(f"Parquet target {root} is a file, not a directory; name a folder")
    check_writable_folder(root, "Parquet target")


def check_sqlite_exists(url: str | sa.URL) -> None:
    """A SQLite URL to read names an existing file (SQLite would create an empty one)."""
    parsed = sa.make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return
    if Path(database).is_dir():
        raise TargetError(f"{mask_url(parsed)}: {database} is a directory, not a SQLite file")
    if not Path(database).is_file():
        raise MissingDatabase(f"{mask_url(parsed)}: the SQLite file {database} does not exist")


def new_paths(url: str) -> list[Path]:
    """The files and folders a run into `url` would create that do not exist yet (a new SQLite
    file, its journals and missing folders; a new Parquet folder), deepest first: what to
    remove if the run fails before it commits anything."""
    from seed_assets.targets.parquet_urls import is_parquet_url, parquet_dir

    if is_parquet_url(url):
        root = parquet_dir(url)
        return [p for p in (root, *root.parents) if not p.exists()]
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return []
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return []
    path = Path(database)
    if path.exists() or database.startswith("file:"):
        return []
    files = [path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal", "")]
    return files + [p for p in path.parents if not p.exists()]


def remove_new_paths(paths: list[Path]) -> None:
    """Remove what `new_paths` listed: files, and folders this run made (whatever the run
    put in them, such as its report); nothing that existed before."""
    import shutil

    for path in paths:
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            continue
