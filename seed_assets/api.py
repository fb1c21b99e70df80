"""The public Dagster API of seed-assets: what a user's own Dagster project imports.

Everything here keeps its name across releases; the rest of the package may move.

Build a spec's assets, blocking checks, jobs and resources, and merge them into your own::

    import dagster as dg
    import pandas as pd
    from seed_assets.api import seed_definitions

    @dg.asset
    def churn_model(customers: pd.DataFrame) -> None:  # a validated table, as an input
        ...

    defs = dg.Definitions.merge(
        seed_definitions("specs/banking.yaml", target_url="sqlite:///data/banking.sqlite"),
        dg.Definitions(assets=[churn_model]),
    )

Or, in a ``dg`` project, the component: ``dg scaffold defs seed_assets.api.SeedAssets my_data``
writes ``defs/my_data/defs.yaml`` (naming the spec and the target) and a spec to start from.

Resource keys (your Definitions must not use them for anything else):

- ``TARGET_KEY`` ("target"): ``TargetResource``, the database or Parquet directory the tables go
  to (its ``url``; empty: ``sqlite:///data/<spec file stem>.sqlite``);
- ``GENERATION_KEY`` ("generation"): ``GenerationResource``, the run's ``seed`` and ``scale``;
- ``TABLE_IO_MANAGER_KEY`` ("seed_tables"): ``SeedTableIOManager``. Every table asset names it,
  so an input named after a table (or ``dg.AssetIn(key=table_key(spec, "accounts"))``) arrives
  as a ``pandas.DataFrame``, a ``pyarrow.Table`` or, annotated ``SeedTable``, a lazy reader
  (``frames()``, ``count()``, ``to_pandas()``, ``to_arrow()``) for tables too big for memory.
  It refuses a table whose latest blocking checks failed, or whose report is not approved.

The approval guard, for your own assets that read the database some other way:
``require_approved(spec, target, tables=[...], context=context)`` returns the validation report,
or raises ``dagster.Failure`` saying which table's checks failed or why the report is not approved.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Definitions, ExecutorDefinition

from seed_assets.assets.component import SeedAssets
from seed_assets.assets.guard import require_tables_approved
from seed_assets.assets.io_manager import SeedTable, SeedTableIOManager
from seed_assets.assets.keys import table_key
from seed_assets.definitions import ALL_JOB, build_definitions
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.resources.keys import GENERATION_KEY, TABLE_IO_MANAGER_KEY, TARGET_KEY
from seed_assets.sources.files import load_spec
from seed_assets.spec.models import Spec

__all__ = [
    "ALL_JOB",
    "GENERATION_KEY",
    "TABLE_IO_MANAGER_KEY",
    "TARGET_KEY",
    "GenerationResource",
    "SeedAssets",
    "SeedTable",
    "SeedTableIOManager",
    "Spec",
    "TargetResource",
    "load_spec",
    "require_approved",
    "seed_definitions",
    "table_key",
]

SpecLike = str | os.PathLike | Spec


def _specs(specs: SpecLike | Iterable[SpecLike]) -> list[Spec]:
    if isinstance(specs, str | os.PathLike | Spec):
        specs = [specs]
    return [s if isinstance(s, Spec) else load_spec(Path(s)) for s in specs]


def seed_definitions(
    specs: SpecLike | Iterable[SpecLike],
    *,
    target_url: str | None = None,
    target: TargetResource | None = None,
    ml: bool = True,
    jobs: bool = True,
    executor: ExecutorDefinition | None = None,
) -> Definitions:
    """The assets (one per table, in group ``<spec name>``), their blocking checks, the ML
    assets (group ``ml``, banking-shaped specs, unless `ml` is False), the jobs
    (``generate_<spec>``, ``materialize_all`` and its nightly schedule, stopped; none when
    `jobs` is False) and the three resources, ready for ``Definitions.merge``.

    `specs`: spec files (YAML/JSON) or loaded ``Spec``s. `target_url` (a SQLAlchemy URL naming
    its driver, or ``parquet:///dir``) or a `target` resource says where the tables go; neither:
    ``SEED_ASSETS_TARGET_URL`` when set, else ``sqlite:///data/<spec file stem>.sqlite``.
    `executor`: None leaves the executor to the Definitions this is merged into.
    """
    if target is None and target_url:
        target = TargetResource(url=target_url)
    return build_definitions(_specs(specs), executor, target=target, ml=ml, jobs=jobs)


def require_approved(
    spec: SpecLike,
    target: TargetResource | str | None = None,
    tables: Iterable[str] | None = None,
    *,
    context: AssetExecutionContext | None = None,
) -> dict[str, Any]:
    """The approval guard for a user's own asset: the validation report of `spec`'s database,
    once each of `tables` (default: every table) passed its latest blocking checks and the
    report is approved; otherwise a ``dagster.Failure`` naming the tables and checks, or the
    report's failures. With `context`, the run's event log is consulted too."""
    (loaded,) = _specs(spec)
    if isinstance(target, str):
        target = TargetResource(url=target)
    url = (target or TargetResource()).url_for(loaded)
    names = list(loaded.tables if tables is None else tables)
    return require_tables_approved(
        url,
        loaded,
        names,
        instance=context.instance if context is not None else None,
        keys={t: table_key(loaded, t) for t in names},
    )
