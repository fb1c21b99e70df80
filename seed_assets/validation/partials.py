"""A partition's checks, kept, and a whole table's checks concluded from its partitions' kept
checks instead of a second pass over every row.

A partition's ``TableChecker`` (``partial``, ``mergeable``, its sample strided over the whole
table's rows) is summarised once it concluded (``summarise``): its counts, failing rows, the
children per parent of each FK, its share of the table's sample (Parquet bytes) and of the date
gaps, its relations counts and where its keys start and end. ``combine`` adds the partitions'
summaries, in partition order, into one whole-table checker whose ``conclude`` gives the
table's results as a pass over every row would: the same rules, on the same totals, the sample
the same rows. What cannot be added (a self-referencing FK, a unique key that is not in key
order) gives no summary; the table is then read back whole (``NotCombinable``).

The format is NumPy's ``.npz`` read with ``allow_pickle=False``: arrays, Parquet bytes, and one
JSON document; nothing in it is executed.
"""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from seed_assets.engine.parents import ParentSource
from seed_assets.spec.models import Spec
from seed_assets.validation import relations
from seed_assets.validation.accumulators import ParentCounts, Samples
from seed_assets.validation.aggregates import AggregateCheck
from seed_assets.validation.results import SAMPLE_ROWS as SHOWN_ROWS
from seed_assets.validation.sampled import typed_frame
from seed_assets.validation.stream import TableChecker

FORMAT = 1


class NotCombinable(Exception):
    """The partitions' summaries do not make the table's checks; read the table back instead."""


@dataclass
class Kept:
    """One partition's summary as read back: what identifies it, and its arrays."""

    meta: dict
    arrays: dict[str, np.ndarray]

    def frame(self, key: str) -> pd.DataFrame:
        return pq.read_table(pa.BufferReader(self.arrays[key].tobytes())).to_pandas()


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} in a partition summary")


def _parquet(frame: pd.DataFrame) -> np.ndarray:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return np.frombuffer(sink.getvalue(), dtype=np.uint8)


# -- one partition ------------------------------------------------------------------------------


def summarise(checker: TableChecker, **stamp) -> bytes | None:
    """A concluded partition checker's summary (`stamp`: what identifies its rows: seed,
    scale, partition, ...), or None when its checks cannot be added to others'."""
    if any(fk.references.table == checker.name for fk in checker.fks) or checker.links:
        return None
    keys = []
    for tracker in checker._keys:
        if tracker.mode not in (None, "ordered", "numbered"):
            return None  # values kept, or out of order: only a pass over every row says
        keys.append([tracker.mode, tracker.first, tracker.last])
    arrays: dict[str, np.ndarray] = {}
    counts = []
    for label, kept in {**checker._fk_counts, **checker._parent_counts}.items():
        fk = next(f for f in checker.fks if f.label == label)
        start = checker._parents_counted(fk)[0] if label in checker._parent_counts else 0
        arrays[f"children/{len(counts)}"] = kept.counts
        counts.append([label, start])
    for i, parts in enumerate(checker._gaps.values()):
        arrays[f"gaps/{i}"] = np.concatenate(parts) if parts else np.zeros(0)
    if checker._sample_parts:
        arrays["sample"] = _parquet(pd.concat(checker._sample_parts, ignore_index=True))
        arrays["sample_rows"] = np.concatenate(checker._sample_rows)
    parents = list(checker._parent_parts)
    for i, parent in enumerate(parents):
        rows = pd.concat(checker._parent_parts[parent], ignore_index=True)
        arrays[f"parent/{i}"] = _parquet(rows)
    meta = {
        "format": FORMAT,
        **stamp,
        "table": checker.name,
        "rows": checker.rows,
        "first_row": checker.first_row,
        "every": checker.every,
        "sample_limit": checker.sample_limit,
        "parent_range": list(checker.parent_range) if checker.parent_range else None,
        "errors": checker.errors,
        "counts": checker._counts,
        "samples": {k: s.rows for k, s in checker._samples.items()},
        "keys": keys,
        "rare": checker._rare,
        "rare_rows": checker._rare_rows,
        "nulls": checker._nulls,
        "null_samples": checker._null_samples.rows,
        "children": counts,
        "gaps": list(checker._gaps),
        "parents": parents,
        "fk_nulls": checker._fk_nulls,
        "profile_errors": checker._profile_errors,
        "relations": _relations_meta(checker._relations, arrays),
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta, default=_plain).encode(), dtype=np.uint8)
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue()


