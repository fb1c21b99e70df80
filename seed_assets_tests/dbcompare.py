"""Read every spec table back from a database, for comparing runs."""

from __future__ import annotations

import pandas as pd

from seed_assets.spec.models import Spec
from seed_assets.targets.base import Target


def read_all(spec: Spec, url: str) -> dict[str, pd.DataFrame]:
    target = Target.for_url(url)
    try:
        return {
            name: target.read_columns(spec, name, list(table.columns))
            for name, table in spec.tables.items()
        }
    finally:
        target.dispose()


def assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        assert len(left[name]) > 0, name
        pd.testing.assert_frame_equal(left[name], right[name], check_exact=True, obj=name)
