"""Validation: the integrity checks, Pandera schemas and GX suites built from the spec.

Pure functions over frames and SQL, no Dagster: ``rules.check_table`` runs every check of a
table on its rows and its parents' rows; ``stream.TableChecker`` runs them chunk by chunk;
``database.validate_database`` runs them over an existing database. The verdict is written by
``seed_assets.reports``.
"""
