"""`dg dev` as `make dev` runs it, for the tests that talk to it: on a free loopback port, with
its own DAGSTER_HOME, in its own process group, stopped whole at the end (the test fails if any
of its processes outlive it)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from seed_assets_tests.conftest import ROOT

STARTUP_SECONDS = 240
# The longest heartbeat TTL of the code servers `dg dev` starts (the webserver's; the daemon's
# is 20 s): dagster/_core/workspace/context.py WEBSERVER_GRPC_SERVER_HEARTBEAT_TTL.
HEARTBEAT_TTL_SECONDS = 45


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_of(pgid: int, marker: str) -> list[str]:
    """Processes still in the server's group, or naming its DAGSTER_HOME (a run worker that
    left the group would)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, group = fields[0], int(fields[2])
        if state != "Z" and (group == pgid or marker in cmdline):
            alive.append(f"{entry.name}: {cmdline[:120]}")
    return alive


def project_env(home: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
    env.pop("SEED_ASSETS_SPECS", None)
    env.pop("SEED_ASSETS_TARGET_URL", None)  # the project's defs.yaml names its target
    if home is not None:
        env["DAGSTER_HOME"] = str(home)
    return env


@contextlib.contextmanager
def dg_dev(project: Path, tmp_path: Path, **extra_env: str) -> Iterator[str]:
    """`dg dev` in `project` (the webserver, the daemon, the code server) in its own process
    group, as `make dev` runs it; its output goes to `tmp_path`/dagster_dev.log."""
    # DAGSTER_HOME is the project's own folder, as `make dev` has it: the dagster.yaml there is
    # the instance's (no warning that it is ignored). `project` is a copy made for the test.
    home = project
    if not (home / "dagster.yaml").exists():
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**project_env(home), "DAGSTER_GRPC_TIMEOUT_SECONDS": "180", **extra_env}
    port = free_port()
    log = (tmp_path / "dagster_dev.log").open("w")
    dg = Path(sys.executable).parent / "dg"
    server = subprocess.Popen(
        [str(dg), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, (tmp_path / "dagster_dev.log").read_text()[-3000:]
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/server_info", timeout=2) as response,
            ):
                if response.status == 200:
                    break
            assert time.monotonic() < deadline, "dg dev did not start"
            time.sleep(1)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # dagster dev shuts its services down
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        # Children finish their own shutdown after the parent exits. A code server that was still
        # starting when the signal came (a late spawn, or one busy loading the definitions on a
        # loaded machine) misses it and ends when its heartbeats stop: Dagster checks every TTL
        # seconds, so it may take two TTLs. Anything alive after that has leaked.
        deadline = time.monotonic() + 2 * HEARTBEAT_TTL_SECONDS + 15
        while processes_of(server.pid, str(home)) and time.monotonic() < deadline:
            time.sleep(0.5)
        leaked = processes_of(server.pid, str(home))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        assert leaked == [], f"dagster processes outlived the server: {leaked}"
