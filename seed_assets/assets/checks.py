"""Blocking asset checks (``<table>_<rule>``) from the spec, and their results as Dagster sees them.

The checks themselves are pure functions in ``seed_assets.validation``; this module only
declares them and turns their results into ``AssetCheckResult``s. The table asset runs them on
the generated frame before writing it (see ``tables.py``).
"""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue

from seed_assets.spec.graph import links_name
from seed_assets.spec.models import Spec
from seed_assets.validation.results import CheckResult
from seed_assets.validation.rules import links_rules_for, rules_for


def build_check_specs(spec: Spec, table: str, key: AssetKey) -> list[AssetCheckSpec]:
    """One blocking check per rule that applies to `table` (asset `key`): a failure stops
    everything downstream."""
    return [
        AssetCheckSpec(
            rule.check_name(table),
            asset=key,
            blocking=True,
            description=f"{rule.description} ({rule.engine})",
            metadata={"engine": rule.engine},
        )
        for rule in rules_for(spec, table)
    ]


def build_links_check_specs(spec: Spec, table: str, key: AssetKey) -> list[AssetCheckSpec]:
    """The blocking checks of `table`'s links step (asset `key`): its filled deferred FKs."""
    return [
        AssetCheckSpec(
            rule.check_name(links_name(table)),
            asset=key,
            blocking=True,
            description=f"{rule.description} Deferred FKs, once filled ({rule.engine})",
            metadata={"engine": rule.engine},
        )
        for rule in links_rules_for(spec, table)
    ]


def measurements_markdown(result: CheckResult) -> str:
    lines = ["| measure | figure | bound | result |", "| --- | --- | --- | --- |"]
    if result.error is not None:
        lines.append(f"| (could not run) | {_cell(result.error)} | | ERROR |")
    for m in result.measurements:
        status = "PASS" if m.passed else "FAIL"
        lines.append(f"| {_cell(m.subject)} | {_cell(m.figure)} | {_cell(m.bound)} | {status} |")
    return "\n".join(lines)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def check_metadata(result: CheckResult) -> dict:
    """The report's content for one check: status, each figure against its bound, counts and
    a few failing rows."""
    metadata: dict = {
        "status": result.status,
        "engine": result.engine,
        "measurements": MetadataValue.md(measurements_markdown(result)),
        "failing_measures": sum(not m.passed for m in result.measurements),
    }
    for key, value in result.counts.items():
        if isinstance(value, bool):
            metadata[key] = int(value)
        elif isinstance(value, int | float):
            metadata[key] = value
    if result.samples:
        metadata["failing_samples"] = MetadataValue.json(result.samples)
    if result.error is not None:
        metadata["error"] = MetadataValue.text(result.error)
    return metadata


def check_result(result: CheckResult, key: AssetKey) -> AssetCheckResult:
    """A validation result as the outcome of its blocking check on asset `key`."""
    summary = "; ".join(result.failures()) or "all measures within bounds"
    return AssetCheckResult(
        asset_key=key,
        check_name=result.name,
        passed=result.passed,
        severity=AssetCheckSeverity.ERROR,
        metadata=check_metadata(result),
        description=summary[:2000],
    )
