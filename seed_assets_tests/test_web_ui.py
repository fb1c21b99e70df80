"""The web UI as a person uses it: `dg dev` in a user's own project (a copy of
examples/my_ml_project: the banking spec through the SeedAssets component, and its own training
asset) on a free loopback port with its own DAGSTER_HOME, Debian's headless Chromium driven by
Playwright (no browser is downloaded).

It finds every table, ML asset and the project's own asset in the asset graph, each with exactly
its dependencies (the "Upstream assets" of its page), clicks "Materialize all", waits for the
run to succeed, and finds every blocking check passed, the report rendered in the table's
metadata with a link to the HTML report, and the project's model materialized. `dg dev` starts
without a supersession warning or an ignored dagster.yaml. Screenshots go to
``seed_assets_tests/artifacts/``. The server's whole process group is stopped at the end, and the
test fails if any of its processes outlive it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seed_assets_tests.conftest import ROOT
from seed_assets_tests.devserver import dg_dev, project_env

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUN_SECONDS = 420
EXAMPLE = ROOT / "examples" / "my_ml_project"
LOCATION = "my_ml_project"
OWN_ASSET = "spending_fraud_model"
# What `dagster dev` printed before the project moved to `dg dev` and deploy/dagster.yaml.
UNWANTED_LOG = ("SupersessionWarning", "will not be used to configure Dagster")


def _require_browser() -> None:
    """Skip with a reason where there is no Chromium or Playwright; under CI that is a failure."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (uv sync --group dev)"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)


