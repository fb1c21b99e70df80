"""The approval guard: a spec's tables are used only while they are validated.

Inside a run, blocking checks already stop everything downstream of a failing table. Run on
its own, an asset downstream of the tables (the ML assets, the IO manager's readers, a user's
own asset) could read stale or unapproved rows; these functions refuse them, saying which:

- a table whose latest blocking checks failed (in Dagster's event log, or in the report's
  section of that table), or that no check has seen since it was last written;
- a database whose validation report (``<db stem>.report.json``) is missing, of another spec,
  or not "approved for ML use".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dagster import AssetCheckKey, AssetKey, DagsterInstance, Failure, MetadataValue

from seed_assets.reports.report import load_report, report_paths
from seed_assets.spec.models import Spec

SHOWN_FAILURES = 10


def _listed(lines: list[str]) -> str:
    shown = "\n".join(f"- {line}" for line in lines[:SHOWN_FAILURES])
    more = len(lines) - SHOWN_FAILURES
    return shown + (f"\n- ... and {more} more" if more > 0 else "")


def load_spec_report(url: str, spec: Spec) -> dict[str, Any]:
    """The validation report of `spec`'s database at `url`, or a Failure saying it is missing."""
    paths = report_paths(url, spec.name)
    report = load_report(paths)
    if report is None or report.get("spec") != spec.name:
        raise Failure(
            f"no validation report of spec '{spec.name}' at {paths.json}; materialise the tables "
            "(their checks write it) or run `seed-assets validate`",
            allow_retries=False,
        )
    return report


def require_approved(url: str, spec: Spec) -> dict[str, Any]:
    """The database's validation report, or a Failure saying why the data is not approved."""
    report = load_spec_report(url, spec)
    if not report.get("approved"):
        failures = report.get("failures", [])
        raise Failure(
            f"the database is not approved for ML use ({len(failures)} failure(s)); "
            f"see {report_paths(url, spec.name).markdown}",
            metadata={"failures": MetadataValue.md(_listed(failures))},
            allow_retries=False,
        )
    return report


def section_refusal(report: dict[str, Any], table: str) -> str | None:
    """Why the report does not vouch for `table`'s rows, or None when it does."""
    section = report.get("tables", {}).get(table)
    if section is None:
        return f"{table} is not validated: no blocking check has seen its current rows"
    failed = [c["name"] for c in section.get("checks", []) if c.get("status") != "PASS"]
    if failed:
        return (
            f"the latest blocking checks of {table} failed: {', '.join(failed)} "
            f"(checked at {section.get('checked_at')}, run {section.get('run_id')})"
        )
    return None


def failed_checks(
    instance: DagsterInstance | None, key: AssetKey, check_names: Iterable[str]
) -> list[str]:
    """The blocking checks of asset `key` whose latest execution, in the instance's event log,
    failed. Empty without an instance (the report still decides)."""
    if instance is None:
        return []
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus,
    )

    keys = [AssetCheckKey(key, name) for name in check_names]
    if not keys:
        return []
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    return [
        check_key.name
        for check_key, record in latest.items()
        if record.status == AssetCheckExecutionRecordStatus.FAILED
    ]


def require_tables_approved(
    url: str,
    spec: Spec,
    tables: Iterable[str],
    *,
    instance: DagsterInstance | None = None,
    keys: dict[str, AssetKey] | None = None,
) -> dict[str, Any]:
    """The report, once each of `tables` passed its latest blocking checks and no check of the
    database failed; otherwise a Failure naming the tables and checks. Tables this reader does
    not read and that no check has seen yet (still being made) do not block it; the full
    verdict, every table validated, is ``require_approved``'s.

    `instance` and `keys` (table -> asset key) add Dagster's own record of the checks: a check
    that failed in a later run than the report shows is caught too.
    """
    from seed_assets.validation.rules import rules_for

    report = load_spec_report(url, spec)
    where = report_paths(url, spec.name).markdown
    refusals = []
    for table in tables:
        names = [rule.check_name(table) for rule in rules_for(spec, table)]
        failed = failed_checks(instance, keys[table], names) if keys and table in keys else []
        if failed:
            refusals.append(f"the latest blocking checks of {table} failed: {', '.join(failed)}")
            continue
        reason = section_refusal(report, table)
        if reason is not None:
            refusals.append(reason)
    if refusals:
        raise Failure(
            "; ".join(refusals)
            + f". Materialise the table again until its checks pass; see {where}",
            metadata={"refused": MetadataValue.md(_listed(refusals))},
            allow_retries=False,
        )
    failed_elsewhere = [
        reason
        for table, section in report.get("tables", {}).items()
        if (reason := section_refusal(report, table)) is not None
    ]
    if failed_elsewhere:  # tables merely not validated yet (still running) do not count
        raise Failure(
            f"the validation report of {report.get('database')} is not approved: "
            + "; ".join(failed_elsewhere[:3])
            + f". See {where}",
            metadata={"failures": MetadataValue.md(_listed(failed_elsewhere))},
            allow_retries=False,
        )
    return report
