"""Dagster assets built from specs."""

from seed_assets.assets.tables import build_table_assets

__all__ = ["build_table_assets"]
