"""Validation: the integrity checks, Pandera schemas and GX suites built from the spec.

No Dagster. ``rules.rules_for`` says which checks a table gets; ``stream.TableChecker`` runs
them, chunk by chunk, the one implementation: ``frames.check_table`` feeds it a whole frame,
``database.validate_database`` an existing database read in chunks. The verdict is written by
``seed_assets.reports``.
"""
