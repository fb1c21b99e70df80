"""The code location: everything under defs/ (the banking tables from defs/banking/defs.yaml, and
the training asset in defs/training.py)."""

from pathlib import Path

from dagster import definitions, load_from_defs_folder


@definitions
def defs():
    return load_from_defs_folder(path_within_project=Path(__file__).parent)
