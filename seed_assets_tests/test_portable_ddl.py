"""A spec reflected from one database generates into another: its `server_default` and
`sql_type` texts are translated per dialect (``targets/defaults.py``, ``targets/sql_types.py``),
and the DDL each dialect gets is accepted by that dialect's real server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.ddl import build_metadata
from seed_assets.targets.defaults import portable_default

CASES = [
    # text, spec type, (SQLite, PostgreSQL, MariaDB)
    ("'G'::mpaa_rating", "string", ("'G'",) * 3),
    ("('now'::text)::date", "date", ("CURRENT_DATE", "CURRENT_DATE", "(CURRENT_DATE)")),
    ("now()", "timestamp", ("CURRENT_TIMESTAMP",) * 3),
    (
        "current_timestamp() ON UPDATE current_timestamp()",
        "timestamp",
        (
            "CURRENT_TIMESTAMP",
            "CURRENT_TIMESTAMP",
            "current_timestamp() ON UPDATE current_timestamp()",
        ),
    ),
    ("datetime('now')", "timestamp", ("CURRENT_TIMESTAMP",) * 3),
    ("'it''s'::character varying", "string", ("'it''s'",) * 3),
    ("lower(('X'::text))", "string", (None, "lower(('X'::text))", None)),
    ("(4.99)", "decimal", ("4.99",) * 3),
    ("1", "boolean", ("1", "true", "1")),
    ("false", "boolean", ("false",) * 3),
    ("nextval('a_seq'::regclass)", "integer", (None, None, None)),
    ("'now'", "string", ("'now'",) * 3),  # a plain string is not a clock
]


@pytest.mark.parametrize(("text", "kind", "expected"), CASES)
def test_defaults_translate_per_dialect(text, kind, expected):
    got = tuple(portable_default(text, d, kind) for d in ("sqlite", "postgresql", "mariadb"))
    assert got == expected


SPEC = {
    "name": "portable",
    "tables": {
        "film": {
            "rows": 3,
            "primary_key": ["id"],
            "columns": {
                "id": {"type": "integer", "sequence": {"start": 1}},
                "rating": {
                    "type": "string",
                    "length": 5,
                    "choice": {"G": 0.5, "PG": 0.5},
                    "server_default": "'G'::mpaa_rating",
                },
                "created": {
                    "type": "date",
                    "between": ["2020-01-01", "2020-12-31"],
                    "server_default": "('now'::text)::date",
                },
                "updated": {
                    "type": "timestamp",
                    "sql_type": "TIMESTAMP",
                    "between": ["2020-01-01", "2020-12-31"],
                    "server_default": "current_timestamp() ON UPDATE current_timestamp()",
                },
                "picture": {"type": "text", "sql_type": "MEDIUMBLOB", "faker": "lexify"},
                "tags": {"type": "text", "sql_type": "text[]", "constant": "{}"},
                "flags": {
                    "type": "string",
                    "length": 40,
                    "sql_type": "SET('a','b')",
                    "constant": "a",
                },
                "active": {
                    "type": "boolean",
                    "server_default": "1",
                    "sql_type": "TINYINT(1)",
                    "rate": 1,
                },
                "seq": {
                    "type": "integer",
                    "server_default": "nextval('s'::regclass)",
                    "constant": 1,
                },
            },
        }
    },
}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql"])
def test_foreign_ddl_is_accepted(backend, request, tmp_path):
    """The same spec's table is created by each real server, defaults working."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'p.db'}"
    else:
        url = request.getfixturevalue("pg_url" if backend == "postgresql" else "mysql_url")
    spec = spec_from_dict(SPEC, source="<test>")
    metadata = build_metadata(spec)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            conn.execute(
                sa.text(
                    "INSERT INTO film (id, picture, tags, flags, seq) VALUES (1, 'x', '{}', 'a', 1)"
                )
            )
            row = conn.execute(sa.text("SELECT rating, created, updated, active FROM film")).one()
            columns = {c["name"]: c for c in sa.inspect(conn).get_columns("film")}
            if backend == "sqlite":  # SQLite keeps any type name; SQLAlchemy reads few back
                created = conn.exec_driver_sql("SELECT sql FROM sqlite_master").scalar_one()
                columns["picture"]["type"] = created.split("picture ")[1].split(",")[0]
            metadata.drop_all(conn)
    finally:
        engine.dispose()
    assert row[0] == "G" and row[1] is not None and row[2] is not None and bool(row[3]) is True
    assert columns["seq"]["default"] is None  # the source's sequence is not the target's
    binary = {"sqlite": "BLOB", "postgresql": "BYTEA", "mysql": "MEDIUMBLOB"}[backend]
    assert binary in str(columns["picture"]["type"]).upper()
