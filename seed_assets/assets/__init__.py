"""Dagster assets built from specs."""

from seed_assets.assets.tables import build_table_assets, table_key

__all__ = ["build_table_assets", "table_key"]
