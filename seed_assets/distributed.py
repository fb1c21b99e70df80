"""Steps on other machines: the dagster-celery executor settings of ``materialize_all_celery``.

The same block is what the workers start with (``deploy/celery-worker.yaml``): launcher and
workers must agree on the broker and on how many steps a worker takes at once.
"""

from __future__ import annotations

from typing import Any

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