def _relations_meta(check: relations.RelationsCheck | None, arrays: dict) -> dict | None:
    if check is None:
        return None
    for i, histogram in enumerate(check.histograms.values()):
        arrays[f"histogram/{i}"] = histogram
    for i, parts in enumerate(check.correlated.values()):
        arrays[f"correlated/{i}"] = np.concatenate(parts) if parts else np.zeros(0)
    return {
        "counts": check.counts,
        "bounds": check.bounds,
        "histograms": list(check.histograms),
        "correlated": list(check.correlated),
        "samples": check.samples,
        "at_least": sorted(check.at_least),
        "aggregates": [
            [a.parent, a.column, a.differing, a.compared, a.samples] for a in check.aggregates or []
        ],
    }


def read(blob: bytes) -> Kept:
    """A summary as ``summarise`` wrote it (no pickled object is loaded)."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    if meta.get("format") != FORMAT:
        raise NotCombinable(f"a summary of format {meta.get('format')}, not {FORMAT}")
    return Kept(meta, arrays)


# -- the whole table ----------------------------------------------------------------------------


def combine(
    spec: Spec,
    name: str,
    source: ParentSource,
    parts: list[Kept],
    *,
    scale: float,
    expected_rows: int,
) -> TableChecker:
    """The whole table's checker, its totals those of `parts` (every partition, in order),
    ready to ``conclude``. Raises ``NotCombinable`` when they do not tile the table."""
    if not parts:
        raise NotCombinable("no partition summarised")
    limit = parts[0].meta["sample_limit"]
    checker = TableChecker(
        spec, name, source, scale=scale, expected_rows=expected_rows, sample_limit=limit
    )
    at = 0
    for part in parts:
        meta = part.meta
        if meta["table"] != name or meta["first_row"] != at:
            raise NotCombinable(f"partition {meta.get('partition')} does not start at row {at:,}")
        if meta["rows"] and meta["every"] != checker.every:
            raise NotCombinable(f"partition {meta.get('partition')} sampled another stride")
        at += meta["rows"]
    if at != expected_rows:
        raise NotCombinable(f"the partitions' checks saw {at:,} rows, not {expected_rows:,}")
    checker.rows = at
    for part in parts:
        _add_part(checker, part)
    _combine_keys(checker, parts)
    _combine_relations(checker, [p for p in parts if p.meta["relations"] is not None])
    return checker


def _add_part(checker: TableChecker, part: Kept) -> None:
    meta, arrays = part.meta, part.arrays
    checker.errors.update(meta["errors"])
    checker._profile_errors.update(meta["profile_errors"])
    for key, value in meta["counts"].items():
        checker._counts[key] = checker._counts.get(key, 0) + value
    for rule, rows in meta["samples"].items():
        _extend(checker._samples.setdefault(rule, Samples()).rows, rows)
    for column, (events, n) in meta["rare"].items():
        have = checker._rare.setdefault(column, [0, 0])
        have[0] += events
        have[1] += n
    for column, rows in meta["rare_rows"].items():
        _extend(checker._rare_rows.setdefault(column, []), rows)
    for column, n in meta["nulls"].items():
        checker._nulls[column] = checker._nulls.get(column, 0) + n
    _extend(checker._null_samples.rows, meta["null_samples"])
    for label, n in meta["fk_nulls"].items():
        checker._fk_nulls[label] = checker._fk_nulls.get(label, 0) + n
    for i, (label, start) in enumerate(meta["children"]):
        fk = next(f for f in checker.fks if f.label == label)
        whole = checker._parent_counts.get(label)
        if whole is None:  # the smallest integers that hold them, as a pass over every row
            parents = checker.source.row_count(fk.references.table)
            whole = checker._parent_counts[label] = ParentCounts(parents)
        counts = arrays[f"children/{i}"]
        if start + len(counts) > len(whole.counts):
            raise NotCombinable(f"children of {label} beyond its parents' rows")
        whole.add_at(start, counts)
    for i, column in enumerate(meta["gaps"]):
        checker._gaps.setdefault(column, []).append(arrays[f"gaps/{i}"])
    if "sample" in arrays:
        checker._sample_parts.append(typed_frame(part.frame("sample"), checker.spec, checker.name))
        checker._sample_rows.append(arrays["sample_rows"])
    for i, parent in enumerate(meta["parents"]):
        frame = typed_frame(part.frame(f"parent/{i}"), checker.spec, parent)
        checker._parent_parts.setdefault(parent, []).append(frame)


def _extend(rows: list, more: list) -> None:
    rows += more[: max(0, SHOWN_ROWS - len(rows))]


def _combine_keys(checker: TableChecker, parts: list[Kept]) -> None:
    """Each unique key followed in key order by every partition: the table's is in order too
    when each partition's keys come after the previous one's."""
    for i, tracker in enumerate(checker._keys):
        ranges = [p.meta["keys"][i] for p in parts if p.meta["keys"][i][0] is not None]
        if len({mode for mode, _, _ in ranges}) > 1:
            raise NotCombinable(f"key ({', '.join(tracker.key)}) followed two ways")
        for (_, _, last), (_, first, _) in itertools.pairwise(ranges):
            if not first > last:
                raise NotCombinable(f"key ({', '.join(tracker.key)}) not in partition order")
        if ranges:
            tracker.mode, tracker.first, tracker.last = ranges[0][0], ranges[0][1], ranges[-1][2]


class _Finished:
    """The parent access of aggregates each partition already finished: never read."""

    at = None


def _combine_relations(checker: TableChecker, parts: list[Kept]) -> None:
    if not parts:
        return
    check = relations.RelationsCheck(checker.spec, checker.name)
    correlated: dict[str, list[np.ndarray]] = {}
    aggregates: dict[tuple[str, str], AggregateCheck] = {}
    for part in parts:
        meta = part.meta["relations"]
        for subject, (hits, rows) in meta["counts"].items():
            check._count(subject, hits, rows)
        check.bounds.update(meta["bounds"])
        check.at_least.update(meta["at_least"])
        check.samples += meta["samples"][: max(0, SHOWN_ROWS - len(check.samples))]
        for i, column in enumerate(meta["histograms"]):
            histogram = part.arrays[f"histogram/{i}"]
            have = check.histograms.get(column)
            check.histograms[column] = histogram if have is None else have + histogram
        for i, column in enumerate(meta["correlated"]):
            correlated.setdefault(column, []).append(part.arrays[f"correlated/{i}"])
        for parent, column, differing, compared, samples in meta["aggregates"]:
            aggregate = aggregates.get((parent, column))
            if aggregate is None:
                aggregate = AggregateCheck(checker.spec, checker.name, parent, column, range(0))
                aggregates[(parent, column)] = aggregate
            aggregate.differing += differing
            aggregate.compared += compared
            _extend(aggregate.samples, samples)
    # The correlation's sample: evenly strided over every partition's, no more than one pass
    # over the table keeps.
    for column, arrays in correlated.items():
        values = np.concatenate(arrays)
        step = max(1, -(-len(values) // relations.CORRELATION_SAMPLE))
        check.correlated[column] = [values[::step]]
    check.aggregates = list(aggregates.values()) or None
    check._access = _Finished()
    checker._relations = check
