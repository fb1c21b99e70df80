"""A cold start of the command line, held structurally (the timing is
benchmarks/bench_cold_start.py): the collector kept out of the imports (cli/cold_start.py) and
still collecting while tables load; no library the run does not use imported, nor Faker once
its pools and provider facts are kept (providers/provider_facts.py)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets_tests.conftest import BANKING, ROOT

# Each costs 20-500 ms to import; a generate into SQLite uses none of them. (click: Typer
# carries its own.)
NOT_USED = (
    "scipy", "sklearn", "great_expectations", "pandera", "dagster", "matplotlib", "click",
    "pyarrow.parquet", "pyarrow.dataset", "psycopg", "pymysql", "jinja2",
)  # fmt: skip

# Run as `seed-assets` runs: main(), in a process of its own. Each table's write reports
# whether the collector runs and how many objects are frozen out of it; the exit, what was
# imported.
OWN_PROCESS = """
import atexit, gc, json, sys
from seed_assets.targets.base import Target

def imported():
    print(json.dumps({"modules": sorted(sys.modules)}), file=sys.stderr)

atexit.register(imported)

write_table = Target.write_table

def reporting(self, spec, name, *args, **kwargs):
    seen = {"table": name, "collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}
    print(json.dumps(seen), file=sys.stderr)
    return write_table(self, spec, name, *args, **kwargs)

Target.write_table = reporting
sys.argv = ["seed-assets", *sys.argv[1:]]
from seed_assets.cli import main
main()
"""


def _generate(tmp_path) -> tuple[list[dict], set[str]]:
    """What each table's write saw, and the modules imported, of a generate of the
    banking example run as the command does, with its pool cache in `tmp_path`."""
    url = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    args = ["generate", str(BANKING), "--target", url, "--scale", "0.1", "--if-exists", "replace"]
    env = {**os.environ, "SEED_ASSETS_POOL_CACHE": str(tmp_path / "pools")}
    done = subprocess.run(
        [sys.executable, "-c", OWN_PROCESS, *args], cwd=ROOT, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    return [s for s in lines if "table" in s], set(lines[-1]["modules"])


def test_generate_in_its_own_process_freezes_its_imports_and_still_collects(tmp_path):
    seen, _ = _generate(tmp_path)
    assert [s["table"] for s in seen] == ["customers", "accounts", "transactions", "invoices"]
    # A long run still frees its cycles as it goes...
    assert all(s["collecting"] for s in seen)
    # ...and never walks what the imports made (pandas, SQLAlchemy, pydantic: far more
    # than 50,000 objects).
    assert all(s["frozen"] > 50_000 for s in seen)


def test_generate_in_a_callers_process_leaves_its_collector_as_it_was(tmp_path):
    """CliRunner (a test, a notebook): frozen objects would never be collected there."""
    frozen = gc.get_freeze_count()
    url = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    result = CliRunner().invoke(app, ["generate", str(BANKING), "--target", url, "--scale", "0.1"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_generate_imports_no_library_it_does_not_use(tmp_path):
    _, first = _generate(tmp_path)
    assert "faker" in first  # pools and provider facts drawn, then kept
    assert not first & set(NOT_USED)
    _, again = _generate(tmp_path)
    # Pools, provider names and params, samples: all read back, Faker never imported.
    assert "faker" not in again
    assert not again & set(NOT_USED)
    assert {"pandas", "sqlalchemy", "seed_assets"} <= again
