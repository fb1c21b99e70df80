"""The code location: the Definitions of the specs named by the environment, built by
``assets/build.py`` (which ``seed_assets.api`` offers to a user's own project).

Which specs: ``SEED_ASSETS_SPECS`` (spec files or folders, separated by ``os.pathsep``), else the
shipped banking example. Where to: ``SEED_ASSETS_TARGET_URL``, else one SQLite file per spec.
Where steps run: ``SEED_ASSETS_EXECUTOR``, ``multiprocess`` (the default: processes on this
machine), ``in_process`` (every step in the run's own process) or ``celery`` (every job's steps
on dagster-celery workers, docs/deploy.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import Definitions, ExecutorDefinition, in_process_executor, multiprocess_executor

from seed_assets.assets.build import (
    ALL_JOB,
    NIGHTLY_CRON,
    TARGET_ENV,
    build_spec_definitions,
    target_from_env,
)
from seed_assets.distributed import CELERY_EXECUTOR
from seed_assets.errors import SeedAssetsError, SpecError
from seed_assets.sources.files import load_spec
from seed_assets.spec.models import Spec

SPECS_ENV = "SEED_ASSETS_SPECS"
EXECUTOR_ENV = "SEED_ASSETS_EXECUTOR"
EXAMPLE = Path(__file__).parent / "examples" / "banking.yaml"
SPEC_SUFFIXES = (".yaml", ".yml", ".json")
__all__ = ["ALL_JOB", "NIGHTLY_CRON", "TARGET_ENV", "build_definitions", "target_from_env"]


# Each step of a run is a process of its own. Forked from a server that imported the definitions,
# Great Expectations and Pandera once, instead of each step importing them afresh, a run of the
# banking example from the UI takes about a third of the time (38 s against 105 s measured on a
# loaded 2-core VM). Steps still run in parallel, one process each. Also what every step
# imported again on its own: the instance's storage classes (each step opens the instance from
# its reference: 0.4 s) and Pandera's pandas checks (registered on its first validation).
STEP_PRELOAD = [
    "seed_assets.definitions",
    "great_expectations",
    "great_expectations.expectations",
    "pandera.pandas",
    "pandera.backends.pandas.builtin_checks",
    "dagster._core.storage.base_storage",
]


def with_preload(config: dict) -> dict:
    """A run's multiprocess config (``max_concurrent``, ...), started by the preloading
    forkserver unless the run names its own start method."""
    given = {key: value for key, value in config.items() if value is not None}
    preload = {"forkserver": {"preload_modules": STEP_PRELOAD}}
    return {"start_method": preload, **given}


# The launchpad shows the multiprocess executor's usual fields, every one optional: a run may
# set `max_concurrent` (default: one step per core).
STEP_EXECUTOR = multiprocess_executor.configured(
    with_preload, config_schema=multiprocess_executor.config_schema.as_field()
)

EXECUTORS: dict[str, ExecutorDefinition] = {
    "multiprocess": STEP_EXECUTOR,
    # Every job, `dagster asset materialize` and UI backfills: the only way partitioned tables
    # (a job each, one partition per run) reach the workers.
    "celery": CELERY_EXECUTOR,
    # Every step in the run's own process, one after another: no forkserver to start and no
    # process per step (about 7 s less outside the steps of a run here, but its first step
    # imports Great Expectations and Pandera, docs/scale.md), each table still streamed in
    # bounded memory, but the largest step sets the run's peak.
    "in_process": in_process_executor,
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
    specs: list[Spec], executor: ExecutorDefinition | None = STEP_EXECUTOR, **options
) -> Definitions:
    """``build_spec_definitions`` with this code location's executor by default."""
    return build_spec_definitions(specs, executor, **options)


# A JSON plan is laid over the target it was written for (as `generate PLAN --target` does).
specs = [
    load_spec(p, target=os.environ.get(TARGET_ENV) or None)
    for p in spec_paths(os.environ.get(SPECS_ENV))
]
defs = build_definitions(specs, executor_for(os.environ.get(EXECUTOR_ENV)))
