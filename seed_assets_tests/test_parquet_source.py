"""`profile` and `compare` on a Parquet folder (a production export): Chinook exported to Parquet
(one file per table, Track as a folder of part files) profiles, with a `keys.yaml` sidecar or
with keys inferred from the data, into a spec whose generated data scores close to the SQLite
profile's; a bad sidecar is one message naming file, table and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.reports.fidelity_run import compare
from seed_assets.sources.files import load_spec
from seed_assets_tests.real_datasets import chinook_sqlite, jaffle_shop_parquet

runner = CliRunner()
CLOSE = 0.06  # measured: 0.773 from the Parquet export, 0.80 from SQLite (same data)

# Chinook's keys as its SQL schema declares them; the sidecar says the same.
CHINOOK_KEYS = {
    "tables": {
        "Artist": {"primary_key": "ArtistId"},
        "Album": {
            "primary_key": "AlbumId",
            "foreign_keys": [{"columns": "ArtistId", "references": "Artist(ArtistId)"}],
        },
        "Employee": {
            "primary_key": "EmployeeId",
            "foreign_keys": [{"columns": "ReportsTo", "references": "Employee(EmployeeId)"}],
        },
        "Customer": {
            "primary_key": "CustomerId",
            "foreign_keys": [
                {
                    "columns": ["SupportRepId"],
                    "references": {"table": "Employee", "columns": ["EmployeeId"]},
                }
            ],
        },
        "Invoice": {
            "primary_key": ["InvoiceId"],
            "foreign_keys": [{"columns": "CustomerId", "references": "Customer(CustomerId)"}],
        },
        "InvoiceLine": {
            "primary_key": "InvoiceLineId",
            "foreign_keys": [
                {"columns": "InvoiceId", "references": "Invoice(InvoiceId)"},
                {"columns": "TrackId", "references": "Track(TrackId)"},
            ],
        },
    },
    "infer": True,  # Genre, MediaType, Playlist, Track, PlaylistTrack: from the data
}


@pytest.fixture(scope="module")
def chinook(tmp_path_factory) -> str:
    return chinook_sqlite(tmp_path_factory.mktemp("chinook") / "chinook.db")


@pytest.fixture(scope="module")
def sqlite_quality(chinook, tmp_path_factory) -> float:
    """The quality of the spec profiled from the SQLite database itself."""
    work = tmp_path_factory.mktemp("sqlite_profile")
    return _profile_generate_score(chinook, chinook, work)["quality"]["quality"]


def _export(url: str, folder: Path) -> Path:
    """Every table as Parquet, typed as read through SQLAlchemy; Track as part files with
    small row groups, like an export written by a cluster."""
    folder.mkdir()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            frame = pd.read_sql_table(table, conn)
            arrow = pa.Table.from_pandas(frame, preserve_index=False)
            if table == "Track":
                (folder / table).mkdir()
                for i, start in enumerate(range(0, len(frame), 1500)):
                    part = arrow.slice(start, 1500)
                    pq.write_table(
                        part, folder / table / f"part-{i:05d}.parquet", row_group_size=400
                    )
            else:
                pq.write_table(arrow, folder / f"{table}.parquet")
    engine.dispose()
    return folder


def _profile_generate_score(source: str, real: str, work: Path) -> dict:
    spec = work / "profiled.yaml"
    result = runner.invoke(app, ["profile", source, "--out", str(spec)])
    assert result.exit_code == 0, result.output
    synth = f"sqlite:///{work / 'synthetic.db'}"
    result = runner.invoke(app, ["generate", str(spec), "--target", synth])
    assert result.exit_code == 0, result.output
    return compare(real, synth)


def test_profile_parquet_with_inferred_keys(chinook, sqlite_quality, tmp_path):
    folder = _export(chinook, tmp_path / "export")
    report = _profile_generate_score(f"parquet://{folder}", chinook, tmp_path)
    assert report["quality"]["quality"] >= sqlite_quality - CLOSE
    assert [r for r in report["rules"] if r["broken"]] == []
    text = (tmp_path / "profiled.yaml").read_text(encoding="utf-8")
    spec = load_spec(tmp_path / "profiled.yaml")
    # Single keys by name and uniqueness, the link table's pair, FKs by names and values.
    assert spec.tables["Track"].primary_key == ["TrackId"]
    assert spec.tables["PlaylistTrack"].primary_key == ["PlaylistId", "TrackId"]
    fks = {(fk.columns[0], fk.references.table) for fk in spec.tables["InvoiceLine"].foreign_keys}
    assert fks == {("InvoiceId", "Invoice"), ("TrackId", "Track")}
    assert spec.tables["Track"].rows is None  # driven by its album, as in the database
    assert "inferred: never NULL, never repeated" in text
    assert "inferred: every value is found in Invoice.InvoiceId" in text
    assert "review: keys inferred from the data (no keys.yaml)" in text


def test_profile_parquet_with_sidecar(chinook, sqlite_quality, tmp_path):
    folder = _export(chinook, tmp_path / "export")
    (folder / "keys.yaml").write_text(yaml.safe_dump(CHINOOK_KEYS), encoding="utf-8")
    report = _profile_generate_score(f"parquet://{folder}", chinook, tmp_path)
    assert report["quality"]["quality"] >= sqlite_quality - CLOSE
    assert [r for r in report["rules"] if r["broken"]] == []
    spec = load_spec(tmp_path / "profiled.yaml")
    support = spec.tables["Customer"].foreign_keys[0]
    assert (support.columns, support.references.table) == (["SupportRepId"], "Employee")
    assert spec.tables["Employee"].foreign_keys[0].references.table == "Employee"
    assert "declared in keys.yaml" in (tmp_path / "profiled.yaml").read_text(encoding="utf-8")


def test_compare_reads_parquet_on_either_side(chinook, tmp_path):
    folder = _export(chinook, tmp_path / "export")
    (folder / "keys.yaml").write_text(yaml.safe_dump(CHINOOK_KEYS), encoding="utf-8")
    result = runner.invoke(app, ["compare", f"parquet://{folder}", chinook])
    assert result.exit_code == 0, result.output
    assert "quality=1.000" in result.output  # the same rows, read from files and database
    spec = tmp_path / "p.yaml"
    assert runner.invoke(app, ["profile", chinook, "--out", str(spec)]).exit_code == 0
    target = f"parquet://{tmp_path / 'synthetic'}"
    result = runner.invoke(app, ["generate", str(spec), "--target", target])
    assert result.exit_code == 0, result.output
    from_files = compare(chinook, target)
    assert from_files["quality"]["quality"] > 0.7
    assert [r for r in from_files["rules"] if r["broken"]] == []


BAD_SIDECARS = [
    ({"tables": {"Nope": {}}}, ["table 'Nope'", "no such table"]),
    ({"tables": {"Album": {"primary_key": "Id"}}}, ["table 'Album'", "column 'Id'"]),
    (
        {"tables": {"Album": {"foreign_keys": [{"columns": "ArtistId", "references": "Artist"}]}}},
        ["table 'Album'", "column 'ArtistId'", "Table(column, ...)"],
    ),
    (
        {"tables": {"Album": {"foreign_keys": [{"columns": "ArtistId", "references": "X(Id)"}]}}},
        ["table 'Album'", "column 'ArtistId'", "'X'"],
    ),
    (
        {
            "tables": {
                "Album": {"foreign_keys": [{"columns": "ArtistId", "references": "Artist(Name)"}]}
            }
        },
        ["table 'Album'", "column 'ArtistId'", "cannot hold the values of Artist.Name"],
    ),
    (
        {
            "tables": {
                "Album": {
                    "foreign_keys": [
                        {"columns": ["ArtistId", "Title"], "references": "Artist(ArtistId)"}
                    ]
                }
            }
        },
        ["table 'Album'", "2 column(s) reference 1"],
    ),
    ({"tables": {"Album": {"primary": "AlbumId"}}}, ["table 'Album'", "unknown key 'primary'"]),
    ({"tables": {}, "infer": "yes"}, ["`infer` must be true or false"]),
    ("tables: [unclosed", ["not valid YAML"]),
]


@pytest.mark.parametrize(("sidecar", "expected"), BAD_SIDECARS)
def test_bad_sidecar_is_one_clear_error(chinook, tmp_path, sidecar, expected):
    folder = _export(chinook, tmp_path / "export")
    path = folder / "keys.yaml"
    text = sidecar if isinstance(sidecar, str) else yaml.safe_dump(sidecar)
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "spec.yaml"
    result = runner.invoke(app, ["profile", f"parquet://{folder}", "--out", str(out)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert str(path) in message and all(e in message for e in expected), message
    assert "Traceback" not in result.output and not out.exists()


def test_missing_or_empty_folder_is_a_clear_error(tmp_path):
    for url, expected in (
        (f"parquet://{tmp_path / 'missing'}", "does not exist"),
        (f"parquet://{tmp_path}", "holds no tables"),
    ):
        result = runner.invoke(app, ["profile", url, "--out", str(tmp_path / "s.yaml")])
        assert result.exit_code == 2 and expected in result.output, result.output


def test_damaged_or_disagreeing_files_are_a_clear_error(tmp_path):
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "t.parquet").write_text("not parquet", encoding="utf-8")
    parts = tmp_path / "parts" / "orders"
    parts.mkdir(parents=True)
    pq.write_table(pa.table({"id": [1, 2], "amount": [1.5, 2.0]}), parts / "part-0.parquet")
    pq.write_table(pa.table({"id": [3, 4], "amount": ["x", "y"]}), parts / "part-1.parquet")
    for folder, expected in (
        (tmp_path / "damaged", "t.parquet: not a readable Parquet file"),
        (tmp_path / "parts", "table 'orders'"),
    ):
        out = tmp_path / "s.yaml"
        result = runner.invoke(app, ["profile", f"parquet://{folder}", "--out", str(out)])
        assert result.exit_code == 2 and expected in result.output, result.output
        assert "Traceback" not in result.output and not out.exists()


def test_jaffle_shop_export_profiles_with_inferred_and_declared_keys(tmp_path):
    """dbt's jaffle_shop seeds (no keys anywhere): `order_id` is found to reference
    `raw_orders.id` despite the `raw_` prefix; `user_id` is not guessed (its name does not
    agree), and a sidecar listing only `raw_orders` adds it while the rest is still inferred."""
    url = jaffle_shop_parquet(tmp_path / "export")
    (tmp_path / "inferred").mkdir()
    report = _profile_generate_score(url, url, tmp_path / "inferred")
    spec = load_spec(tmp_path / "inferred" / "profiled.yaml")
    payments = spec.tables["raw_payments"].foreign_keys
    assert [(fk.columns, fk.references.table) for fk in payments] == [(["order_id"], "raw_orders")]
    assert spec.tables["raw_orders"].foreign_keys == []
    assert report["quality"]["quality"] > 0.7  # measured 0.80
    sidecar = {
        "tables": {
            "raw_orders": {
                "primary_key": "id",
                "foreign_keys": [{"columns": "user_id", "references": "raw_customers(id)"}],
            }
        }
    }
    (tmp_path / "export" / "keys.yaml").write_text(yaml.safe_dump(sidecar), encoding="utf-8")
    (tmp_path / "declared").mkdir()
    report = _profile_generate_score(url, url, tmp_path / "declared")
    spec = load_spec(tmp_path / "declared" / "profiled.yaml")
    orders = spec.tables["raw_orders"].foreign_keys
    assert [(fk.columns, fk.references.table) for fk in orders] == [(["user_id"], "raw_customers")]
    assert spec.tables["raw_payments"].foreign_keys[0].references.table == "raw_orders"
    assert report["quality"]["properties"]["Cardinality"] > 0.8
