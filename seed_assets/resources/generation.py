"""Generation settings a run may override: the seed and the scale of root tables, and how many
processes load a run's partitions."""

from dagster import ConfigurableResource
from pydantic import Field

from seed_assets.spec.models import Spec


class GenerationResource(ConfigurableResource):
    """Seed and scale for a run; the seed defaults to the spec's, so runs repeat exactly."""

    seed: int | None = Field(None, description="Root seed; empty uses the spec's `seed`.")
    scale: float = Field(1.0, gt=0, description="Multiplies the `rows` of root tables.")
    workers: int | None = Field(
        None,
        ge=1,
        description="Processes that load the partitions of one run at the same time (a "
        "backfill of several partitions is one run); empty: one per core.",
    )

    def seed_for(self, spec: Spec) -> int:
        return spec.seed if self.seed is None else self.seed
