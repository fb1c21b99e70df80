"""Load a SQL script with the real command-line client of its database: psql, mariadb, sqlite3.

A missing client skips the test with the reason, except under ``CI=true`` (like servers.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from seed_assets_tests.servers import in_ci

CLIENTS = {"postgresql": "psql", "mysql": "mariadb", "sqlite": "sqlite3"}


def client(dialect: str) -> str:
    """The client's path, or skip (fail under CI) when it is not installed."""
    name = CLIENTS[dialect]
    path = shutil.which(name) or shutil.which("mysql" if name == "mariadb" else name)
    if path is None:
        reason = f"the {name} client is not installed"
        if in_ci():
            pytest.fail(f"{reason}; under CI=true every client must be installed", pytrace=False)
        pytest.skip(reason)
    return path


# A MariaDB session that starts in the other quoting mode: a script must not depend on it.
NO_BACKSLASH = "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')"


def load_script(
    url: str, script: Path, *, mysql_init: str | None = None
) -> subprocess.CompletedProcess:
    """Run `script` into the database at `url` the way the script's header says to
    (`mysql_init`: a statement the mariadb client runs first, e.g. ``NO_BACKSLASH``)."""
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    dialect = "mysql" if backend in ("mysql", "mariadb") else backend
    env = dict(os.environ)
    if dialect == "postgresql":
        if parsed.password:
            env["PGPASSWORD"] = parsed.password
        command = [
            client(dialect),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            "-d",
            parsed.database,
            "-f",
            str(script),
        ]
        return subprocess.run(command, capture_output=True, text=True, env=env)
    if dialect == "mysql":
        if parsed.password:
            env["MYSQL_PWD"] = parsed.password
        command = [
            client(dialect),
            "-h",
            parsed.host or "127.0.0.1",
            "-P",
            str(parsed.port or 3306),
            "-u",
            parsed.username or "root",
            parsed.database,
        ]
        if mysql_init:
            command.insert(1, f"--init-command={mysql_init}")
    else:
        command = [client(dialect), "-bail", parsed.database]
    with open(script, "rb") as stdin:
        return subprocess.run(command, stdin=stdin, capture_output=True, env=env)


def loaded(url: str, script: Path, *, mysql_init: str | None = None) -> None:
    """Load `script` and fail with the client's own message if it refused."""
    result = load_script(url, script, mysql_init=mysql_init)
    stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "ERROR" not in stderr and "Error" not in stderr, stderr
