"""Keys of a Parquet export without a sidecar, inferred from the data, each with how sure.

- primary key: a column never NULL and never repeated, of integer or text type, named like the
  table's key (``id``, ``<table>_id``, ``<Table>Id``) or else ending in ``id``; a table without
  one whose foreign-key columns are unique together (a link table) gets those as its key;
- foreign key: a column whose every value is a key of another table, when the names agree
  (``CustomerId`` -> ``Customer.CustomerId``, ``customer_id`` -> ``customers.id``,
  ``order_id`` -> ``raw_orders.id``).

Columns are checked whole, one at a time (never a whole table), up to `FULL_CHECK_ROWS` rows;
a bigger table is judged on its first `FULL_CHECK_ROWS` rows and the key called likely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from seed_assets.sources.parquet.folder import ParquetFolder
from seed_assets.sources.parquet.sidecar import Keys, value_family

FULL_CHECK_ROWS = 5_000_000


@dataclass
class Inferred:
    keys: Keys
    why_primary: str | None
    why_fks: dict[tuple[str, ...], str]  # FK columns -> how it was found


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _singular(name: str) -> str:
    for plural, single in (("ies", "y"), ("ses", "s"), ("s", "")):
        if name.endswith(plural) and len(name) > len(plural) + 1:
            return name[: -len(plural)] + single
    return name


def _entity_names(table: str) -> set[str]:
    """`raw_orders` is about orders too: the name and each of its underscore-separated tails
    (an export's prefixes: raw_, stg_, dim_, fct_)."""
    words = [w for w in re.split(r"[_\s.]+", table) if w]
    return {_norm("".join(words[i:])) for i in range(len(words))} | {_norm(table)}


def _keyable(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)


class KeyFinder:
    def __init__(self, folder: ParquetFolder) -> None:
        self.folder = folder
        self._columns: dict[tuple[str, str], pa.Array] = {}

    def column(self, table: str, name: str) -> pa.Array:
        """One column, whole (up to FULL_CHECK_ROWS rows), cached for the containment checks."""
        if (table, name) not in self._columns:
            chunks, seen = [], 0
            for batch in self.folder.batches(table, [name]):
                chunks.append(batch.column(0))
                seen += len(batch)
                if seen >= FULL_CHECK_ROWS:
                    break
            kind = self.folder.schema(table).field(name).type
            array = pa.concat_arrays(chunks) if chunks else pa.array([], type=kind)
            self._columns[(table, name)] = array
        return self._columns[(table, name)]

    def certainty(self, table: str) -> str:
        rows = self.folder.row_count(table)
        if rows > FULL_CHECK_ROWS:
            return f"likely (checked on the first {FULL_CHECK_ROWS:,} of {rows:,} rows)"
        return f"sure (checked on all {rows:,} rows)"

    def unique(self, table: str, names: list[str]) -> bool:
        arrays = [self.column(table, n) for n in names]
        if not len(arrays[0]) or any(a.null_count for a in arrays):
            return False
        if len(arrays) == 1:
            return pc.count_distinct(arrays[0]).as_py() == len(arrays[0])
        joined = pa.table({str(i): a for i, a in enumerate(arrays)})
        return joined.group_by([str(i) for i in range(len(arrays))]).aggregate([]).num_rows == len(
            arrays[0]
        )

    def primary_key(self, table: str) -> tuple[list[str], str] | None:
        schema = self.folder.schema(table)
        t = _norm(table)
        named = {"id", f"{t}id", f"{_singular(t)}id"}
        ordered = sorted(
            (f.name for f in schema if _keyable(f.type)),
            key=lambda n: (_norm(n) not in named, not _norm(n).endswith("id")),
        )
        for name in ordered:
            if not _norm(name).endswith("id"):
                break
            if self.unique(table, [name]):
                how = "named like the table's key" if _norm(name) in named else "named …id"
                return [name], (
                    f"inferred: never NULL, never repeated, {how}; {self.certainty(table)}"
                )
        return None

    def references(self, table: str, name: str, parents: dict[str, list[str]]) -> str | None:
        """The table whose single-column key holds every value of `table.name` and whose
        names agree; None when none does."""
        kind = self.folder.schema(table).field(name).type
        if not _keyable(kind) and not pa.types.is_floating(kind):
            return None  # floats: an integer column with NULLs, as pandas exports one
        n = _norm(name)
        found = []
        for parent, key in parents.items():
            if parent == table or len(key) != 1:
                continue
            k = _norm(key[0])
            agree = (n == k and k != "id") or any(
                n in (f"{p}{k}", f"{_singular(p)}{k}") for p in _entity_names(parent)
            )
            if not agree:
                continue
            keys = self.column(parent, key[0])
            if value_family(keys.type) != value_family(kind):
                continue
            try:  # integral floats compare as the key's integers; others are no key
                values = self.column(table, name).drop_null().cast(keys.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            if len(values) and pc.all(pc.is_in(values, value_set=keys)).as_py():
                found.append((n != k, parent))
        return min(found)[1] if found else None


def infer_keys(folder: ParquetFolder, declared: dict[str, Keys]) -> dict[str, Inferred]:
    """Keys of every table not in `declared` (which keeps its own)."""
    finder = KeyFinder(folder)
    out: dict[str, Inferred] = {}
    for table in folder.files:
        if table in declared:
            continue
        found = finder.primary_key(table)
        keys = Keys(primary_key=found[0] if found else [])
        out[table] = Inferred(keys, found[1] if found else None, {})
    primary = {t: k.primary_key for t, k in declared.items()}
    primary |= {t: i.keys.primary_key for t, i in out.items()}
    for table, inferred in out.items():
        pk = inferred.keys.primary_key
        for field in folder.schema(table):
            if [field.name] == pk:
                continue
            parent = finder.references(table, field.name, primary)
            if parent is None:
                continue
            inferred.keys.foreign_keys.append(([field.name], parent, list(primary[parent])))
            inferred.why_fks[(field.name,)] = (
                f"inferred: every value is found in {parent}.{primary[parent][0]} and the names "
                f"agree; {finder.certainty(table)}"
            )
        fk_columns = [c for cols, _, _ in inferred.keys.foreign_keys for c in cols]
        if not pk and len(fk_columns) >= 2 and finder.unique(table, fk_columns):
            inferred.keys.primary_key = fk_columns
            inferred.why_primary = (
                "inferred: its foreign keys are never repeated together (a link table); "
                + finder.certainty(table)
            )
    return out