def _expected_graph(project: Path) -> dict[str, set[str]]:
    """Each asset of the project and the assets it depends on, as `dg list defs` says."""
    dg = Path(sys.executable).parent / "dg"
    listed = subprocess.run(
        [str(dg), "list", "defs", "--json"],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return {a["asset_key"]: set(a["dependency_keys"]) for a in json.loads(listed.stdout)["assets"]}


def _check_names() -> dict[str, list[str]]:
    from seed_assets.assets.checks import build_check_specs
    from seed_assets.assets.tables import table_key
    from seed_assets.definitions import EXAMPLE
    from seed_assets.sources.files import load_spec

    spec = load_spec(EXAMPLE)
    return {
        table: [s.name for s in build_check_specs(spec, table, table_key(spec, table))]
        for table in spec.tables
    }


def _skip_welcome(page) -> None:
    """The first visit asks to join the Dagster community, a moment after the page loads:
    whenever that dialog is up, skip it before the next click."""
    page.add_locator_handler(
        page.get_by_text("Join the Dagster community"),
        lambda: page.get_by_role("button", name="Skip").click(),
    )


def _upstream(page, known: set[str], expected: int) -> set[str]:
    """The assets listed under "Upstream assets" on an asset's page (waiting until as many as
    `expected` have loaded, then reading the list whole)."""
    page.get_by_text("Upstream assets").first.wait_for()
    deadline = time.monotonic() + 30
    while True:
        text = page.inner_text("body")
        section = text[text.find("Upstream assets") : text.find("Downstream assets")]
        listed = {line.strip() for line in section.splitlines()} & known
        if len(listed) >= expected or time.monotonic() > deadline:
            return listed
        time.sleep(0.5)


def test_the_web_ui_shows_the_graph_materialises_it_and_the_checks_pass(tmp_path):
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    project = tmp_path / "my_ml_project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("data", "__pycache__"))
    graph = _expected_graph(project)
    checks = _check_names()
    assert {"customers", "transactions", "customer_features", "fraud_model", OWN_ASSET} <= set(
        graph
    )
    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - started - sum(phases.values()), 1)

    with dg_dev(project, tmp_path) as url, sync_playwright() as playwright:
        phase("server up")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1200})
        page.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)  # the UI loads its data after the page
        _skip_welcome(page)
        try:
            # The asset graph holds every table and ML asset ...
            page.goto(f"{url}/locations/{LOCATION}/asset-groups/banking")
            for asset in graph:  # tables as nodes, the ML assets (group "ml") as links
                expect(page.get_by_text(asset, exact=True).first).to_be_visible()
            page.screenshot(path=ARTIFACTS / "web_ui_graph.png")
            # ... each with exactly its dependencies (the asset page's lineage section).
            for asset, parents in graph.items():
                page.goto(f"{url}/assets/{asset}")
                assert _upstream(page, set(graph), len(parents)) == parents, asset
            phase("graph checked")

            # Materialise everything, as a person would, and follow the run.
            page.goto(f"{url}/asset-groups")  # the global lineage: every group
            page.get_by_role("button", name="Materialize all").first.click()
            toast = page.get_by_text(re.compile(r"Launched run [0-9a-f]{8}"))
            run_id = re.search(r"[0-9a-f]{8}", toast.first.inner_text()).group(0)
            page.goto(f"{url}/runs")
            page.get_by_role("link", name=run_id).first.click()
            page.wait_for_url(f"**/runs/{run_id}*")
            status = page.get_by_text("Success", exact=True).or_(
                page.get_by_text("Failure", exact=True)
            )
            status.first.wait_for(timeout=RUN_SECONDS * 1000)
            page.screenshot(path=ARTIFACTS / "web_ui_run.png")
            phase("run")
            assert page.get_by_text("Success", exact=True).count(), "the run failed"

            # Every blocking check of every table passed.
            for table, names in checks.items():
                page.goto(f"{url}/assets/{table}?view=checks")
                for name in names:
                    entry = page.get_by_text(name, exact=True).first
                    expect(entry).to_be_visible()
                body = page.inner_text("body")
                for name in names:
                    assert f"{name}\nSucceeded" in body, f"{name} not shown as succeeded"
                assert "Failed" not in body
            page.screenshot(path=ARTIFACTS / "web_ui_checks.png")

            # The table's metadata renders its part of the report and links the HTML report
            # (which exists).
            page.goto(f"{url}/assets/transactions")
            report = (project / "data" / "banking.report.html").resolve()
            expect(page.locator(f'a[href="{report.as_uri()}"]').first).to_be_attached()
            row = page.locator("tr", has_text="validation_report").first
            row.get_by_text("[Show Markdown]").click()  # longer Markdown opens in a dialog
            expect(page.get_by_text("Whole report:").first).to_be_visible()
            expect(page.get_by_text("transactions_orphan_fks").first).to_be_visible()
            assert "PASS: approved for ML use" in report.read_text()
            page.screenshot(path=ARTIFACTS / "web_ui_report.png")
            # The verdict is known once the last table (invoices) is checked, not before.
            page.goto(f"{url}/assets/invoices")
            expect(page.get_by_text("database_verdict", exact=True).first).to_be_visible()
            expect(page.get_by_text("approved for ML use").first).to_be_visible()

            # The project's own asset trained on the validated tables.
            page.goto(f"{url}/assets/{OWN_ASSET}")
            expect(page.get_by_text("auc", exact=True).first).to_be_visible()
            expect(page.get_by_text("held_out_rows", exact=True).first).to_be_visible()
            page.screenshot(path=ARTIFACTS / "web_ui_own_asset.png")

            page.goto(f"{url}/locations/{LOCATION}/asset-groups/banking")
            for table, names in checks.items():
                expect(
                    page.get_by_text(f"{len(names)} / {len(names)} Passed").first
                ).to_be_visible()
                page.locator(f'[data-tooltip="{table}"]').first.wait_for()
            page.screenshot(path=ARTIFACTS / "web_ui.png")
        except Exception:
            page.screenshot(path=ARTIFACTS / "web_ui_failure.png")
            raise
        finally:
            browser.close()
    phase("checks and stop")
    log = (tmp_path / "dagster_dev.log").read_text()
    assert not [line for line in log.splitlines() if any(u in line for u in UNWANTED_LOG)]
    print(f"screenshots: {ARTIFACTS}; seconds: {phases}")
