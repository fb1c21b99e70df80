"""Fits across tables: children per parent for each FK (an empirical histogram; the driving
FK's as its cardinality, the others' as their spread) and the date rules that always hold in
the data (a date never before another of its row or of its parent row), with their gaps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from seed_assets.sources.profile.columns import QUANTILE_KNOTS, range_ends
from seed_assets.sources.profile.sampling import Sampler
from seed_assets.spec.models import TEMPORAL_TYPES

_REF = re.compile(r"^\s*([\w$]+)\s*\((.*)\)\s*$")


def parse_reference(fk: dict[str, Any]) -> tuple[str, list[str]]:
    ref = fk["references"]
    if isinstance(ref, dict):
        return ref["table"], list(ref["columns"])
    match = _REF.match(ref)
    return match.group(1), [c.strip() for c in match.group(2).split(",")]


def histogram_dist(histogram: dict[int, int]) -> dict[str, Any]:
    total = sum(histogram.values())
    shares = {int(k): round(v / total, 6) for k, v in histogram.items() if v}
    first = next(iter(shares))
    shares[first] = round(1.0 - sum(v for k, v in shares.items() if k != first), 6)
    return {"kind": "empirical", "counts": shares}


def describe_histogram(histogram: dict[int, int]) -> str:
    parents = sum(histogram.values())
    children = sum(k * v for k, v in histogram.items())
    none = histogram.get(0, 0) / parents if parents else 0.0
    return (
        f"children per parent as measured: mean {children / max(parents, 1):.2f}, "
        f"max {max(histogram)}, {none:.0%} of parents with none"
    )


def fit_foreign_keys(
    sampler: Sampler, table: str, data: dict[str, Any], comments, sample: pd.DataFrame, tables
) -> None:
    """Replace reflection's guessed cardinalities with measured histograms. The driving FK
    becomes the one with the most parents among those never NULL in the data (the steadiest
    row count); the others pick parents in proportion to a measured spread."""
    fks = data.get("foreign_keys", [])
    _plain_in_cycles(table, fks, tables, comments)
    _copied_keys(sampler, table, fks, tables, comments)
    had_driving = any(fk.get("cardinality") is not None for fk in fks)
    driving_index = _driving(sampler, table, data, sample, tables)
    if had_driving:
        for fk in fks:
            fk.pop("cardinality", None)
    if driving_index is not None:
        fks[driving_index]["cardinality"] = "placeholder"
    elif had_driving:  # no FK can drive it: a row count of its own
        data["rows"] = sampler.row_count(table)
        comments[("rows", table)] = f"{data['rows']:,} rows in the source (no FK can drive it)"
    for i, fk in enumerate(fks):
        parent, _ = parse_reference(fk)
        if fk.get("via") is not None or parent == table:
            continue
        histogram = sampler.children_histogram(table, list(_as_list(fk["columns"])), parent)
        if not histogram:
            continue
        driving = fk.pop("cardinality", None) is not None
        fk.pop("spread", None)
        fk["cardinality" if driving else "spread"] = histogram_dist(histogram)
        role = "drives the row count" if driving else "parents picked in proportion"
        comments[("fk", table, str(i))] = f"{describe_histogram(histogram)}; {role}"


def _driving(
    sampler: Sampler, table: str, data: dict, sample: pd.DataFrame, tables: dict
) -> int | None:
    fks = data.get("foreign_keys", [])
    current = next((i for i, fk in enumerate(fks) if fk.get("cardinality") is not None), None)
    if current is None:
        return None

    def back(fk) -> bool:
        """The parent references this table too (staff <-> store): driving through it would
        need each table's rows before the other's."""
        parent = tables.get(parse_reference(fk)[0], {})
        return any(parse_reference(f)[0] == table for f in parent.get("foreign_keys", []))

    if any(
        isinstance(f.get("sequence"), dict) and f["sequence"].get("per_parent")
        for f in data["columns"].values()
    ):
        return current  # a per-parent sequence counts within reflection's driving FK
    best, most = (None, -1) if back(fks[current]) else (current, -1)
    for i, fk in enumerate(fks):
        parent, _ = parse_reference(fk)
        cols = _as_list(fk["columns"])
        if fk.get("via") is not None or parent == table or back(fk):
            continue
        if any(c not in sample or sample[c].isna().any() for c in cols):
            continue
        parents = sampler.row_count(parent)
        if parents > most:
            best, most = i, parents
    if best is not None and best != current:
        for c in _as_list(fks[best]["columns"]):
            data["columns"][c].pop("null_fraction", None)
            data["columns"][c].pop("nullable", None)
    return best


def _copied_keys(sampler: Sampler, table: str, fks: list[dict], tables: dict, comments) -> None:
    """A denormalised FK the data always agrees with: `transactions.customer_id` is the
    customer of its account in every row. It becomes a copy (`via`), so the rules that hold
    through either path (a transaction after its customer registered) keep holding."""
    for i, fk in enumerate(fks):
        if (
            fk.get("via") is not None
            or fk.get("cardinality") is not None
            or len(_as_list(fk["columns"])) != 1
        ):
            continue
        parent, refs = parse_reference(fk)
        for other in fks:
            middle, middle_refs = parse_reference(other)
            if other is fk or middle in (table, parent) or middle not in tables:
                continue
            if other.get("via") is not None or len(_as_list(other["columns"])) != 1:
                continue
            carrier = next(
                (
                    f
                    for f in tables[middle].get("foreign_keys", [])
                    if parse_reference(f) == (parent, refs) and len(_as_list(f["columns"])) == 1
                ),
                None,
            )
            if carrier is None:
                continue
            if sampler.disagreements(
                table,
                _as_list(other["columns"])[0],
                middle,
                middle_refs[0],
                _as_list(fk["columns"])[0],
                _as_list(carrier["columns"])[0],
            ):
                continue
            through = _as_list(other["columns"])[0]
            fk["via"] = through
            comments[("fk", table, str(i))] = (
                f"the {parent} of its {through} row in every source row: copied (`via`)"
            )
            break


def _plain_in_cycles(table: str, fks: list[dict], tables: dict, comments) -> None:
    """A denormalised copy (`via`) through an FK whose parent references this table back
    (staff <-> store) cannot be made: neither table's rows come first. It becomes a plain
    reference."""
    for i, fk in enumerate(fks):
        through = fk.get("via")
        if through is None:
            continue
        carrier = next((f for f in fks if _as_list(f["columns"])[0] == through), None)
        parent = tables.get(parse_reference(carrier)[0], {}) if carrier else {}
        if any(parse_reference(f)[0] == table for f in parent.get("foreign_keys", [])):
            fk.pop("via")
            comments[("fk", table, str(i))] = f"a plain reference: {through} lies in a cycle"


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@dataclass
class DateRule:
    column: str
    after: str  # "col" (this table) or "parent.col"
    gaps: np.ndarray  # days
    parent: str | None


def date_rules(sampler: Sampler, table: str, data: dict[str, Any], tables: dict) -> list[DateRule]:
    """Every `later >= earlier` that holds on all rows, in the table and across single FKs."""
    columns = data["columns"]
    temporal = [c for c, f in columns.items() if f["type"] in TEMPORAL_TYPES]
    if not temporal:
        return []
    rules: list[DateRule] = []
    sample = None
    for later in temporal:
        for earlier in temporal:
            if later == earlier or _has_nulls(columns[earlier]):
                continue
            if sampler.count_before(table, None, None, None, later, earlier):
                continue
            if sample is None:
                sample = sampler.sample(table)
            gaps = _gap_days(sample[later], sample[earlier])
            if len(gaps) >= 2:
                rules.append(DateRule(later, earlier, gaps, None))
    fks = [fk for fk in data.get("foreign_keys", []) if fk.get("via") is None]
    targets = [parse_reference(fk)[0] for fk in fks]
    for fk, parent in zip(fks, targets, strict=True):
        if parent == table or targets.count(parent) != 1 or parent not in tables:
            continue
        _, refs = parse_reference(fk)
        fk_cols = _as_list(fk["columns"])
        parent_cols = tables[parent]["columns"]
        for earlier in (
            c for c, f in parent_cols.items() if f["type"] in TEMPORAL_TYPES and not _has_nulls(f)
        ):
            for later in temporal:
                if sampler.count_before(table, fk_cols, parent, refs, later, earlier):
                    continue
                pairs = sampler.joined_pairs(table, fk_cols, parent, refs, later, earlier)
                gaps = _gap_days(pairs["child"], pairs["parent"])
                if len(gaps) >= 2:
                    rules.append(DateRule(later, f"{parent}.{earlier}", gaps, parent))
    return rules


def _has_nulls(fields: dict[str, Any]) -> bool:
    """The column is NULL in some rows: a date after it would be NULL there too (a payment
    updated after a return that has not happened), changing its own NULL share."""
    return (fields.get("null_fraction") or 0) > 0


def _gap_days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    a = pd.to_datetime(later, errors="coerce", utc=True)
    b = pd.to_datetime(earlier, errors="coerce", utc=True)
    gap = ((a - b).dt.total_seconds() / 86_400).dropna().to_numpy()
    return gap[gap >= 0]


def chosen_rules(rules: list[DateRule]) -> list[DateRule]:
    """One `after` per column: the tightest rule (smallest median gap), no circles."""
    best: dict[str, DateRule] = {}
    for rule in sorted(rules, key=lambda r: float(np.median(r.gaps))):
        best.setdefault(rule.column, rule)
    chosen: dict[str, DateRule] = {}
    for column, rule in best.items():
        seen, step = {column}, rule
        while step is not None and step.parent is None:
            if step.after in seen:
                break
            seen.add(step.after)
            step = chosen.get(step.after) or best.get(step.after)
        else:
            chosen[column] = rule
    return list(chosen.values())


def gap_fields(rule: DateRule, until: str | None, min_count: int) -> dict[str, Any]:
    low, high = range_ends(rule.gaps, min_count)
    knots = np.quantile(rule.gaps, np.linspace(0, 1, QUANTILE_KNOTS + 1))
    knots[0], knots[-1] = max(low, 0.0), max(high, 0.0)
    knots = np.maximum.accumulate(np.clip(knots, knots[0], knots[-1]))
    fields: dict[str, Any] = {
        "after": rule.after,
        "gap": {"kind": "quantiles", "values": [float(f"{k:.6g}") for k in knots]},
    }
    if until is not None:
        fields["until"] = until
    return fields
