"""A spec's assets, checks, jobs and resources as Definitions: specs -> table assets (gated by
their blocking checks) -> ML assets -> jobs and the nightly schedule, with resources under their
keys (``resources/keys.py``). No settings are read here but SEED_ASSETS_TARGET_URL; the code
location (``seed_assets.definitions``) and the public API (``seed_assets.api``) call it.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    EnvVar,
    ExecutorDefinition,
    ScheduleDefinition,
    define_asset_job,
)

from seed_assets.assets.fidelity import build_fidelity_assets
from seed_assets.assets.io_manager import SeedTableIOManager
from seed_assets.assets.keys import TARGET_ENV, spec_keys, table_key
from seed_assets.assets.ml import build_ml_assets
from seed_assets.assets.tables import build_table_assets
from seed_assets.distributed import CELERY_BROKER_ENV, CELERY_EXECUTOR, CELERY_JOB
from seed_assets.errors import SpecError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.resources.keys import GENERATION_KEY, TABLE_IO_MANAGER_KEY, TARGET_KEY
from seed_assets.spec.models import Spec

ALL_JOB = "materialize_all"
NIGHTLY_CRON = "0 2 * * *"


def target_from_env() -> TargetResource:
    """SEED_ASSETS_TARGET_URL when set (read when the resource is used), else the default."""
    return (
        TargetResource(url=EnvVar(TARGET_ENV)) if os.environ.get(TARGET_ENV) else TargetResource()
    )


def build_spec_definitions(
    specs: list[Spec],
    executor: ExecutorDefinition | None = None,
    *,
    target: TargetResource | None = None,
    ml: bool = True,
    jobs: bool = True,
) -> Definitions:
    """The specs' tables (with their blocking checks), the ML assets (`ml`), the jobs and the
    nightly schedule (`jobs`), and the resources under their keys (``resources/keys.py``):
    the target (`target`, else ``target_from_env()``), the generation settings and the IO
    manager that loads validated tables. ``seed_assets.api.seed_definitions`` is the public
    entry; `executor` None leaves the choice to the Definitions this is merged into."""
    owners: dict[AssetKey, str] = {}
    for spec in specs:
        for key in spec_keys(spec):
            table = key.path[-1]
            if key in owners:
                what = "table" if table in spec.tables else "asset"
                raise SpecError(
                    f"{what} '{table}' is defined by both {owners[key]} and {spec.source}; "
                    "asset keys are table names (and <table>_links for the step filling an FK "
                    "cycle), so give one of the specs an `asset_prefix:` or rename the table",
                    table=table if table in spec.tables else None,
                )
            owners[key] = spec.source or spec.name
    assets = [
        a for spec in specs for a in build_table_assets(spec, io_manager_key=TABLE_IO_MANAGER_KEY)
    ]
    for spec in specs:
        # ML assets when asked; a spec profiled from a real database also gets its fidelity.
        for ml_asset in [*(build_ml_assets(spec) if ml else []), *build_fidelity_assets(spec)]:
            key = ml_asset.key
            if key in owners:
                raise SpecError(
                    f"asset '{key.to_user_string()}' would come from both {owners[key]} and "
                    f"{spec.source}; give one of the specs an `asset_prefix:`",
                )
            owners[key] = spec.source or spec.name
            assets.append(ml_asset)
    # A job runs one partition of partitioned assets at a time, and cannot mix partition sets:
    # partitioned tables get a job each (run per partition, or backfilled from the UI); the
    # other jobs take everything else, their `<table>_checked` assets included.
    partitioned = {
        table_key(spec, t): (spec, t) for spec in specs for t, tab in spec.tables.items()
        if tab.partitions
    }  # fmt: skip
    apart = AssetSelection.assets(*partitioned)
    all_jobs = [
        define_asset_job(
            f"generate_{spec.name}",
            selection=AssetSelection.groups(spec.name) - apart,
            description=f"Generate every table of the {spec.name} spec, parents first"
            + (
                " (partitioned tables: their own jobs; here their whole-table checks)."
                if any(s is spec for s, _ in partitioned.values())
                else "."
            ),
        )
        for spec in specs
    ]
    all_jobs += [
        define_asset_job(
            f"generate_{spec.name}_{table}",
            selection=AssetSelection.assets(key),
            description=f"One partition of {table} per run (backfill them all from the UI); "
            f"then `{table}_checked` checks the whole table.",
        )
        for key, (spec, table) in partitioned.items()
    ]
    everything = define_asset_job(
        ALL_JOB,
        selection=AssetSelection.all() - apart,
        description="Every table, its blocking checks, and the ML assets that run only when "
        "all of them pass (partitioned tables are materialised by their own jobs).",
    )
    all_jobs.append(everything)
    all_jobs.append(
        define_asset_job(
            CELERY_JOB,
            selection=AssetSelection.all() - apart,
            executor_def=CELERY_EXECUTOR,
            description=f"What {ALL_JOB} does, each step on a dagster-celery worker: needs "
            f"{CELERY_BROKER_ENV}, running workers and PostgreSQL instance storage "
            "(docs/deploy.md).",
        )
    )
    nightly = ScheduleDefinition(
        name=f"{ALL_JOB}_nightly",
        job=everything,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.STOPPED,
        description="Regenerate, check and retrain every night at 02:00 UTC. Off until turned on "
        "in the UI.",
    )
    target = target or target_from_env()
    resources = {
        TARGET_KEY: target,
        GENERATION_KEY: GenerationResource(),
        TABLE_IO_MANAGER_KEY: SeedTableIOManager(spec_paths=spec_paths_of(specs), target=target),
    }
    return Definitions(
        assets=assets,
        jobs=all_jobs if jobs else [],
        schedules=[nightly] if jobs else [],
        resources=resources,
        executor=executor,
    )


def spec_paths_of(specs: list[Spec]) -> list[str]:
    """The files the specs were loaded from: the IO manager (a resource, so plain config) loads
    them again. A spec built in memory has none, and its tables cannot be loaded as inputs."""
    return [str(Path(spec.source).resolve()) for spec in specs if spec.source]
