"""The example user project (examples/my_ml_project) as a user runs it: `dg check defs`, then every
asset materialized, its own training asset reading the validated banking tables through the IO
manager; and `dg scaffold defs seed_assets.api.SeedAssets` in a new dg project."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from seed_assets_tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "my_ml_project"
BIN = Path(sys.executable).parent
DG = str(BIN / "dg")
DAGSTER = str(BIN / "dagster")
MODEL = "spending_fraud_model"


def _env(**extra: str) -> dict[str, str]:
    # dg compares the active venv with the project's; the tests run in this checkout's.
    env = {**os.environ, "VIRTUAL_ENV": str(BIN.parent), **extra}
    env.pop("SEED_ASSETS_TARGET_URL", None)
    env.pop("SEED_ASSETS_SPECS", None)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 600):
    run = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    return run


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the example, so its data/ folder lands in a temporary directory."""
    folder = tmp_path_factory.mktemp("user") / "my_ml_project"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("data", "__pycache__"))
    return folder


def test_dg_check_defs_loads_the_example(project):
    run = _run([DG, "check", "defs", "--use-active-venv"], project, _env())
    assert "All definitions loaded successfully" in run.stdout + run.stderr


def test_every_asset_materializes_and_the_model_reads_validated_tables(project, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = _env(DAGSTER_HOME=str(home))
    _run([DAGSTER, "asset", "materialize", "-m", "my_ml_project.definitions", "--select", "*"],
         project, env, timeout=900)  # fmt: skip

    db = project / "data" / "banking.sqlite"
    with sqlite3.connect(db) as conn:
        transactions = conn.execute("SELECT COUNT(*) FROM transactions").fetchone()[0]
        fraud = conn.execute("SELECT SUM(is_fraud) FROM transactions").fetchone()[0]
    report = json.loads((project / "data" / "banking.report.json").read_text())
    assert report["approved"], report["failures"]

    with DagsterInstance.from_config(str(home)) as instance:
        event = instance.get_latest_materialization_event(AssetKey(MODEL))
        assert event is not None
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert metadata["transactions"] == transactions
    assert metadata["trained_rows"] + metadata["held_out_rows"] == transactions
    assert 0 < metadata["held_out_rows"] < transactions / 2
    assert metadata["chunks"] == -(-transactions // 5_000)
    assert metadata["fraud_rate"] == pytest.approx(fraud / transactions, abs=1e-5)
    assert metadata["customers_read_as"] == "pyarrow.lib.Table"
    assert 0.0 <= metadata["auc"] <= 1.0


def test_scaffolding_the_component_in_a_new_project(tmp_path):
    """`dg scaffold defs seed_assets.api.SeedAssets my_data`: a defs.yaml naming a spec and a
    target, and a spec to start from, that `dg check defs` and `dg list defs` load."""
    project = tmp_path / "fresh"
    (project / "fresh" / "defs").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "fresh"\nversion = "0.1.0"\n\n[tool.dg]\ndirectory_type = "project"\n'
        '\n[tool.dg.project]\nroot_module = "fresh"\n'
    )
    (project / "fresh" / "__init__.py").write_text("")
    (project / "fresh" / "defs" / "__init__.py").write_text("")
    shutil.copy(EXAMPLE / "my_ml_project" / "definitions.py", project / "fresh" / "definitions.py")
    env = _env()
    _run([DG, "scaffold", "defs", "seed_assets.api.SeedAssets", "my_data"], project, env)
    folder = project / "fresh" / "defs" / "my_data"
    text = (folder / "defs.yaml").read_text()
    assert "type: seed_assets.api.SeedAssets" in text
    assert "spec: spec.yaml" in text and "sqlite:///data/my_data.sqlite" in text
    assert (folder / "spec.yaml").read_text().startswith("# The tutorial's banking schema")
    _run([DG, "check", "defs", "--use-active-venv"], project, env)
    listed = _run([DG, "list", "defs", "--json"], project, env)
    keys = {a["asset_key"] for a in json.loads(listed.stdout)["assets"]}
    assert {"customers", "accounts", "transactions", "invoices", "fraud_model"} <= keys
