"""The resource keys the spec assets ask for: stable names a user's Definitions must not reuse
for anything else (``seed_assets.api`` exports them)."""

TARGET_KEY = "target"  # TargetResource: where the tables are written (and read back)
GENERATION_KEY = "generation"  # GenerationResource: the run's seed and scale
TABLE_IO_MANAGER_KEY = "seed_tables"  # SeedTableIOManager: loads validated tables as inputs
