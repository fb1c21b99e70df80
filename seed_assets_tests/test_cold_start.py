"""A cold start of the command line, held structurally (the timing is
benchmarks/bench_cold_start.py): the collector kept out of the imports (cli/cold_start.py), and
still collecting while tables load."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets_tests.conftest import BANKING, ROOT

# Run as `seed-assets` runs: main(), in a process of its own. Each table's write reports
# whether the collector runs and how many objects are frozen out of it.
OWN_PROCESS = """
import gc, json, sys
from seed_assets.targets.base import Target

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


def test_generate_in_its_own_process_freezes_its_imports_and_still_collects(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    args = ["generate", str(BANKING), "--target", url, "--scale", "0.1"]
    done = subprocess.run(
        [sys.executable, "-c", OWN_PROCESS, *args], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    seen = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
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
