"""The command line: generate a spec into a database, validate a database, write SQL scripts,
reflect and plan specs, run the Dagster demo. Each command lives in its own module."""

from __future__ import annotations

import sys

# Importing a command's module registers it; `--help` lists commands in this order.
from seed_assets.cli import generate  # noqa: F401

from seed_assets.cli import script  # noqa: F401  # isort: skip
from seed_assets.cli import demo  # noqa: F401  # isort: skip
from seed_assets.cli import validate  # noqa: F401  # isort: skip
from seed_assets.cli import sources  # noqa: F401  # isort: skip
from seed_assets.cli import profile  # noqa: F401  # isort: skip
from seed_assets.cli.app import app
from seed_assets.cli.cold_start import leave_to_exit, own_process

__all__ = ["app", "main"]


def main() -> None:
    own_process()  # no collection walks the imports (cold_start.py)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        leave_to_exit()
