"""`seed-assets profile`: a spec fitted from a live database's data.

Reflection (``sources/reflect.py``) gives the schema; then each table is read in a
deterministic sample (``sampling.py``) and its columns fitted (``columns.py``), its foreign
keys measured and its date rules found (``keys.py``). Only aggregates reach the spec; each
figure's comment says where it came from. The result is a `Reflection`, written by the YAML
writer like a reflected spec.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from seed_assets.errors import TargetError
from seed_assets.sources.profile import aggregates, dependencies, derived, events
from seed_assets.sources.profile.columns import fit_column
from seed_assets.sources.profile.keys import (
    chosen_rules,
    date_rules,
    fit_foreign_keys,
    gap_fields,
    parse_reference,
)
from seed_assets.sources.profile.sampling import Sampler
from seed_assets.sources.reflect import Reflection, reflect

DEFAULT_SAMPLE_ROWS = 100_000
DEFAULT_MIN_COUNT = 5

__all__ = ["DEFAULT_MIN_COUNT", "DEFAULT_SAMPLE_ROWS", "profile"]


def profile(
    url: str,
    *,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    min_count: int = DEFAULT_MIN_COUNT,
    tables: list[str] | None = None,
    name: str | None = None,
) -> Reflection:
    """Reflect the database at `url`, then fit every column and FK from its data."""
    from seed_assets.targets.base import mask_url
    from seed_assets.targets.parquet_urls import is_parquet_url

    if is_parquet_url(url):
        return _profile_parquet(url, sample_rows, min_count, tables, name)
    reflection = reflect(url, name=name)
    data = reflection.data
    if tables:
        _keep_tables(data, tables, url)
    data["description"] = f"Profiled from {mask_url(url)} (aggregates only)."
    # Where Dagster scores each generation; a password never goes into the file.
    has_secret = sa.make_url(url).password is not None
    data["profile_source"] = "${SEED_ASSETS_PROFILE_URL}" if has_secret else url
    if has_secret:
        reflection.notes.append(
            "profile_source reads ${SEED_ASSETS_PROFILE_URL}: set it to the source's URL for "
            "the Dagster fidelity asset"
        )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            _fit(Sampler(conn, sample_rows), reflection, min_count)
    except sa.exc.SQLAlchemyError as exc:
        raise TargetError(f"cannot read {mask_url(url)}: {exc.__class__.__name__}: {exc}") from None
    finally:
        engine.dispose()
    return reflection


def _profile_parquet(url, sample_rows, min_count, tables, name) -> Reflection:
    """A Parquet folder: keys from its sidecar or the data, rows streamed from its files."""
    from seed_assets.sources.parquet import ParquetSampler, open_source
    from seed_assets.sources.parquet.reflection import reflect_parquet

    source = open_source(url)
    reflection = reflect_parquet(source, url, name)
    data = reflection.data
    if tables:
        _keep_tables(data, tables, url)
    data["description"] = f"Profiled from {url} (aggregates only)."
    data["profile_source"] = url
    _fit(ParquetSampler(source.folder, sample_rows), reflection, min_count)
    for table, table_data in data["tables"].items():  # say where each key came from
        for i, fk in enumerate(table_data.get("foreign_keys", [])):
            why = source.why_fks.get((table, tuple(_names(fk["columns"]))))
            if why:
                measured = reflection.comments.get(("fk", table, str(i)))
                reflection.comments[("fk", table, str(i))] = "; ".join(
                    filter(None, [why, measured])
                )
    return reflection


def _fit(sampler, reflection: Reflection, min_count: int) -> None:
    """Every table's columns and FKs fitted from `sampler`'s reads (a database's or files')."""
    tables = reflection.data["tables"]
    for table, table_data in tables.items():
        _profile_table(sampler, table, table_data, tables, reflection, min_count)
    if isinstance(sampler, Sampler):  # exact equalities are checked by the database's SQL
        aggregates.learn(sampler, tables, reflection.comments)
    _drop_settled_notes(reflection)
    _check(reflection)


def _drop_settled_notes(reflection: Reflection) -> None:
    """Reflection's "may be a copy (`via`)" notes the data has settled either way."""
    settled = {
        f"{table}.{_names(fk['columns'])[0]} may be"
        for table, data in reflection.data["tables"].items()
        for fk in data.get("foreign_keys", [])
    }
    reflection.notes = [n for n in reflection.notes if not any(n.startswith(s) for s in settled)]


def _keep_tables(data: dict, wanted: list[str], url: str) -> None:
    unknown = [t for t in wanted if t not in data["tables"]]
    if unknown:
        raise TargetError(f"no table {', '.join(map(repr, unknown))} in the database")
    missing = set()
    for t in wanted:
        for fk in data["tables"][t].get("foreign_keys", []):
            from seed_assets.sources.profile.keys import parse_reference

            parent, _ = parse_reference(fk)
            if parent not in wanted:
                missing.add(f"{t} -> {parent}")
    if missing:
        raise TargetError(
            f"--tables leaves out referenced tables ({'; '.join(sorted(missing))}); add them"
        )
    data["tables"] = {t: v for t, v in data["tables"].items() if t in wanted}


