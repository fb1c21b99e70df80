"""Dagster resources: where tables go, and how they are generated."""

from seed_assets.resources.generation import GenerationResource
from seed_assets.resources.target import TargetResource

__all__ = ["GenerationResource", "TargetResource"]
