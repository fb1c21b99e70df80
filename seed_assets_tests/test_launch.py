"""Launch responsiveness, held structurally (the timing is benchmarks/bench_import.py): every
Dagster launch and step imports seed_assets.definitions, which must not pull in the libraries
only the steps use."""

from __future__ import annotations

import json
import subprocess
import sys

from seed_assets_tests.conftest import ROOT

# Each costs 0.15-0.5 s to import; the checks, writers and ML assets import them when they run.
# (Faker is imported: loading a spec checks its providers.)
RUN_TIME_ONLY = ("scipy", "sklearn", "great_expectations", "pandera", "sqlalchemy")


def test_the_definitions_import_no_run_time_library():
    code = (
        "import json, sys, seed_assets.definitions as d; d.defs.get_repository_def(); "
        f"print(json.dumps([m for m in {RUN_TIME_ONLY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
