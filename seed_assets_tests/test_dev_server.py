"""`make dev` follows the current Dagster convention: `dg dev` on this repository's dg project
loads the seed_assets code location, without the "use `dg dev`" supersession warning and without
the warning about a dagster.yaml in the current folder that DAGSTER_HOME does not use."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request

from seed_assets_tests.conftest import ROOT
from seed_assets_tests.devserver import STARTUP_SECONDS, dg_dev

UNWANTED_LOG = ("SupersessionWarning", "will not be used to configure Dagster")
LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def _locations(url: str) -> dict[str, str]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": LOCATIONS}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.load(response)["data"]["workspaceOrError"]
    return {
        e["name"]: (e["locationOrLoadError"] or {}).get("__typename", "loading")
        for e in data.get("locationEntries", [])
    }


def test_make_dev_runs_dg_dev_and_loads_the_code_location_without_warnings(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/dg dev" in makefile and "$(BIN)/dagster dev" not in makefile
    assert (ROOT / "dagster.yaml").exists()  # the instance config, at the top as required
    target = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    project = tmp_path / "project"  # the repo's project files; the package is the installed one
    project.mkdir()
    for name in ("pyproject.toml", "dagster.yaml", "workspace.yaml"):
        shutil.copy(ROOT / name, project / name)
    (project / "seed_assets").symlink_to(ROOT / "seed_assets")  # dg looks for it in the project
    with dg_dev(project, tmp_path, SEED_ASSETS_TARGET_URL=target) as url:
        deadline = time.monotonic() + STARTUP_SECONDS
        while (state := _locations(url).get("seed_assets")) != "RepositoryLocation":
            assert state in (None, "loading"), f"the code location did not load: {state}"
            assert time.monotonic() < deadline, "the code location did not load in time"
            time.sleep(2)
    log = (tmp_path / "dagster_dev.log").read_text()
    assert not [line for line in log.splitlines() if any(u in line for u in UNWANTED_LOG)], log
