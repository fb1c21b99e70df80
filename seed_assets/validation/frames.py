"""Checks of tables given whole, as frames (tests, small data): the streamed checker
(``stream.TableChecker``) fed each frame at once, so every check has one implementation."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from seed_assets.engine.parents import FrameParents
from seed_assets.spec.models import Spec
from seed_assets.validation.results import CheckResult
from seed_assets.validation.stream import TableChecker


def check_table(
    spec: Spec, table: str, frame: pd.DataFrame, parents: Mapping[str, pd.DataFrame], **options
) -> list[CheckResult]:
    """Every applicable check of `table` over `frame` and its parents' rows (any order);
    `options`: ``scale``, ``engines``, ``sample_limit`` (see ``TableChecker``).

    FKs a links step fills (nullable cycles) are left to ``check_links``.
    """
    return table_checker(spec, table, frame, parents, **options).conclude()


def check_links(
    spec: Spec,
    table: str,
    links: pd.DataFrame,
    targets: Mapping[str, pd.DataFrame],
    *,
    scale: float | None = None,
) -> list[CheckResult]:
    """The checks of `table`'s linked FKs over `links` (its key and those FK columns, filled)
    and the rows of the tables they reference; named ``<table>_links_<rule>``."""
    return table_checker(spec, table, links, targets, scale=scale, links=True).conclude()


def table_checker(
    spec: Spec, table: str, frame: pd.DataFrame, parents: Mapping[str, pd.DataFrame], **options
) -> TableChecker:
    """A checker fed `frame` (call ``conclude``, then ``profile`` for the report's plots);
    `options`: those of ``TableChecker``."""
    source = FrameParents(spec, {n: f for n, f in parents.items() if n != table})
    checker = TableChecker(spec, table, source, expected_rows=len(frame), **options)
    checker.add(frame)
    return checker
