"""FK cycles and self-references end to end: graph, engine, writers on SQLite, PostgreSQL and
MariaDB (constraints enforced), validation, the CLI and Dagster."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from dagster import AssetKey, materialize
from typer.testing import CliRunner

from seed_assets.assets import build_table_assets
from seed_assets.cli import app
from seed_assets.definitions import build_definitions
from seed_assets.engine.links import link_frames
from seed_assets.engine.parents import FrameParents
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.run import generate_all, iter_plan, iter_spec
from seed_assets.engine.table import canonical_parent
from seed_assets.errors import SeedAssetsError, SpecError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.spec.graph import (
    component_of,
    deferred_fks,
    parents,
    replaced_with,
    topological_order,
)
from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets import links
from seed_assets.targets.base import Target
from seed_assets.validation.database import validate_database
from seed_assets.validation.integrity import SIGMAS
from seed_assets_tests.dbcompare import assert_same_tables, read_all
from seed_assets_tests.integrity import orphans, temporal_violations

SPECS = Path(__file__).parent / "specs"
HR = SPECS / "hr_cycle.yaml"
LEAGUE = SPECS / "league_cycle.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def hr():
    return load_spec(HR)


@pytest.fixture(scope="module")
def league():
    return load_spec(LEAGUE)


def _in_key_order(spec, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {n: canonical_parent(f, spec.tables[n]) for n, f in tables.items()}


def _null_share_ok(series: pd.Series, fraction: float) -> bool:
    n = len(series)
    sigma = (fraction * (1 - fraction) / n) ** 0.5
    return abs(series.isna().mean() - fraction) <= SIGMAS * sigma


# -- the graph -------------------------------------------------------------------------------------


def test_nullable_cycle_defers_the_nullable_fk(hr):
    assert topological_order(hr) == ["departments", "employees", "salaries", "budgets"]
    ((table, fk),) = deferred_fks(hr)
    assert (table, fk.columns) == ("departments", ["manager_id"])
    component = component_of(hr, "employees")
    assert component.tables == ("departments", "employees") and not component.together
    assert parents(hr, "departments") == []  # the deferred FK is no dependency
    assert parents(hr, "employees") == ["departments"]
    # Replacing employees keeps departments' rows and unlinks manager_id.
    replacement = replaced_with(hr, "employees")
    assert replacement.deleted == ["salaries"]
    assert [(t, f.columns) for t, f in replacement.unlinked] == [("departments", ["manager_id"])]


def test_not_null_cycle_is_one_unit(league):
    assert topological_order(league) == ["teams", "players", "goals"]
    component = component_of(league, "players")
    assert component.together and component.tables == ("teams", "players")
    ((table, fk),) = deferred_fks(league)
    assert (table, fk.columns) == ("teams", ["captain_id"])
    # players drives from teams (cardinality): only teams.captain_id can be deferred.
    assert replaced_with(league, "teams").deleted == ["players", "goals"]


def _triangle(nullable: str) -> dict:
    """a -> b -> c -> a, one edge nullable."""
    tables = {}
    for name, parent in (("a", "b"), ("b", "c"), ("c", "a")):
        tables[name] = {
            "rows": 20,
            "primary_key": "id",
            "columns": {
                "id": {"type": "integer", "sequence": True},
                "ref": {"type": "integer", "null_fraction": 0.5 if name == nullable else 0},
            },
            "foreign_keys": [{"columns": "ref", "references": f"{parent}(id)"}],
        }
    return {"name": "triangle", "seed": 1, "chunk_rows": 7, "tables": tables}


@pytest.mark.parametrize("nullable", ["a", "b", "c"])
def test_a_longer_cycle_is_broken_at_its_nullable_fk(nullable):
    spec = spec_from_dict(_triangle(nullable))
    ((table, _),) = deferred_fks(spec)
    assert table == nullable and not component_of(spec, "a").together
    order = topological_order(spec)
    assert order[0] == nullable  # generated first, its FK filled last
    tables = generate_all(spec)
    assert set(orphans(spec, tables).values()) == {0}


def test_a_cycle_that_cannot_be_generated_is_refused():
    data = _triangle("a")
    for name in ("a", "b", "c"):
        table = data["tables"][name]
        table.pop("rows")
        table["columns"]["ref"] = {"type": "integer"}
        table["foreign_keys"][0]["cardinality"] = "fixed(1)"
    with pytest.raises(SpecError, match="cannot be generated") as info:
        spec_from_dict(data)
    assert (info.value.table, info.value.column) == ("a", "ref")
    assert "a.ref -> b" in str(info.value) and "c.ref -> a" in str(info.value)


# -- the engine ------------------------------------------------------------------------------------


def test_cycles_generate_complete_intact_and_repeatable(hr, league):
    for spec in (hr, league):
        tables = generate_all(spec)
        assert set(orphans(spec, tables).values()) == {0}, spec.name
        assert set(temporal_violations(spec, tables).values()) <= {0}
        again = generate_all(spec)
        for name in tables:
            pd.testing.assert_frame_equal(tables[name], again[name])
    assert generate_all(league)["teams"]["captain_id"].notna().all()
    other = generate_all(hr, seed=hr.seed + 1)["departments"]["manager_id"]
    assert not other.equals(generate_all(hr)["departments"]["manager_id"])


def test_deferred_column_is_filled_at_its_null_fraction(hr):
    departments = generate_all(hr, scale=40)["departments"]
    assert len(departments) == 400
    assert _null_share_ok(departments["manager_id"], 0.3)
    assert departments["manager_id"].nunique() > 100  # spread over the employees


def test_link_chunks_do_not_depend_on_the_rest_of_the_table(hr):
    """Any chunk of the fill can be made alone: the first two chunks (chunk_rows 4) come out the
    same from the first eight departments as from all ten, and parent order does not matter."""
    tables = generate_all(hr)

    def links(source) -> pd.DataFrame:
        frames = list(link_frames(hr, "departments", source, seed=hr.seed))
        assert [len(f) for f in frames] == [4] * (len(frames) - 1) + [len(frames[-1])]
        return pd.concat(frames, ignore_index=True)

    full = links(FrameParents(hr, tables))
    head = {**tables, "departments": tables["departments"].iloc[:8]}
    pd.testing.assert_frame_equal(links(FrameParents(hr, head)), full.iloc[:8])
    shuffled = {n: f.sample(frac=1, random_state=4) for n, f in tables.items()}
    pd.testing.assert_frame_equal(links(FrameParents(hr, shuffled)), full)
    # Read back (frames) or made again (regenerated): the same links.
    pd.testing.assert_frame_equal(links(RegeneratedParents(hr)), full)


@pytest.mark.parametrize("name", ["hr", "league"])
def test_cycles_stream_alike_in_any_frame_size_and_hold_their_fks(name, request):
    """One streaming path: a nullable cycle's links and a NOT NULL cycle's tables come in
    chunks of 3 rows, handed out in frames of 2 or whole, with the same rows; every FK holds."""
    spec = request.getfixturevalue(name).model_copy(update={"chunk_rows": 3})
    sliced = generate_all(spec, max_rows=2)
    whole = generate_all(spec, max_rows=None)
    for table, frame in whole.items():
        pd.testing.assert_frame_equal(sliced[table], frame, obj=table)
    assert set(orphans(spec, whole).values()) == {0}
    assert set(temporal_violations(spec, whole).values()) <= {0}
    assert all(len(frame) for frame in whole.values())


def test_self_reference_is_a_forest(hr):
    employees = generate_all(hr)["employees"]
    parent_of = dict(zip(employees["emp_no"], employees["reports_to"], strict=True))
    assert employees["reports_to"].isna().any() and employees["reports_to"].notna().any()
    for start in employees["emp_no"]:
        seen, node = set(), start
        while not pd.isna(node):
            assert node not in seen
            seen.add(node)
            node = parent_of[node]


def test_iter_spec_refuses_cycles_and_iter_plan_covers_them(hr, league):
    with pytest.raises(ValueError, match="iter_plan"):
        next(iter_spec(hr))
    for spec, expected in (
        (hr, ["TableStep", "TableStep", "LinksStep", "TableStep", "TableStep"]),
        (league, ["ComponentStep", "TableStep"]),
    ):
        kinds = []
        for step in iter_plan(spec):
            kinds.append(type(step).__name__)
            list(getattr(step, "chunks", []))  # later steps read them
        assert kinds == expected


# -- the writers, on every target ------------------------------------------------------------------


def _fk_count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return len(sa.inspect(conn).get_foreign_keys(table))
    finally:
        engine.dispose()


def _orphan_counts(spec, url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                f"{name}.{fk.columns[0]}": links.orphans(conn, name, fk)[0]
                for name, table in spec.tables.items()
                for fk in table.foreign_keys
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("path", [HR, LEAGUE], ids=["nullable", "not_null"])
def test_cli_writes_cycles_to_every_target(path, any_url):
    """Same rows on SQLite, PostgreSQL and MariaDB as in memory; every FK declared and intact;
    a second run (another seed) replaces the cycle cleanly."""
    spec = load_spec(path)
    for seed in (spec.seed, spec.seed + 1):
        args = ["generate", str(path), "--target", any_url, "--seed", str(seed)]
        args += ["--if-exists", "replace"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        expected = _in_key_order(spec, generate_all(spec, seed=seed))
        assert_same_tables(read_all(spec, any_url), expected)
        assert set(_orphan_counts(spec, any_url).values()) == {0}
    for name, table in spec.tables.items():
        assert _fk_count(any_url, name) == len(table.foreign_keys), name
    status = Target.for_url(any_url)
    try:
        assert {n: e.status for n, e in status.status().items()} == dict.fromkeys(
            spec.tables, "complete"
        )
    finally:
        status.dispose()


def test_constraints_hold_the_cycle(any_url, hr):
    """The deferred FK is a real constraint: the database refuses an orphan manager."""
    result = runner.invoke(app, ["generate", str(HR), "--target", any_url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(any_url)
    if engine.dialect.name == "sqlite":
        engine = Target.for_url(any_url).engine  # FKs are enforced per connection
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text("UPDATE departments SET manager_id = 424242"))
    finally:
        engine.dispose()


def test_a_broken_not_null_cycle_is_refused_naming_table_column_and_values(any_url, league):
    """Deferred checks are still checks: an orphan captain fails the one transaction before it
    commits (MySQL/MariaDB by the explicit orphan query), and nothing is written."""
    tables = generate_all(league)
    teams = tables["teams"].copy()
    teams.loc[2, "captain_id"] = "NOBODY"
    target = Target.for_url(any_url)
    try:
        with pytest.raises(SeedAssetsError) as info:
            links.write_component(
                target,
                league,
                {"teams": [teams], "players": [tables["players"]]},
                seed=league.seed,
                scale=1.0,
            )
        text = str(info.value)
        assert "teams" in text and "captain_id" in text and "NOBODY" in text
        counts = target.row_counts(["teams", "players"])
        assert all(c in (None, 0) for c in counts.values()), counts
        # MySQL's DDL commits by itself: the tables may exist, registered empty, never complete.
        assert all(e.status == "cleared" for e in target.status().values())
    finally:
        target.dispose()


def test_postgres_writes_through_an_existing_non_deferrable_fk(pg_url, league):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE teams (team_id INTEGER PRIMARY KEY, name VARCHAR(30) NOT NULL, "
            "captain_id VARCHAR(8) NOT NULL)"
        )
        conn.exec_driver_sql(
            "CREATE TABLE players (player_id VARCHAR(8) PRIMARY KEY, team_id INTEGER NOT NULL "
            "REFERENCES teams(team_id), position VARCHAR(2) NOT NULL)"
        )
        conn.exec_driver_sql(
            "ALTER TABLE teams ADD CONSTRAINT fk_team_captain FOREIGN KEY (captain_id) "
            "REFERENCES players(player_id)"
        )
    engine.dispose()
    result = runner.invoke(app, ["generate", str(LEAGUE), "--target", pg_url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        # made deferrable for the write's transaction only: the schema keeps it as it was
        deferrable = conn.exec_driver_sql(
            "SELECT condeferrable FROM pg_constraint WHERE conname = 'fk_team_captain'"
        ).scalar()
        orphans = conn.exec_driver_sql(
            "SELECT count(*) FROM teams t LEFT JOIN players p ON p.player_id = t.captain_id "
            "WHERE p.player_id IS NULL"
        ).scalar()
        teams = conn.exec_driver_sql("SELECT count(*) FROM teams").scalar()
    engine.dispose()
    assert deferrable is False and orphans == 0 and teams > 0


# -- validation of an existing database ------------------------------------------------------------


def test_validate_counts_orphans_of_deferred_fks(tmp_path, hr):
    db = tmp_path / "hr.sqlite"
    url = f"sqlite:///{db}"
    assert runner.invoke(app, ["generate", str(HR), "--target", url]).exit_code == 0
    report = validate_database(hr, url)
    assert report["approved"], report["failures"]
    assert "departments_links" in report["tables"]
    with sqlite3.connect(db) as conn:  # FK enforcement is off on this plain connection
        conn.execute("UPDATE departments SET manager_id = 424242 WHERE dept_no = 'd003'")
    report = validate_database(hr, url)
    assert not report["approved"]
    checks = {c["name"]: c for c in report["tables"]["departments_links"]["checks"]}
    orphan = checks["departments_links_orphan_fks"]
    assert orphan["status"] == "FAIL" and orphan["counts"]["orphans: fk_dept_manager"] == 1


# -- Dagster ---------------------------------------------------------------------------------------


def _resources(url: str) -> dict:
    return {"target": TargetResource(url=url), "generation": GenerationResource()}


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_asset_graph_has_no_cycle_and_mirrors_non_deferred_edges(hr, league):
    graph = build_definitions([hr, league.model_copy(update={"asset_prefix": "lg"})])
    asset_graph = graph.resolve_asset_graph()
    deps = {
        key.to_user_string(): {p.to_user_string() for p in asset_graph.get(key).parent_keys}
        for key in asset_graph.get_all_asset_keys()
    }
    assert deps["departments"] == set()
    assert deps["employees"] == {"departments"}
    assert deps["departments_links"] == {"departments", "employees"}
    assert deps["budgets"] == {"departments", "departments_links"}
    assert deps["salaries"] == {"employees"}
    assert deps["lg/teams"] == deps["lg/players"] == set()
    assert deps["lg/goals"] == {"lg/players"}
    # No cycle: repeatedly remove assets whose deps are all removed.
    left = dict(deps)
    while left:
        ready = [k for k, d in left.items() if not d & set(left)]
        assert ready, f"the asset graph has a cycle among {sorted(left)}"
        for key in ready:
            del left[key]
    (cycle_def,) = [a for a in build_table_assets(league) if len(a.keys) == 2]
    assert cycle_def.keys == {AssetKey("teams"), AssetKey("players")}


def test_materialize_cycles_writes_what_the_cli_writes(tmp_path, hr, league):
    for spec in (hr, league):
        url = f"sqlite:///{tmp_path / f'{spec.name}.sqlite'}"
        result = materialize(build_table_assets(spec), resources=_resources(url))
        assert result.success
        expected = {*spec.tables, *(["departments_links"] if spec is hr else [])}
        assert _materialized(result) == expected
        evaluations = result.get_asset_check_evaluations()
        assert evaluations and all(e.passed for e in evaluations)
        assert_same_tables(read_all(spec, url), _in_key_order(spec, generate_all(spec)))
        report = json.loads((tmp_path / f"{spec.name}.report.json").read_text())
        assert report["approved"], report["failures"]


def test_failing_links_check_leaves_downstream_unmaterialised(tmp_path, hr):
    def orphan_managers(name, frame):
        if name == "departments_links":  # each chunk of links, as it streams
            frame = frame.copy()
            frame.loc[frame.index[:2], "manager_id"] = 999_999
        return frame

    url = f"sqlite:///{tmp_path / 'hr.sqlite'}"
    assets = build_table_assets(hr, frame_hook=orphan_managers)
    result = materialize(assets, resources=_resources(url), raise_on_error=False)
    assert not result.success
    done = _materialized(result)
    assert {"departments", "employees", "salaries"} <= done
    assert not done & {"departments_links", "budgets"}
    failed = [e.asset_check_key.name for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == ["departments_links_orphan_fks"]
    with sqlite3.connect(tmp_path / "hr.sqlite") as conn:
        assert conn.execute("SELECT COUNT(manager_id) FROM departments").fetchone() == (0,)
        status = dict(conn.execute("SELECT table_name, status FROM seed_assets_tables"))
        assert status["departments"] == "linking"
        assert "budgets" not in status
    report = json.loads((tmp_path / "hr.report.json").read_text())
    assert not report["approved"]
    assert any("departments_links_orphan_fks" in f for f in report["failures"])


def test_budgets_refuse_departments_waiting_for_links(tmp_path, hr):
    """Run alone, a reader outside the cycle refuses a table whose links have not run."""
    url = f"sqlite:///{tmp_path / 'hr.sqlite'}"
    assets = build_table_assets(hr)
    materialize(assets, selection=["departments", "employees"], resources=_resources(url))
    result = materialize(
        assets, selection=["budgets"], resources=_resources(url), raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "materialise departments_links first" in str(failure.event_specific_data.error)
    with sqlite3.connect(tmp_path / "hr.sqlite") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "budgets" not in tables


def test_check_lists_cycles_and_their_deferred_fks():
    result = runner.invoke(app, ["check", str(HR)])
    assert result.exit_code == 0, result.output
    assert "departments.manager_id -> employees deferred" in result.output
    assert "links step" in result.output
    result = runner.invoke(app, ["check", str(LEAGUE)])
    assert "teams.captain_id -> players deferred" in result.output
    assert "one transaction" in result.output
