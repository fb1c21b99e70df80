"""Targets: one writer interface (``base.Target``) with a subclass per SQL dialect, Parquet,
literal SQL scripts, reading back, the ownership registry."""
