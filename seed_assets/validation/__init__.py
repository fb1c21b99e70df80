"""Validation: the integrity report, Pandera schemas and GX suites built from the spec.

Pure functions over frames and SQL, no Dagster: ``rules.check_table`` runs every check of a
table on its rows and its parents' rows; ``database.validate_database`` runs them over an
existing database; ``report`` writes the verdict beside it.
"""
