"""Refused rows of an ``--on-error continue`` run, one JSON line each, beside the report.

The run's summary lists a few; this file lists every one (table, row, constraint, column,
value and the database's message), so nothing the database refused is dropped silently.
"""

from __future__ import annotations

import json
from pathlib import Path

from seed_assets.targets.load_report import RowError


def rejects_path(report_json: Path) -> Path:
    """``data/banking.report.json`` -> ``data/banking.rejected.jsonl``."""
    return report_json.with_name(report_json.name.removesuffix(".report.json") + ".rejected.jsonl")


class RejectFile:
    """A sink for RowErrors: the file is created at the first one (an earlier run's goes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._stream = None
        path.unlink(missing_ok=True)  # this run's refusals only

    def __call__(self, error: RowError) -> None:
        if self._stream is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
        record = {
            "table": error.table,
            "row": error.row,
            "constraint": error.constraint,
            "column": error.column,
            "value": error.value,
            "message": error.message,
        }
        self._stream.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
