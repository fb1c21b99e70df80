"""The one place Definitions is built: specs -> table assets (gated by their blocking checks)
-> ML assets -> jobs and the nightly schedule, with resources.

Which specs: ``SEED_ASSETS_SPECS`` (spec files or folders, separated by ``os.pathsep``), else the
shipped banking example. Where to: ``SEED_ASSETS_TARGET_URL``, else one SQLite file per spec.
Where steps run: ``SEED_ASSETS_EXECUTOR``, ``multiprocess`` (the default: processes on this
machine) or ``celery`` (every job's steps on dagster-celery workers, docs/deploy.md).
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
    multiprocess_executor,
)

from seed_assets.assets import build_ml_assets, build_table_assets
from seed_assets.assets.fidelity import build_fidelity_assets
from seed_assets.assets.keys import spec_keys, table_key
from seed_assets.distributed import CELERY_BROKER_ENV, CELERY_EXECUTOR, CELERY_JOB
from seed_assets.errors import SeedAssetsError, SpecError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.spec.models import Spec

SPECS_ENV = "SEED_ASSETS_SPECS"
TARGET_ENV = "SEED_ASSETS_TARGET_URL"
EXECUTOR_ENV = "SEED_ASSETS_EXECUTOR"
EXAMPLE = Path(__file__).parent / "examples" / "banking.yaml"
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
ALL_JOB = "materialize_all"
NIGHTLY_CRON = "0 2 * * *"


# Each step of a run is a process of its own. Forked from a server that imported the definitions,
# Great Expectations and Pandera once, instead of each step importing them afresh, a run of the
# banking example from the UI takes about a third of the time (38 s against 105 s measured on a
# loaded 2-core VM). Steps still run in parallel, one process each.
STEP_PRELOAD = [
    "seed_assets.definitions",
    "great_expectations",
    "great_expectations.expectations",
    "pandera.pandas",
]
STEP_EXECUTOR = multiprocess_executor.configured(
    {"start_method": {"forkserver": {"preload_modules": STEP_PRELOAD}}}
)

EXECUTORS: dict[str, ExecutorDefinition] = {
    "multiprocess": STEP_EXECUTOR,
    # Every job, `dagster asset materialize` and UI backfills: the only way partitioned tables
    # (a job each, one partition per run) reach the workers.
    "celery": CELERY_EXECUTOR,
}


def executor_for(setting: str | None) -> ExecutorDefinition:
    """The default executor named by SEED_ASSETS_EXECUTOR (multiprocess when unset or empty)."""
    name = (setting or "multiprocess").strip().lower()
    if name not in EXECUTORS:
        raise SeedAssetsError(
            f"{EXECUTOR_ENV}={setting!r} is not an executor; use one of: "
            + ", ".join(EXECUTORS)
            + " (unset: multiprocess)"
        )
    return EXECUTORS[name]


def spec_paths(setting: str | None) -> list[Path]:
    """Spec files named by the setting (files, or folders of them); the example when empty."""
    if not setting:
        return [EXAMPLE]
    paths: list[Path] = []
    for part in filter(None, (p.strip() for p in setting.split(os.pathsep))):
        path = Path(part)
        if path.is_dir():
            paths.extend(sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES))
        else:
            paths.append(path)
    if not paths:
        raise SpecError(f"{SPECS_ENV}={setting!r} names no spec files")
    return paths


def build_definitions(
    specs: list[Spec], executor: ExecutorDefinition = STEP_EXECUTOR
) -> Definitions:
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
    assets = [a for spec in specs for a in build_table_assets(spec)]
    for spec in specs:
        for ml_asset in [*build_ml_assets(spec), *build_fidelity_assets(spec)]:
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
    jobs = [
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
    jobs += [
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
    jobs.append(everything)
    jobs.append(
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
    target = (
        TargetResource(url=EnvVar(TARGET_ENV)) if os.environ.get(TARGET_ENV) else TargetResource()
    )
    return Definitions(
        assets=assets,
        jobs=jobs,
        schedules=[nightly],
        resources={"target": target, "generation": GenerationResource()},
        executor=executor,
    )


# A JSON plan is laid over the target it was written for (as `generate PLAN --target` does).
specs = [
    load_spec(p, target=os.environ.get(TARGET_ENV) or None)
    for p in spec_paths(os.environ.get(SPECS_ENV))
]
defs = build_definitions(specs, executor_for(os.environ.get(EXECUTOR_ENV)))
