"""Where a spec goes when no target is given. Its own module, free of SQLAlchemy and Dagster, so
the command line and the Dagster resource share it without importing each other's weight."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seed_assets.spec.models import Spec


def default_url(spec: Spec) -> str:
    """``sqlite:///data/<spec file stem>.sqlite``: the embedded default, relative to the cwd."""
    return f"sqlite:///data/{spec.source_stem}.sqlite"
