"""What the table assets are called and what they depend on."""

import hashlib
import os

from dagster import AllPartitionMapping, AssetDep, AssetKey

from seed_assets.spec.graph import component_of, linked_fks, links_name, links_tables, parents
from seed_assets.spec.models import Spec

CHECKED_SUFFIX = "_checked"


TARGET_ENV = "SEED_ASSETS_TARGET_URL"


def target_pool(spec: Spec) -> str:
    """The Dagster concurrency pool of every asset writing the spec's target: with the
    instance's pools at ``granularity: run`` and limit 1 (dagster.yaml), one run at a time
    writes it, so two launches cannot interleave their tables.

    The pool is named after the target the definitions are built for (``SEED_ASSETS_TARGET_URL``,
    else the spec's default SQLite file), so specs sharing a database share its pool. The URL's
    password never goes into the name: only a digest of it, beside the database's name."""
    from seed_assets.targets.default_target import default_url

    url = os.environ.get(TARGET_ENV) or default_url(spec)
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    stem = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    label = "".join(c if c.isalnum() else "_" for c in stem)[:40] or "target"
    return f"seed_assets_target__{label}_{digest}"


def table_key(spec: Spec, table: str) -> AssetKey:
    """The asset key of a table (or of a links step, ``<table>_links``): its name, under the
    spec's `asset_prefix` when it has one."""
    return AssetKey([spec.asset_prefix, table] if spec.asset_prefix else [table])


def spec_keys(spec: Spec) -> list[AssetKey]:
    """Every asset key of the spec's data: its tables and their links steps."""
    keys = [table_key(spec, name) for name in spec.tables]
    return keys + [table_key(spec, links_name(name)) for name in links_tables(spec)]


def table_deps(spec: Spec, name: str) -> list[AssetKey]:
    """The tables `name`'s non-deferred FKs reference, and the links step of each of those
    that has one and lies outside `name`'s cycle: read only once complete."""
    inside = component_of(spec, name).tables
    deps = []
    for parent in parents(spec, name):
        deps.append(table_key(spec, parent))
        if parent not in inside and linked_fks(spec, parent):
            deps.append(table_key(spec, links_name(parent)))
    return deps


def checked_key(spec: Spec, table: str) -> AssetKey:
    """The whole-table check asset of a partitioned table: ``<table>_checked``."""
    return AssetKey(
        [spec.asset_prefix, table + CHECKED_SUFFIX]
        if spec.asset_prefix
        else [table + CHECKED_SUFFIX]
    )


def upstream_deps(spec: Spec, table: str) -> list[AssetDep]:
    """What an asset reading `table` depends on: the table; for a partitioned one, all its
    partitions and its whole-table check (so it runs only once the whole table passed)."""
    if not spec.tables[table].partitions:
        return [AssetDep(table_key(spec, table))]
    return [
        AssetDep(table_key(spec, table), partition_mapping=AllPartitionMapping()),
        AssetDep(checked_key(spec, table)),
    ]


def asset_deps(spec: Spec, name: str) -> list[AssetDep]:
    """``table_deps``, a partitioned parent read through all its partitions and its check."""
    deps: list[AssetDep] = []
    for key in table_deps(spec, name):
        parent = key.path[-1]
        if parent in spec.tables and spec.tables[parent].partitions:
            deps += upstream_deps(spec, parent)
        else:
            deps.append(AssetDep(key))
    return deps
