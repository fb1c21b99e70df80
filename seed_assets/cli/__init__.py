"""The command line: generate a spec into a database, validate a database, write SQL scripts,
reflect and plan specs, run the Dagster demo. Each command lives in its own module."""

from __future__ import annotations

import sys

from seed_assets.cli.cold_start import OWN_PROCESS, importing, leave_to_exit

with importing():
    # Importing a command's module registers it; `--help` lists commands in this order.
    from seed_assets.cli import generate  # noqa: F401

    from seed_assets.cli import script  # noqa: F401  # isort: skip
    from seed_assets.cli import demo  # noqa: F401  # isort: skip
    from seed_assets.cli import validate  # noqa: F401  # isort: skip
    from seed_assets.cli import sources  # noqa: F401  # isort: skip
    from seed_assets.cli import profile  # noqa: F401  # isort: skip
    from seed_assets.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    OWN_PROCESS["on"] = True
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        leave_to_exit()
