"""Dagster assets built from specs: tables (with their blocking checks) and ML assets."""

from seed_assets.assets.ml import build_ml_assets
from seed_assets.assets.tables import build_table_assets, table_key

__all__ = ["build_ml_assets", "build_table_assets", "table_key"]
