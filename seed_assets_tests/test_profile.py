"""`seed-assets profile` and `compare` on a real database (Chinook): the written spec copies no
real free text, the profiled spec generates data that keeps every key and the real data's date
rules, and the fidelity score beats the reflected spec's by a wide margin."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.reports.fidelity import read_tables
from seed_assets.reports.fidelity_run import compare
from seed_assets.sources.files import load_spec
from seed_assets_tests.real_datasets import chinook_mysql, chinook_postgres, chinook_sqlite

runner = CliRunner()
# Issue 15's goal at scale 1, the default K = 5: measured 0.858 (SQLite), 0.869 (PostgreSQL) and
# 0.857 (MariaDB); a reflected spec scores 0.25. A test of quality, not of time.
QUALITY_GOAL = 0.85
QUALITY_FLOOR = 0.80  # through Dagster (its own seed and run)


@pytest.fixture(scope="module")
def chinook(tmp_path_factory) -> str:
    return chinook_sqlite(tmp_path_factory.mktemp("chinook") / "chinook.db")


def _profile_and_generate(url: str, tmp_path, *extra: str) -> tuple[str, str]:
    spec_path = tmp_path / "profiled.yaml"
    result = runner.invoke(app, ["profile", url, "--out", str(spec_path), *extra])
    assert result.exit_code == 0, result.output
    synth = f"sqlite:///{tmp_path / 'synthetic.db'}"
    result = runner.invoke(app, ["generate", str(spec_path), "--target", synth])
    assert result.exit_code == 0, result.output
    return spec_path.read_text(encoding="utf-8"), synth


def _free_text_values(url: str) -> set[str]:
    """Real values of the columns the yardstick calls free text (names, addresses, titles),
    except those that are also a repeating category of another column ('Dublin' is a city, free
    text among 53 cities, and a state label seen 28 times)."""
    schema, frames = read_tables(url)
    values, labels = set(), set()
    for table, columns in schema.free_text.items():
        for column in columns:
            found = frames[table][column].dropna().astype(str)
            values |= {v for v in found if len(v) >= 5}
        for column, kind in schema.columns[table].items():
            if kind == "categorical":
                counts = frames[table][column].dropna().astype(str).value_counts()
                labels |= set(counts[counts >= 5].index)
    return values - labels


def test_profile_copies_no_free_text_and_keeps_rules(chinook, tmp_path):
    text, synth = _profile_and_generate(chinook, tmp_path)
    leaked = [v for v in _free_text_values(chinook) if v in text]
    assert leaked == []
    spec = load_spec(tmp_path / "profiled.yaml")
    # Measured, not guessed: root tables keep their row counts, children their histograms.
    assert spec.tables["Artist"].rows == 275
    assert spec.tables["Invoice"].driving_fk.cardinality.kind == "empirical"
    # Hired (2002-2004) always after born (1947-1973): the ranges alone keep the rule.
    hired, born = (spec.tables["Employee"].columns[c].between for c in ("HireDate", "BirthDate"))
    assert hired[0] >= born[1]
    report = compare(chinook, synth)
    assert report["rules"] and all(r["broken"] == 0 for r in report["rules"])
    engine = sa.create_engine(synth)
    with engine.connect() as conn:
        lines = pd.read_sql("SELECT InvoiceId FROM InvoiceLine", conn)
        invoices = pd.read_sql("SELECT InvoiceId FROM Invoice", conn)
    engine.dispose()
    assert lines["InvoiceId"].isin(invoices["InvoiceId"]).all()
    assert report["quality"]["quality"] >= QUALITY_GOAL
    assert report["quality"]["properties"]["Cardinality"] >= 0.85
    # Dependencies learned: a line's price is its track's, a state depends on the country.
    line_price = spec.tables["InvoiceLine"].columns["UnitPrice"].copy_of
    assert line_price.column == "Track.UnitPrice" and line_price.probability == 1.0
    assert spec.tables["Invoice"].columns["BillingState"].when.column == "BillingCountry"


def test_rare_labels_are_left_out_unless_public(chinook, tmp_path):
    """Labels seen < K times: a city of three employees is left out; rare countries (a public
    vocabulary) are kept, all with one share, so no small count is written."""
    spec_path = tmp_path / "k.yaml"
    assert runner.invoke(app, ["profile", chinook, "--out", str(spec_path)]).exit_code == 0
    spec = load_spec(spec_path)
    country = spec.tables["Customer"].columns["Country"].choice
    engine = sa.create_engine(chinook)
    with engine.connect() as conn:
        counts = pd.read_sql("SELECT Country, COUNT(*) n FROM Customer GROUP BY Country", conn)
        cities = pd.read_sql("SELECT City, COUNT(*) n FROM Employee GROUP BY City", conn)
    engine.dispose()
    seen = dict(zip(counts["Country"], counts["n"], strict=True))
    assert set(country.values) == set(seen)
    rare = {p for v, p in zip(country.values, country.probabilities, strict=True) if seen[v] < 5}
    assert len(rare) == 1  # one even share for every rare country
    city = dict(zip(cities["City"], cities["n"], strict=True))
    kept = spec.tables["Employee"].columns["City"].choice.values
    assert kept and all(city[c] >= 5 for c in kept) and len(kept) < len(city)


def test_compare_scores_itself_perfectly(chinook, tmp_path):
    out = tmp_path / "fidelity.html"
    result = runner.invoke(app, ["compare", chinook, chinook, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "quality=1.000" in result.output
    assert "Fidelity report" in out.read_text(encoding="utf-8")


def test_compare_missing_database_is_a_clear_error(chinook, tmp_path):
    missing = tmp_path / "missing.db"
    result = runner.invoke(app, ["compare", chinook, f"sqlite:///{missing}"])
    assert result.exit_code == 2
    assert str(missing) in result.output and "does not exist" in result.output
    assert not missing.exists()


def test_profile_bad_table_is_a_clear_error(chinook, tmp_path):
    out = tmp_path / "x.yaml"
    result = runner.invoke(app, ["profile", chinook, "--tables", "Nope", "--out", str(out)])
    assert result.exit_code == 2
    assert "Nope" in result.output
    assert not out.exists()


def test_profile_postgres_copy(pg_url, tmp_path):
    url = chinook_postgres(pg_url)
    text, synth = _profile_and_generate(url, tmp_path)
    assert [v for v in _free_text_values(url) if v in text] == []
    report = compare(url, synth)
    assert report["quality"]["quality"] >= QUALITY_GOAL
    assert all(r["broken"] == 0 for r in report["rules"])


def test_profile_mariadb_copy(mysql_url, tmp_path):
    url = chinook_mysql(mysql_url)
    text, synth = _profile_and_generate(url, tmp_path)
    assert [v for v in _free_text_values(url) if v in text] == []
    report = compare(url, synth)
    assert report["quality"]["quality"] >= QUALITY_GOAL
    assert report["rules"] and all(r["broken"] == 0 for r in report["rules"])


def test_dagster_fidelity_asset(chinook, tmp_path, monkeypatch):
    """A profiled spec gets a `<spec>_fidelity` asset: it runs after every table, scores the
    generated data against the source and writes the HTML report."""
    from dagster import materialize

    from seed_assets.assets import build_table_assets
    from seed_assets.assets.fidelity import build_fidelity_assets
    from seed_assets.definitions import build_definitions
    from seed_assets.resources.generation import GenerationResource
    from seed_assets.resources.target import TargetResource

    spec_path = tmp_path / "chinook.yaml"
    assert runner.invoke(app, ["profile", chinook, "--out", str(spec_path)]).exit_code == 0
    spec = load_spec(spec_path)
    assert spec.profile_source == chinook
    defs = build_definitions([spec])
    assert defs.resolve_asset_graph().has(build_fidelity_assets(spec)[0].key)
    monkeypatch.chdir(tmp_path)
    synth = f"sqlite:///{tmp_path / 'synthetic.db'}"
    result = materialize(
        [*build_table_assets(spec), *build_fidelity_assets(spec)],
        resources={"target": TargetResource(url=synth), "generation": GenerationResource()},
    )
    assert result.success
    events = {e.asset_key.to_user_string(): e for e in result.get_asset_materialization_events()}
    metadata = events["chinook_fidelity"].materialization.metadata
    assert metadata["quality"].value >= QUALITY_FLOOR
    assert metadata["date rules broken"].value == 0
    assert (tmp_path / "data" / "chinook_fidelity.html").exists()


def test_denormalised_keys_become_copies(tmp_path):
    """A source whose transactions.customer_id is always its account's customer (made from the
    bank_parts spec): the profile makes that FK a copy (`via`), so every date rule of the
    source (a transaction after its customer registered) holds in the profiled data."""
    from pathlib import Path

    source = f"sqlite:///{tmp_path / 'source.db'}"
    spec_file = Path(__file__).parent / "specs" / "bank_parts.yaml"
    assert runner.invoke(app, ["generate", str(spec_file), "--target", source]).exit_code == 0
    _, synth = _profile_and_generate(source, tmp_path)
    spec = load_spec(tmp_path / "profiled.yaml")
    fk = next(f for f in spec.tables["transactions"].foreign_keys if f.columns == ["customer_id"])
    assert fk.via == "account_id"
    report = compare(source, synth)
    assert len(report["rules"]) >= 4
    assert all(r["broken"] == 0 for r in report["rules"]), report["rules"]


EVENTS = """\
name: events
tables:
  payments:
    rows: 5000
    primary_key: id
    columns:
      id: {type: integer, sequence: true}
      channel: {type: string, choice: {web: 0.6, store: 0.3, phone: 0.1}}
      is_fraud:
        type: boolean
        rate: 0.05
        when:
          column: channel
          cases: {web: {rate: 0.01}, store: {rate: 0.02}, phone: {rate: 0.35}}
