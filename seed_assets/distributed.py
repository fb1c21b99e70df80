"""Steps on other machines: the dagster-celery executor and its settings.

``CELERY_EXECUTOR`` runs each step on a dagster-celery worker with ``CELERY_EXECUTION``; a run's
own ``execution: config:`` is laid over those settings (so a run can add a queue without
repeating the broker). It is the executor of ``materialize_all_celery``, and of every job when
``SEED_ASSETS_EXECUTOR=celery`` (``seed_assets/definitions.py``).

The same block is what the workers start with (``deploy/celery-worker.yaml``): launcher and
workers must agree on the broker and on how many steps a worker takes at once.
"""

from __future__ import annotations

from typing import Any

from dagster_celery import celery_executor

CELERY_BROKER_ENV = "SEED_ASSETS_CELERY_BROKER"
CELERY_JOB = "materialize_all_celery"

CELERY_EXECUTION: dict[str, Any] = {
    "broker": {"env": CELERY_BROKER_ENV},
    # Step results come back over the broker itself: nothing else to run.
    "backend": "rpc://",
    "config_source": {
        # A worker holds one step at a time and acknowledges it when done, so steps go to idle
        # workers instead of waiting behind a busy one's prefetched step.
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
    },
}


def over_shipped(config: dict[str, Any]) -> dict[str, Any]:
    """A run's executor config laid over CELERY_EXECUTION (``config_source`` key by key)."""
    given = {key: value for key, value in config.items() if value is not None}
    source = {**CELERY_EXECUTION["config_source"], **given.get("config_source", {})}
    return {**CELERY_EXECUTION, **given, "config_source": source}


# dagster-celery's own config schema, every field optional: the launchpad shows the usual fields.
CELERY_EXECUTOR = celery_executor.configured(
    over_shipped, config_schema=celery_executor.config_schema.as_field()
)
