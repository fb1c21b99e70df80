"""What valid input may look like, where a stricter reader could have refused it: JSON escapes
(an emoji as a surrogate pair), literal braces in a sequence format, a plan whose target does
not exist yet or is empty, a size limit raised with --max-rows."""

from __future__ import annotations

import json
import sqlite3

import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.sources.files import load_spec

EMOJI = "\U0001f600"


def plan(elements: list, count: int = 30) -> dict:
    return {
        "tables": [
            {
                "name": "moods",
                "record_count": count,
                "columns": [
                    {
                        "name": "mood",
                        "faker_provider": "random_element",
                        "params": {"elements": elements},
                    }
                ],
            }
        ]
    }


def test_a_plan_with_an_emoji_escaped_as_a_surrogate_pair_reads_back(tmp_path):
    path = tmp_path / "moods.json"
    path.write_text(json.dumps(plan([EMOJI, "calm"])))  # ensure_ascii: \ud83d\ude00
    assert "\\ud83d\\ude00" in path.read_text()
    spec = load_spec(path)
    assert spec.tables["moods"].columns["mood"].params["elements"] == [EMOJI, "calm"]
    url = f"sqlite:///{tmp_path / 'moods.sqlite'}"
    result = CliRunner().invoke(app, ["generate", str(path), "--target", url])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "moods.sqlite") as db:
        moods = {m for (m,) in db.execute("SELECT mood FROM moods")}
    assert moods == {EMOJI, "calm"}


def test_a_json_spec_is_read_by_a_json_parser(tmp_path):
    """JSON that YAML reads differently: a tab before a value, a key with a colon."""
    data = {
        "name": "js",
        "tables": {"t": {"rows": 3, "columns": {"a:b": {"type": "integer", "sequence": True}}}},
    }
    path = tmp_path / "js.json"
    path.write_text(json.dumps(data).replace(": ", ":\t"))
    assert list(load_spec(path).tables["t"].columns) == ["a:b"]


def test_a_sequence_format_may_hold_literal_braces(tmp_path):
    data = {
        "name": "braces",
        "tables": {
            "t": {
                "rows": 3,
                "columns": {"id": {"type": "string", "length": 10, "sequence": "{{}}{:d}"}},
            }
        },
    }
    path = tmp_path / "braces.yaml"
    path.write_text(yaml.safe_dump(data))
    url = f"sqlite:///{tmp_path / 'braces.sqlite'}"
    result = CliRunner().invoke(app, ["generate", str(path), "--target", url])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "braces.sqlite") as db:
        assert [i for (i,) in db.execute("SELECT id FROM t ORDER BY id")] == ["{}1", "{}2", "{}3"]


def test_a_plan_into_a_sqlite_file_that_does_not_exist_makes_its_tables(tmp_path):
    path = tmp_path / "moods.json"
    path.write_text(json.dumps(plan(["happy", "calm"], count=12)))
    target = tmp_path / "new" / "moods.sqlite"
    result = CliRunner().invoke(app, ["generate", str(path), "--target", f"sqlite:///{target}"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT COUNT(*) FROM moods").fetchone() == (12,)


def test_a_plan_into_an_empty_database_makes_its_tables(pg_url, tmp_path):
    path = tmp_path / "moods.json"
    path.write_text(json.dumps(plan(["happy", "calm"], count=7)))
    result = CliRunner().invoke(app, ["generate", str(path), "--target", pg_url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM moods").scalar() == 7
    engine.dispose()


def test_max_rows_refuses_and_can_be_raised(tmp_path):
    data = {
        "name": "many",
        "tables": {"t": {"rows": 2000, "columns": {"id": {"type": "integer", "sequence": True}}}},
    }
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data))
    url = f"sqlite:///{tmp_path / 'many.sqlite'}"
    refused = CliRunner().invoke(app, ["generate", str(path), "--target", url, "--max-rows", "999"])
    assert refused.exit_code == 2
    message = " ".join(refused.stderr.split())
    assert "about 2,000 rows" in message and "more than --max-rows 999" in message
    assert not (tmp_path / "many.sqlite").exists()
    allowed = CliRunner().invoke(
        app, ["generate", str(path), "--target", url, "--max-rows", "2000"]
    )
    assert allowed.exit_code == 0, allowed.output