def _profile_table(sampler, table: str, data: dict, tables: dict, out: Reflection, k: int):
    rows = sampler.row_count(table)
    sample = sampler.sample(table)
    if "rows" in data:
        data["rows"] = rows
        out.comments[("rows", table)] = f"{rows:,} rows in the source"
    fk_columns = {c for fk in data.get("foreign_keys", []) for c in _names(fk["columns"])}
    keys = set(data.get("primary_key", []))
    declared = {c for c, f in data["columns"].items() if _nullable(f)}
    for column, fields in data["columns"].items():
        series = sample.get(column)
        if series is None:
            continue
        if column in fk_columns:
            fraction = float(series.isna().mean()) if len(series) else 0.0
            fields.pop("null_fraction", None)
            fields.pop("nullable", None)
            if fraction > 0:
                fields["null_fraction"] = round(min(fraction, 0.999), 4)
            out.comments[("column", table, column)] = (
                f"foreign key; {fraction:.1%} NULL of {len(series):,} sampled"
            )
            continue
        if column in keys or fields.get("unique") or "sequence" in fields:
            continue  # keys and unique columns keep reflection's generated values
        data["columns"][column], out.comments[("column", table, column)] = fit_column(
            series, fields, k
        )
    fit_foreign_keys(sampler, table, data, out.comments, sample, tables)
    for column in declared:  # no NULL in the data: still nullable, as the schema declares
        if not _nullable(data["columns"][column]):
            data["columns"][column]["nullable"] = True
    found = date_rules(sampler, table, data, tables)
    apart = {id(r) for r in found if _separated(r, data, tables)}
    for rule in found:
        if id(rule) in apart:
            out.comments[("column", table, rule.column)] += (
                f"; never before {rule.after} in the source, kept by the ranges alone"
            )
    rules = chosen_rules([r for r in found if id(r) not in apart])
    _dependencies(sampler, table, data, tables, sample, out, k)
    for rule in rules:
        fields = data["columns"][rule.column]
        until = (fields.get("between") or [None, None])[1]
        for key in ("between", "after", "gap", "until", "shape"):
            fields.pop(key, None)
        fields.update(gap_fields(rule, until, k))
        out.comments[("column", table, rule.column)] += (
            f"; never before {rule.after} in the source: gap in days as measured"
        )
    fk_columns = {c for fk in data.get("foreign_keys", []) for c in _names(fk["columns"])}
    keys = set(data.get("primary_key", [])) | fk_columns
    if isinstance(sampler, Sampler):  # checked on every row by one SQL query
        derived.learn(sampler, table, data, keys, out.comments)
    # Last: only columns still drawn on their own (no `after`, no dependency) can correlate.
    pairs = dependencies.correlations(data, sample, keys)
    if pairs:
        data["correlations"] = pairs


def _dependencies(sampler, table: str, data: dict, tables: dict, sample, out, k: int) -> None:
    fks = [fk for fk in data.get("foreign_keys", []) if fk.get("via") is None]
    targets = [parse_reference(fk)[0] for fk in fks]
    parents = {}
    for fk, parent in zip(fks, targets, strict=True):
        if parent == table or targets.count(parent) != 1 or parent not in tables:
            continue
        _, refs = parse_reference(fk)
        joined = sampler.joined_sample(table, _names(fk["columns"]), parent, refs)
        parents[parent] = (tables[parent], joined)
    fk_columns = {c for fk in data.get("foreign_keys", []) for c in _names(fk["columns"])}
    found = dependencies.candidates(table, data, sample, parents, fk_columns, k)
    keys = set(data.get("primary_key", [])) | fk_columns
    found += events.candidates(data, sample, parents, keys)
    for item in dependencies.choose(found):
        dependencies.apply(item, data["columns"][item.column])
        out.comments[("column", table, item.column)] += f"; {item.why}"


def _separated(rule, data: dict, tables: dict) -> bool:
    """The rule holds by the columns' ranges alone (every later value after every earlier
    one): both keep their own `between` and shapes. Ends are means of extremes, so the later
    range's start is never before the earlier range's end."""
    if rule.parent is None:
        earlier = data["columns"][rule.after]
    else:
        earlier = tables[rule.parent]["columns"][rule.after.split(".", 1)[1]]
    later = data["columns"][rule.column]
    if "between" not in earlier or "between" not in later:
        return False
    return pd.Timestamp(later["between"][0]) >= pd.Timestamp(earlier["between"][1])


def _nullable(fields: dict) -> bool:
    return bool(fields.get("nullable")) or (fields.get("null_fraction") or 0) > 0


def _names(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check(reflection: Reflection) -> None:
    from seed_assets.errors import SpecError
    from seed_assets.spec.loader import spec_from_dict

    try:
        spec_from_dict(reflection.data, source="<profiled>")
    except SpecError as exc:
        reflection.notes.append(f"the profiled spec does not load yet: {exc}")