"""


def test_rare_event_rate_keeps_its_driver(tmp_path):
    """Fraud is 35x likelier by phone than on the web in the source: the profile writes the
    rate per channel, and the regenerated data keeps it."""
    spec_file = tmp_path / "events.yaml"
    spec_file.write_text(EVENTS, encoding="utf-8")
    source = f"sqlite:///{tmp_path / 'source.db'}"
    assert runner.invoke(app, ["generate", str(spec_file), "--target", source]).exit_code == 0
    _, synth = _profile_and_generate(source, tmp_path)
    fraud = load_spec(tmp_path / "profiled.yaml").tables["payments"].columns["is_fraud"]
    assert fraud.when.column == "channel"
    assert fraud.when.cases["phone"].rate > 10 * fraud.when.cases["web"].rate
    engine = sa.create_engine(synth)
    with engine.connect() as conn:
        rates = dict(
            conn.exec_driver_sql(
                "SELECT channel, AVG(is_fraud) FROM payments GROUP BY channel"
            ).fetchall()
        )
    engine.dispose()
    assert rates["phone"] > 0.2 and rates["web"] < 0.05


CORRELATED = """\
name: correlated
tables:
  loans:
    rows: 3000
    primary_key: id
    columns:
      id: {type: integer, sequence: true}
      income: {type: float, distribution: "lognormal(10, 0.5)", round: 2}
      amount: {type: float, distribution: "lognormal(9, 0.7)", round: 2}
      term: {type: integer, distribution: "uniform(6, 60)"}
    correlations:
      - {columns: [income, amount], rank: 0.7}
"""


def test_numbers_related_by_rank_become_correlations(tmp_path):
    """Two numbers whose ranks move together (a copula in the source) come back as a
    `correlations` entry near the measured rank; an unrelated one stays out."""
    spec_file = tmp_path / "correlated.yaml"
    spec_file.write_text(CORRELATED, encoding="utf-8")
    source = f"sqlite:///{tmp_path / 'source.db'}"
    assert runner.invoke(app, ["generate", str(spec_file), "--target", source]).exit_code == 0
    _, synth = _profile_and_generate(source, tmp_path)
    pairs = load_spec(tmp_path / "profiled.yaml").tables["loans"].correlations
    assert [sorted(p.columns) for p in pairs] == [["amount", "income"]]
    assert abs(pairs[0].rank - 0.7) < 0.05
    engine = sa.create_engine(synth)
    with engine.connect() as conn:
        frame = pd.read_sql("SELECT income, amount FROM loans", conn)
    engine.dispose()
    assert abs(frame.rank().corr().iloc[0, 1] - 0.7) < 0.06
