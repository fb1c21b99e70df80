"""Columns that depend on each other: the expression language (pure functions), the spec's
errors, and generation through the engine with the `relations` check on the result."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from seed_assets.engine.expressions import evaluate
from seed_assets.engine.relations import calibrated_intercept
from seed_assets.engine.run import generate_all
from seed_assets.errors import SpecError
from seed_assets.sources.files import load_spec
from seed_assets.spec.expressions import parse
from seed_assets.spec.loader import spec_from_dict
from seed_assets.validation.frames import check_table
from seed_assets.validation.relations import binned_auc, weighted_intercept

# -- the expression language --------------------------------------------------------------------

ROWS = {
    "a": np.array([1.0, 2.0, 4.0]),
    "b": np.array([3, 0, 5]),
    "kind": np.array(["x", "y", "x"], dtype=object),
    "at": np.array(["2026-01-05T23:30:00", "2026-01-10T06:00:00", "2026-01-11T12:00:00"], "M8[s]"),
    "since": np.array(["2026-01-01", "2026-01-09", "2026-01-11"], "M8[D]"),
    "accounts.usual": np.array([10.0, 20.0, 40.0]),
}


def run(text: str, rng=None) -> list:
    return evaluate(parse(text), ROWS.__getitem__, 3, rng).tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a * b", [3.0, 0.0, 20.0]),
        ("round(a / 3, 2)", [0.33, 0.67, 1.33]),
        ("a / accounts.usual", [0.1, 0.1, 0.1]),
        ("where(kind == 'x', a, -a)", [1.0, -2.0, 4.0]),
        ("a if b > 1 else 0", [1.0, 0.0, 4.0]),
        ("kind in ['y', 'z']", [False, True, False]),
        ("b > 1 and a < 3", [True, False, False]),
        ("not (b > 1)", [False, True, False]),
        ("min(a, b)", [1.0, 0.0, 4.0]),
        ("clip(a, 1.5, 3)", [1.5, 2.0, 3.0]),
        ("hour(at)", [23, 6, 12]),
        ("weekday(at)", [0, 5, 6]),  # 2026-01-05 was a Monday
        ("days(at - since)", [4 + 23.5 / 24, 1.25, 0.5]),
        ("concat(kind, '-', b)", ["x-3", "y-0", "x-5"]),
        ("kind + '!'", ["x!", "y!", "x!"]),
        ("month(since) * 100 + year(since) - 2026", [100, 100, 100]),
        ("at < date('2026-01-10')", [True, False, False]),
        ("log(exp(a))", [1.0, 2.0, 4.0]),
        ("2 ** b", [8.0, 1.0, 32.0]),
    ],
)
def test_expressions_evaluate_over_whole_columns(text, expected):
    got = run(text)
    if isinstance(expected[0], float):
        assert got == pytest.approx(expected)
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os')", "unknown function"),
        ("a.b.c", "only `column` or `table.column`"),
        ("a[0]", "not allowed"),
        ("(lambda: 1)()", "unknown function"),
        ("a < b < 3", "one comparison at a time"),
        ("round(a, digits=2)", "positional only"),
        ("log(a, 2)", "log takes 1 to 1 arguments"),
        ("kind in kinds", "`in` takes a list of constants"),
        ("date(kind)", "date() takes a text constant"),
        ("a +", "cannot read expression"),
        ("log", "is a function; call it"),
        ("", "empty"),
    ],
)
def test_the_parser_refuses_what_it_does_not_allow(text, fragment):
    with pytest.raises(ValueError, match=None) as info:
        parse(text)
    assert fragment in str(info.value)


def test_random_draws_come_from_the_stream_given():
    first = run("a * lognormal(0, 1)", np.random.default_rng(7))
    again = run("a * lognormal(0, 1)", np.random.default_rng(7))
    assert first == again and first != run("a * lognormal(0, 1)", np.random.default_rng(8))
    assert parse("a * lognormal(0, 1)").random and not parse("a * 2").random


@given(
    st.lists(st.floats(-8, 8, allow_nan=False), min_size=1, max_size=400),
    st.floats(0.001, 0.5),
)
@settings(max_examples=60, deadline=None)
def test_the_calibrated_intercept_keeps_the_rate(scores, rate):
    score = np.asarray(scores)
    b = calibrated_intercept(score, rate)
    assert np.mean(1 / (1 + np.exp(-(b + score)))) == pytest.approx(rate, rel=1e-6)


@given(st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=2, max_size=200))
@settings(max_examples=60, deadline=None)
def test_the_binned_auc_equals_the_rank_auc(pairs):
    from sklearn.metrics import roc_auc_score

    scores = np.array([s for s, _ in pairs])
    labels = np.array([y for _, y in pairs])
    if labels.all() or not labels.any():
        return
    rows = np.bincount(scores, minlength=51)
    events = np.bincount(scores, weights=labels, minlength=51).astype(np.int64)
    assert binned_auc(rows, events) == pytest.approx(roc_auc_score(labels, scores))


# -- specs --------------------------------------------------------------------------------------

HOSPITAL = {
    "name": "hospital",
    "seed": 5,
    "chunk_rows": 400,
    "tables": {
        "patients": {
            "rows": 1500,
            "primary_key": "patient_id",
            "columns": {
                "patient_id": {"type": "integer", "sequence": True},
                "ward": {"type": "string", "choice": {"icu": 0.2, "general": 0.8}},
                "risk": {"type": "float", "distribution": "normal(0, 1)"},
                "admitted_at": {
                    "type": "timestamp",
                    "between": ["2025-01-01T00:00:00", "2025-12-31T00:00:00"],
                    "hours": [1] * 8 + [4] * 12 + [2] * 4,
                    "weekdays": [5, 5, 5, 5, 5, 1, 1],
                },
                # An optional end: still admitted (NULL) for 10% of patients.
                "discharged_at": {
                    "type": "timestamp",
                    "after": "admitted_at",
                    "gap": "exponential(6)",
                    "null_fraction": 0.1,
                },
                "stay_days": {
                    "type": "float",
                    "expr": "round(days(discharged_at - admitted_at), 3)",
                    "nullable": True,
                },
                "deceased": {
                    "type": "boolean",
                    "rate": 0.05,
                    "logit": "1.5 * risk + 1.2 * (ward == 'icu')",
                },
                "label": {"type": "string", "expr": "concat(ward, '-', patient_id)"},
                "labs": {
                    "type": "integer",
                    "aggregate": {"table": "lab_results", "function": "count"},
                },
                "first_lab": {
                    "type": "timestamp",
                    "aggregate": {
                        "table": "lab_results",
                        "function": "min",
                        "expr": "collected_at",
                    },
                },
                "mean_value": {
                    "type": "float",
                    "aggregate": {"table": "lab_results", "function": "mean", "expr": "value"},
                    "nullable": True,
                },
            },
        },
        "lab_results": {
            "primary_key": "lab_id",
            "columns": {
                "lab_id": {"type": "integer", "sequence": True},
                "patient_id": {"type": "integer"},
                # admitted <= collected <= discharged, across the FK.
                "collected_at": {
                    "type": "timestamp",
                    "after": "patients.admitted_at",
                    "before": "patients.discharged_at",
                    "until": "2026-01-31T00:00:00",
                },
                "reported_at": {
                    "type": "timestamp",
                    "after": "collected_at",
                    "gap": "exponential(0.5)",
                },
                "value": {
                    "type": "float",
                    "distribution": "normal(5, 1)",
                    "when": {
                        "column": "patients.ward",
                        "cases": {"icu": {"distribution": "normal(8, 1)", "null_fraction": 0.3}},
                    },
                },
                "ward": {"type": "string", "copy_of": "patients.ward"},
                "flagged": {
                    "type": "boolean",
                    "rate": 0.1,
                    "when": {"column": "ward", "cases": {"icu": {"rate": 0.4}}},
                },
                "risk_copy": {
                    "type": "float",
                    "distribution": "normal(0, 1)",
                    "copy_of": {"column": "patients.risk", "probability": 0.7},
                },
            },
            "foreign_keys": [
                {
                    "columns": "patient_id",
                    "references": "patients(patient_id)",
                    "cardinality": "poisson(6, min=1)",
                }
            ],
        },
    },
}


@pytest.fixture(scope="module")
def hospital():
    spec = spec_from_dict(copy.deepcopy(HOSPITAL))
    return spec, generate_all(spec)


def test_two_sided_windows_hold_across_the_fk_and_within_the_row(hospital):
    _, tables = hospital
    labs = tables["lab_results"].merge(tables["patients"], on="patient_id")
    assert (labs.collected_at >= labs.admitted_at).all()
    closed = labs.discharged_at.notna()
    assert (labs.collected_at[closed] <= labs.discharged_at[closed]).all()
    assert (labs.collected_at <= pd.Timestamp("2026-01-31")).all()
    assert (labs.reported_at >= labs.collected_at).all()
    # The optional end: absent for about 10% of patients, their labs bounded by `until` only.
    share = tables["patients"].discharged_at.isna().mean()
    assert 0.07 < share < 0.13
    assert (labs.collected_at[~closed] > labs.admitted_at[~closed]).mean() > 0.9


def test_time_of_day_and_weekday_patterns(hospital):
    _, tables = hospital
    admitted = tables["patients"].admitted_at
    night = (admitted.dt.hour < 8).mean()  # weight 8 of 64
    assert 0.09 < night < 0.16
    weekend = (admitted.dt.day_of_week >= 5).mean()  # weight 2 of 27
    assert 0.05 < weekend < 0.10


def test_derived_conditional_copied_and_event_columns(hospital):
    _, tables = hospital
    patients, labs = tables["patients"], tables["lab_results"]
    stay = (patients.discharged_at - patients.admitted_at).dt.total_seconds() / 86400
    assert np.allclose(patients.stay_days.dropna(), stay.dropna().round(3))
    assert (patients.label == patients.ward + "-" + patients.patient_id.astype(str)).all()
    joined = labs.merge(patients[["patient_id", "ward", "risk"]], on="patient_id")
    assert (joined.ward_x == joined.ward_y).all()
    icu = joined.ward_x == "icu"
    assert joined.value[icu].mean() > joined.value[~icu].mean() + 2.5
    assert 0.2 < joined.value[icu].isna().mean() < 0.4 and joined.value[~icu].notna().all()
    assert 0.3 < joined.flagged[icu].mean() < 0.5 and 0.05 < joined.flagged[~icu].mean() < 0.15
    copied = (joined.risk_copy == joined.risk).mean()
    assert 0.65 < copied < 0.75
    # The event follows its features, at its overall rate.
    assert 0.035 < patients.deceased.mean() < 0.065
    high = patients.risk > 1
    assert patients.deceased[high].mean() > 3 * patients.deceased[~high].mean()


def test_counts_first_dates_and_means_of_children(hospital):
    _, tables = hospital
    labs = tables["lab_results"].groupby("patient_id")
    patients = tables["patients"].set_index("patient_id")
    assert (patients["labs"] == labs.size().reindex(patients.index)).all()
    assert (patients.first_lab == labs.collected_at.min().reindex(patients.index)).all()
    means = labs.value.mean().reindex(patients.index)  # nulls left out, as in SQL
    assert np.allclose(patients.mean_value, means, equal_nan=True)


def test_the_relations_check_passes_and_catches_broken_rows(hospital):
    spec, tables = hospital
    for name in spec.tables:
        results = {r.rule: r for r in check_table(spec, name, tables[name], tables)}
        assert results["relations"].status == "PASS", results["relations"].failures()
        assert all(r.passed for r in results.values()), [r.failures() for r in results.values()]
    broken = tables["lab_results"].copy()
    broken.loc[:99, "collected_at"] = pd.Timestamp("2030-01-01")  # after every discharge
    broken.loc[:, "ward"] = "general"
    result = next(
        r for r in check_table(spec, "lab_results", broken, tables) if r.rule == "relations"
    )
    failing = {m.subject for m in result.measurements if not m.passed}
    assert "ward = patients.ward: copies" in failing
    assert "collected_at <= patients.discharged_at: violations" in failing
    derived = tables["patients"].copy()
    derived.loc[3, "label"] = "wrong"
    result = next(
        r for r in check_table(spec, "patients", derived, tables) if r.rule == "relations"
    )
    assert [m.value for m in result.measurements if "label" in m.subject] == [1]


def test_generation_is_the_same_chunk_by_chunk_and_streamed(hospital):
    spec, tables = hospital
    again = generate_all(spec)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name])


@pytest.mark.parametrize(
    ("table", "column", "change", "fragment"),
    [
        ("patients", "stay_days", {"expr": "days(discharged_at - nowhere)"}, "`nowhere`"),
        ("patients", "stay_days", {"expr": "open('x')"}, "unknown function"),
        ("patients", "deceased", {"rate": None}, "add the overall `rate`"),
        ("lab_results", "value", {"when": {"column": "ghosts.ward", "cases": {"a": {}}}}, "ghosts"),
        (
            "lab_results",
            "value",
            {"when": {"column": "ward", "cases": {"icu": {"rate": 0.2}}}},
            "changes `rate`",
        ),
        ("lab_results", "ward", {"copy_of": "patients.nothing"}, "does not have"),
        ("lab_results", "collected_at", {"before": "value"}, "points at a float column"),
        ("patients", "admitted_at", {"hours": [1, 2]}, "takes 24 weights"),
        ("patients", "label", {"expr": "concat(label2)"}, "label2"),
    ],
)
def test_mistakes_name_the_table_column_and_what_to_change(table, column, change, fragment):
    data = copy.deepcopy(HOSPITAL)
    spec_column = data["tables"][table]["columns"][column]
    for key, value in change.items():
        if value is None:
            spec_column.pop(key, None)
        else:
            spec_column[key] = value
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, source="hospital.yaml")
    message = str(info.value)
    assert f"table '{table}'" in message and f"column '{column}'" in message
    assert fragment in message, message


def test_derived_columns_that_read_each_other_in_a_loop_are_refused():
    data = copy.deepcopy(HOSPITAL)
    columns = data["tables"]["patients"]["columns"]
    columns["x"] = {"type": "float", "expr": "y + 1"}
    columns["y"] = {"type": "float", "expr": "x + 1"}
    with pytest.raises(SpecError, match="loop"):
        spec_from_dict(data)


# -- aggregates of children ---------------------------------------------------------------------

SHOP = Path(__file__).parents[1] / "seed_assets" / "examples" / "shop.yaml"


def _children_agree(orders: pd.DataFrame, items: pd.DataFrame) -> None:
    items = items.assign(line_total=items.line_total.astype(float))
    sums = items.groupby("order_id").line_total.sum().reindex(orders.order_id).fillna(0)
    counts = items.groupby("order_id").size().reindex(orders.order_id).fillna(0)
    assert np.allclose(orders.total.astype(float).to_numpy(), sums.to_numpy(), atol=1e-6)
    assert (orders["items"].astype(int).to_numpy() == counts.to_numpy()).all()
    prices = items.unit_price.astype(float) * items.quantity
    assert np.allclose(items.line_total, prices.round(2), atol=1e-6)


def test_order_totals_equal_their_lines_in_memory_and_chunk_by_chunk():
    spec = load_spec(SHOP)
    tables = generate_all(spec)
    _children_agree(tables["orders"], tables["order_items"])
    small = spec.model_copy(update={"chunk_rows": 97})  # chunks that cut across customers
    again = generate_all(small)
    _children_agree(again["orders"], again["order_items"])


@pytest.mark.parametrize("kind", ["script", "parquet"])
def test_order_totals_hold_in_a_literal_sql_script_and_in_parquet(kind, tmp_path):
    from typer.testing import CliRunner

    from seed_assets.cli import app

    runner = CliRunner()
    if kind == "script":
        script = tmp_path / "shop.sql"
        result = runner.invoke(app, ["sql", str(SHOP), "--dialect", "sqlite", "--out", str(script)])
        assert result.exit_code == 0, result.output
        with sqlite3.connect(tmp_path / "shop.sqlite") as db:
            db.executescript(script.read_text())
            orders = pd.read_sql_query("SELECT * FROM orders", db)
            items = pd.read_sql_query("SELECT * FROM order_items", db)
    else:
        url = f"parquet://{tmp_path / 'pq'}"
        result = runner.invoke(app, ["generate", str(SHOP), "--target", url, "--validate"])
        assert result.exit_code == 0, result.output
        folder = next((tmp_path / "pq").rglob("orders.parquet")).parent
        orders = pd.read_parquet(folder / "orders.parquet")
        items = pd.read_parquet(folder / "order_items.parquet")
    _children_agree(orders, items)


def test_the_aggregate_check_catches_a_wrong_total():
    spec = load_spec(SHOP)
    tables = generate_all(spec)
    orders = tables["orders"].copy()
    orders.loc[5, "total"] = float(orders.loc[5, "total"]) + 1
    tables = {**tables, "orders": orders}
    result = next(
        r
        for r in check_table(spec, "order_items", tables["order_items"], tables)
        if r.rule == "relations"
    )
    figures = {m.subject: m.value for m in result.measurements}
    assert figures["orders.total = sum(line_total): differing"] == 1
    assert figures["orders.items = count(rows): differing"] == 0
    assert result.samples and result.samples[0]["parent_row"] == 5


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"table": "nowhere", "function": "sum", "expr": "x"}, "no table 'nowhere'"),
        ({"table": "refunds", "function": "sum"}, "needs an `expr`"),
        ({"table": "customers", "function": "sum", "expr": "x"}, "not driven by orders"),
        ({"table": "order_items", "function": "count"}, "integer, not decimal"),
        ({"table": "order_items", "function": "sum", "expr": "ghost"}, "no column 'ghost'"),
        ({"table": "order_items", "function": "sum", "expr": "normal(0, 1)"}, "random"),
    ],
)
def test_aggregate_mistakes_are_named(change, fragment):
    data = yaml.safe_load(SHOP.read_text())
    data["tables"]["orders"]["columns"]["total"]["aggregate"] = change
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, source="shop.yaml")
    assert "table 'orders'" in str(info.value) and "column 'total'" in str(info.value)
    assert fragment in str(info.value), str(info.value)


# -- correlations (Gaussian copula) -------------------------------------------------------------

COPULA = {
    "name": "copula",
    "seed": 11,
    "chunk_rows": 5000,
    "tables": {
        "people": {
            "rows": 20000,
            "columns": {
                "income": {"type": "float", "distribution": "lognormal(10, 0.7)"},
                "score": {"type": "integer", "distribution": "normal(650, 80)", "min": 300},
                "age": {"type": "integer", "distribution": "uniform(18, 90)"},
                "joined": {"type": "date", "between": ["2010-01-01", "2025-12-31"]},
            },
            "correlations": [
                {"columns": ["income", "score"], "rank": 0.6},
                {"columns": ["income", "age"], "rank": 0.3},
                {"columns": ["age", "joined"], "rank": -0.5},
            ],
        }
    },
}


@pytest.mark.parametrize("rank", [-0.8, 0.0, 0.45, 0.9])
def test_reordering_keeps_the_values_and_reaches_the_rank(rank):
    from scipy.stats import spearmanr

    from seed_assets.engine.copula import reorder
    from seed_assets.spec.correlations import pearson_of

    rng = np.random.default_rng(3)
    values = rng.lognormal(0, 1, 50_000)
    normal = rng.multivariate_normal([0, 0], [[1, pearson_of(rank)], [pearson_of(rank), 1]], 50_000)
    moved = reorder(values, normal[:, 0])
    assert np.array_equal(np.sort(moved), np.sort(values))
    assert spearmanr(moved, normal[:, 1]).statistic == pytest.approx(rank, abs=0.02)


def test_correlated_columns_keep_their_distributions():
    from scipy.stats import spearmanr

    spec = spec_from_dict(copy.deepcopy(COPULA))
    plain = copy.deepcopy(COPULA)
    del plain["tables"]["people"]["correlations"]
    people = generate_all(spec)["people"]
    alone = generate_all(spec_from_dict(plain))["people"]
    for name in ("income", "score", "age", "joined"):  # the very same values, other rows
        assert np.array_equal(np.sort(people[name].to_numpy()), np.sort(alone[name].to_numpy()))
    assert spearmanr(people.income, people.score).statistic == pytest.approx(0.6, abs=0.03)
    assert spearmanr(people.income, people.age).statistic == pytest.approx(0.3, abs=0.03)
    joined = people.joined.astype("int64")
    assert spearmanr(people.age, joined).statistic == pytest.approx(-0.5, abs=0.03)
    assert abs(spearmanr(alone.income, alone.score).statistic) < 0.03
    # A subset of columns is drawn with its partners: the same values as the whole.
    from seed_assets.engine.table import TableGenerator

    generator = TableGenerator(spec, "people")
    part = generator.chunk_frame(generator.chunks[1], columns=["score"])
    pd.testing.assert_series_equal(part.score, people.score.iloc[5000:10000].reset_index(drop=True))


def test_the_correlation_check_passes_and_fails():
    spec = spec_from_dict(copy.deepcopy(COPULA))
    people = generate_all(spec)["people"]
    result = next(r for r in check_table(spec, "people", people, {}) if r.rule == "relations")
    assert result.passed and len(result.measurements) == 3
    shuffled = people.assign(score=people.score.sample(frac=1, random_state=1).to_numpy())
    result = next(r for r in check_table(spec, "people", shuffled, {}) if r.rule == "relations")
    failing = {m.subject for m in result.measurements if not m.passed}
    assert failing == {"rank correlation income ~ score"}


@pytest.mark.parametrize(
    ("pairs", "fragment"),
    [
        ([{"columns": ["income", "ghost"], "rank": 0.5}], "does not have"),
        ([{"columns": ["income", "income"], "rank": 0.5}], "correlates with itself"),
        (
            [
                {"columns": ["income", "score"], "rank": 0.9},
                {"columns": ["income", "age"], "rank": 0.9},
                {"columns": ["score", "age"], "rank": -0.9},
            ],
            "not positive definite",
        ),
    ],
)
def test_impossible_correlations_are_refused(pairs, fragment):
    data = copy.deepcopy(COPULA)
    data["tables"]["people"]["correlations"] = pairs
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, source="copula.yaml")
    assert "table 'people'" in str(info.value) and fragment in str(info.value), str(info.value)


def test_the_report_plots_event_curves_and_correlation_heat_maps(hospital):
    from seed_assets.reports.relations_plots import relation_plots

    spec, tables = hospital
    checks = [r.to_dict() for r in check_table(spec, "patients", tables["patients"], tables)]
    plots = "".join(relation_plots("patients", checks))
    assert "patients.deceased: event rate by score decile" in plots
    assert plots.count("<polyline") == 1 and "ground-truth AUC" in plots
    copula = spec_from_dict(copy.deepcopy(COPULA))
    people = generate_all(copula)["people"]
    checks = [r.to_dict() for r in check_table(copula, "people", people, {})]
    plots = "".join(relation_plots("people", checks))
    assert "people: rank correlations, spec and data" in plots
    assert "income ~ score: 0.60" in plots  # the spec's cell; the data's sits beside it


def test_a_case_that_is_not_a_value_of_its_column_is_refused():
    data = copy.deepcopy(HOSPITAL)
    when = data["tables"]["lab_results"]["columns"]["value"]["when"]
    when["cases"] = {"icuu": {"distribution": "normal(8, 1)"}}
    with pytest.raises(SpecError, match=r"'icuu' is not a value of patients\.ward"):
        spec_from_dict(data)


def test_the_decile_curve_weights_every_row_of_a_crowded_bin():
    """Millions of rows put thousands in a score bin: the expected curve's intercept must count
    every row (capping a bin's weight at 1,000 moved it enough to fail banking at 10M rows)."""
    rng = np.random.default_rng(3)
    score = np.round(rng.normal(0.0, 1.5, 2_000_000), 2)
    centres, weights = np.unique(score, return_counts=True)
    assert weights.max() > 1000
    exact = calibrated_intercept(score, 0.008)
    assert abs(weighted_intercept(centres, weights, 0.008) - exact) < 1e-3
    capped = calibrated_intercept(np.repeat(centres, np.minimum(weights, 1000)), 0.008)
    assert abs(capped - exact) > 0.05  # the old estimate, for scale: this test would catch it
