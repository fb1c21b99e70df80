"""One asset per spec table; its upstream deps are exactly the tables its FKs reference.

Each table asset is gated by its blocking checks (``checks.py``). It streams: chunk by chunk it
generates rows from its parents' committed rows (read in slices, ``targets/reading.py``), feeds
them to the checks' accumulators (``validation/stream.py``) and to the writer, inside one
transaction. After the last row the checks conclude, before commit: when any fails, the writer
rolls everything back, the table keeps what it held before, the step fails without a
materialisation, and Dagster skips everything downstream. Either way the report beside the
database is updated.

FK cycles (see ``assets/cycles.py``): a deferred FK of a nullable cycle is no dep of its table;
a ``<table>_links`` asset fills it, and tables outside the cycle that read such a table depend
on its links asset too, so they only ever see it complete. A NOT NULL cycle is one multi-asset.
Specs with cycles, or with CHECKs that drop rows, keep the whole-table path: the table is made
in memory from its parents' committed rows, checked, then written.

A table with ``partitions: N`` is a partitioned asset instead: each partition (a range of its
parent chunks, ``engine/partitions.py``) is generated from its own streams, checked and written
in its own transaction, alone, on any worker. A non-partitioned asset ``<table>_checked`` then
checks the whole table (all partitions) with the table's blocking checks; children and the ML
assets depend on it, so they see the whole table, checked.
"""

import time
from collections.abc import Callable, Iterator

import pandas as pd
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    StaticPartitionsDefinition,
    TableColumn,
    TableColumnConstraints,
    TableSchema,
    asset,
)

from seed_assets.assets.checks import build_check_specs, check_result
from seed_assets.engine.parents import RegeneratedParents
from seed_assets.engine.partitions import partition_keys, plan_partition
from seed_assets.engine.run import FRAME_ROWS, streamable
from seed_assets.engine.table import TableGenerator
from seed_assets.errors import SpecError
from seed_assets.reports.report import (
    forget_tables,
    report_paths,
    table_section,
    update_report,
)
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.graph import (
    ancestors,
    component_of,
    components,
    linked_fks,
    links_name,
    links_tables,
    parents,
)
from seed_assets.spec.models import Spec
from seed_assets.validation.inputs import TableData, check_parent_columns
from seed_assets.validation.profile import profile_table
from seed_assets.validation.results import CheckResult
from seed_assets.validation.rules import check_table
from seed_assets.validation.stream import SAMPLE_ROWS, TableChecker

FrameHook = Callable[[str, pd.DataFrame], pd.DataFrame]
CHECKED_SUFFIX = "_checked"


def build_table_assets(
    spec: Spec, *, frame_hook: FrameHook | None = None, io_manager_key: str | None = None
) -> list[AssetsDefinition]:
    """The spec's tables as assets in group ``spec.name``, keyed by table name; a partitioned
    table also gets its ``<table>_checked`` asset.

    `frame_hook(table, frame)` is applied to each generated chunk before its checks run (and
    `frame_hook("<table>_links", frame)` to a links step's); the tests use it to break data on
    purpose. The definitions never set it. `io_manager_key` (the Definitions set
    ``seed_tables``) names the IO manager that loads a table for a downstream input.
    """
    from seed_assets.assets.cycles import component_asset, links_asset

    partitioned = [n for n, t in spec.tables.items() if t.partitions]
    if partitioned and not streamable(spec):
        raise SpecError(
            "`partitions` needs a spec without FK cycles and without CHECKs or composite keys "
            "that drop rows (a partition must be a fixed range of rows)",
            table=partitioned[0],
        )
    assets = []
    for component in components(spec):
        if component.together:
            assets.append(component_asset(spec, component, frame_hook, io_manager_key))
            continue
        for name in component.tables:
            if spec.tables[name].partitions:
                assets.append(_partitioned_asset(spec, name, frame_hook, io_manager_key))
                assets.append(_whole_table_asset(spec, name))
            else:
                assets.append(_table_asset(spec, name, frame_hook, io_manager_key))
        assets += [
            links_asset(spec, name, frame_hook)
            for name in component.tables
            if linked_fks(spec, name)
        ]
    return assets


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


def require_rows(db, spec: Spec, reader: str, tables) -> None:
    """Raise Failure unless `db` holds each of `tables` complete (tables of `reader`'s cycle
    may still wait for their links: their keys are final)."""
    status = db.status()
    inside = component_of(spec, reader).tables if reader in spec.tables else ()
    for parent in tables:
        entry = status.get(parent)
        ok = entry is not None and (
            entry.status == "complete" or (entry.status == "linking" and parent in inside)
        )
        if not ok:
            step = links_name(parent) if entry is not None and entry.status == "linking" else parent
            raise Failure(
                f"{reader} needs the rows of {parent}, which {db.display_url} does not hold "
                f"complete; materialise {step} first"
            )


def read_parents(db, spec: Spec, reader: str, tables: dict[str, list[str]]) -> dict:
    """The committed columns `reader` needs of each table, once they are complete."""
    require_rows(db, spec, reader, tables)
    return {t: db.read_columns(spec, t, cols) for t, cols in tables.items()}


def gate_failure(what: str, failed, db, paths) -> Failure:
    """The step's failure when blocking checks failed: nothing was written."""
    lines = [line for r in failed for line in r.failures()]
    return Failure(
        f"{what} was not written: {len(failed)} blocking check(s) failed: "
        f"{', '.join(r.name for r in failed)}. {db.display_url} keeps the rows it held "
        "before; everything downstream is skipped.",
        metadata={
            "failed_checks": ", ".join(r.name for r in failed),
            "failures": MetadataValue.md("\n".join(f"- {line}" for line in lines)),
            "report": MetadataValue.path(str(paths.markdown)),
            "report_html": MetadataValue.path(str(paths.html.resolve())),
        },
        allow_retries=False,
    )


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


def table_schema(spec: Spec, name: str) -> TableSchema:
    table = spec.tables[name]
    columns = []
    for column_name, column in table.columns.items():
        fk = table.fk_for_column(column_name)
        detail = [column.source or (f"FK -> {fk.references.table}" if fk else "")]
        if column.description:
            detail.insert(0, column.description)
        columns.append(
            TableColumn(
                name=column_name,
                type=column.type,
                description="; ".join(d for d in detail if d) or None,
                constraints=TableColumnConstraints(
                    nullable=column.is_nullable,
                    unique=column.unique or table.primary_key == [column_name],
                ),
            )
        )
    return TableSchema(columns=columns)


def table_description(spec: Spec, name: str) -> str:
    """What the asset page says: the table, how many rows, how cycles are filled."""
    table = spec.tables[name]
    driving = table.driving_fk
    how_many = (
        f"{table.rows} rows (times the run's scale)"
        if driving is None
        else f"children per {driving.references.table}: {driving.cardinality.kind} "
        f"(mean {driving.cardinality.expected_mean():.2f})"
    )
    text = f"{table.description or f'Table {name}.'}\n\n{how_many}. Written only when every "
    text += "blocking check passes."
    linked = linked_fks(spec, name)
    if linked:
        columns = ", ".join(c for fk in linked for c in fk.columns)
        text += (
            f" {columns} (closing an FK cycle) is written NULL here and filled by "
            f"{links_name(name)}."
        )
    elif component_of(spec, name).together:
        others = ", ".join(t for t in component_of(spec, name).tables if t != name)
        text += f" Written in one transaction with {others} (a NOT NULL FK cycle)."
    return text


def table_metadata(spec: Spec, name: str) -> dict:
    return {
        "dagster/column_schema": table_schema(spec, name),
        "spec": MetadataValue.path(spec.source or spec.name),
        "primary_key": ", ".join(spec.tables[name].primary_key),
    }


def _deps(spec: Spec, name: str) -> list[AssetDep]:
    """``table_deps``, a partitioned parent read through all its partitions and its check."""
    deps: list[AssetDep] = []
    for key in table_deps(spec, name):
        parent = key.path[-1]
        if parent in spec.tables and spec.tables[parent].partitions:
            deps += upstream_deps(spec, parent)
        else:
            deps.append(AssetDep(key))
    return deps


# -- shared steps ---------------------------------------------------------------------------------


def _parent_source(spec: Spec, name: str, db, seed: int, scale: float) -> RegeneratedParents:
    """The parents' rows, regenerated slice by slice from the spec, once the target shows every
    table above `name` complete and made with this run's seed and scale (so regenerating them
    gives exactly their committed rows).

    Regenerated, not read back: reading parent tables while this step's transaction loads (and,
    on PostgreSQL, re-creates FKs pointing at them) would wait on its own locks, and it is
    faster. The whole-table checks of a partitioned table do read what was committed.
    """
    status = db.status()
    source = RegeneratedParents(spec, seed=seed, scale=scale)
    for ancestor in ancestors(spec, name):
        entry = status.get(ancestor)
        if entry is None or entry.status != "complete":
            raise Failure(
                f"{name} needs the rows of {ancestor}, which {db.display_url} does not hold "
                f"complete; materialise {ancestor} first"
            )
        if entry.seed != seed or entry.scale != scale:
            raise Failure(
                f"{name} is made from the rows of {ancestor}, which {db.display_url} holds for "
                f"seed {entry.seed}, scale {entry.scale:g}; this run uses seed {seed}, scale "
                f"{scale:g}. Materialise {ancestor} with this run's seed and scale first"
            )
        expected = source.row_count(ancestor)
        if entry.row_count != expected:
            raise Failure(
                f"{ancestor} in {db.display_url} holds {entry.row_count:,} rows, but seed {seed} "
                f"and scale {scale:g} make {expected:,} (rows appended, or changed by hand?); "
                f"materialise {ancestor} again"
            )
    return source


class _CheckedStream:
    """Frames on their way to the writer, each first through the test hook and the checks'
    accumulators. ``drain()`` feeds the checks whatever the writer did not take (it stopped on a
    database error), so the checks always see every row."""

    def __init__(self, frames: Iterator[pd.DataFrame], checker, name, hook) -> None:
        self.frames = frames
        self.checker = checker
        self.name = name
        self.hook = hook

    def _next_frames(self) -> Iterator[pd.DataFrame]:
        for frame in self.frames:
            if self.hook is not None:
                frame = self.hook(self.name, frame)
            self.checker.add(frame)
            yield frame

    def __iter__(self) -> Iterator[pd.DataFrame]:
        self._iterator = self._next_frames()
        return self._iterator

    def drain(self) -> None:
        for _ in getattr(self, "_iterator", None) or self._next_frames():
            pass


def _gated_write(write: Callable, stream: _CheckedStream) -> tuple[int, list[CheckResult], bool]:
    """Write with the checks concluding inside the transaction, before commit (`approve`).

    Returns rows written, the results, and whether they were committed. A writer that is told
    no rolls back; however it signals that (an exception, or a return), nothing was kept. When
    the database refuses a row first (an orphan against its FK constraint, a repeated key), the
    checks still see every row and say why; a database error no check explains is raised.
    """
    outcome: dict = {}
    checker = stream.checker

    def approve() -> bool:
        stream.drain()
        outcome["results"] = checker.conclude()
        outcome["approved"] = all(r.passed for r in outcome["results"])
        return outcome["approved"]

    try:
        result = write(approve)
    except Exception:
        if "results" not in outcome:  # the database stopped the write: check every row anyway
            approve()
        if outcome["approved"] is False:
            return 0, outcome["results"], False
        raise
    if "results" not in outcome:  # the writer never asked: check now, and say so if it kept rows
        approve()
        if not outcome["approved"]:
            raise Failure("the writer committed rows without asking the checks; report this")
    committed = bool(result.committed) and outcome["approved"]
    return (result.rows if committed else 0), outcome["results"], committed


# -- an unpartitioned table -----------------------------------------------------------------------


def _table_asset(
    spec: Spec, name: str, frame_hook: FrameHook | None, io_manager_key: str | None = None
) -> AssetsDefinition:
    @asset(
        key=table_key(spec, name),
        group_name=spec.name,
        deps=_deps(spec, name),
        description=table_description(spec, name),
        metadata=table_metadata(spec, name),
        kinds={"table"},
        io_manager_key=io_manager_key,
        check_specs=build_check_specs(spec, name, table_key(spec, name)),
    )
    def _generate(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        from seed_assets.targets.check_filter import check_filter  # SQLAlchemy: at run time

        row_filter = check_filter(spec, target.url_for(spec))  # CHECKs only the database judges
        if streamable(spec, row_filter):
            yield from _streamed_table(context, spec, name, target, generation, frame_hook)
        else:
            yield from _whole_table(context, spec, name, target, generation, frame_hook, row_filter)

    return _generate


def _streamed_table(context, spec: Spec, name: str, target, generation, frame_hook):
    """Generate, check and write `name` chunk by chunk, the checks concluding before commit."""
    started = time.perf_counter()
    seed, scale = generation.seed_for(spec), generation.scale
    url = target.url_for(spec)
    db = target.target_for(spec)
    try:
        source = _parent_source(spec, name, db, seed, scale)
        generator = source.generator(name)
        context.log.info(f"generating {generator.total_rows:,} rows of {name}")
        checker = TableChecker(spec, name, source, scale=scale, expected_rows=generator.total_rows)
        stream = _CheckedStream(generator.frames(max_rows=FRAME_ROWS), checker, name, frame_hook)
        rows, results, written = _gated_write(
            lambda approve: db.write_table(
                spec,
                name,
                stream,
                seed=seed,
                scale=scale,
                if_exists=target.if_exists,
                approve=approve,
            ),
            stream,
        )
        failed = [r for r in results if not r.passed]
        for result in results:
            if result.error is not None:
                context.log.error(f"{result.name} could not run: {result.error}")
            yield check_result(result, table_key(spec, name))
        paths = report_paths(url)
        section = table_section(
            results,
            rows=checker.rows,
            written=written,
            run_id=context.run.run_id,
            profile=checker.profile(seed=seed),
        )
        report = update_report(paths, spec, db.display_url, name, section)
    finally:
        db.dispose()
    if failed:
        raise gate_failure(name, failed, db, paths)
    seconds = time.perf_counter() - started
    yield MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "target": db.display_url,
            "seed": seed,
            "scale": scale,
            "seconds": round(seconds, 3),
            "rows_per_second": int(rows / seconds) if seconds else 0,
            "pandera_gx_sample": f"up to {SAMPLE_ROWS:,} rows (every k-th row)",
            "report": MetadataValue.path(str(paths.markdown)),
            "report_html": MetadataValue.path(str(paths.html.resolve())),
            "database_verdict": report["verdict"],
        }
    )


def _whole_table(context, spec: Spec, name: str, target, generation, frame_hook, row_filter):
    """Specs with cycles or CHECKs that drop rows: `name` made in memory from its parents'
    committed rows, checked, then written."""
    needs = check_parent_columns(spec, name)
    started = time.perf_counter()
    seed, scale = generation.seed_for(spec), generation.scale
    url = target.url_for(spec)
    db = target.target_for(spec)
    try:
        parent_frames = read_parents(db, spec, name, needs)
        generator = TableGenerator(
            spec, name, parent_frames, seed=seed, scale=scale, row_filter=row_filter
        )
        context.log.info(f"generating {generator.total_rows:,} rows of {name}")
        try:
            frame = generator.frame()
        finally:
            if row_filter is not None:
                row_filter.close()
        if frame_hook is not None:
            frame = frame_hook(name, frame)
        generated = time.perf_counter()
        pending = frozenset(fk.label for fk in linked_fks(spec, name))
        data = TableData(spec, name, frame, parent_frames, scale=scale, pending=pending)
        results = check_table(spec, name, frame, parent_frames, scale=scale, data=data)
        checked = time.perf_counter()
        failed = [r for r in results if not r.passed]
        for result in results:
            if result.error is not None:
                context.log.error(f"{result.name} could not run: {result.error}")
            yield check_result(result, table_key(spec, name))
        rows = 0
        if not failed:
            rows = db.write_table(
                spec, name, [frame], seed=seed, scale=scale, if_exists=target.if_exists
            ).rows
        paths = report_paths(url)
        section = table_section(
            results,
            rows=len(frame),
            written=not failed,
            run_id=context.run.run_id,
            profile=profile_table(spec, name, frame, parent_frames, seed=seed, data=data),
        )
        report = update_report(paths, spec, db.display_url, name, section)
    finally:
        db.dispose()
    if failed:
        raise gate_failure(name, failed, db, paths)
    seconds = time.perf_counter() - started
    yield MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "target": db.display_url,
            "seed": seed,
            "scale": scale,
            "seconds": round(seconds, 3),
            "check_seconds": round(checked - generated, 3),
            "rows_per_second": int(rows / seconds) if seconds else 0,
            "report": MetadataValue.path(str(paths.markdown)),
            "report_html": MetadataValue.path(str(paths.html.resolve())),
            "database_verdict": report["verdict"],
        }
    )


# -- a partitioned table --------------------------------------------------------------------------


def _partitioned_asset(
    spec: Spec, name: str, frame_hook: FrameHook | None, io_manager_key: str | None = None
) -> AssetsDefinition:
    table = spec.tables[name]
    count = table.partitions
    keys = partition_keys(count)

    @asset(
        key=table_key(spec, name),
        group_name=spec.name,
        deps=_deps(spec, name),
        partitions_def=StaticPartitionsDefinition(keys),
        description=table_description(spec, name) + "\n\n"
        f"In {count} partitions (ranges of its parent chunks), each checked and written in its "
        f"own transaction; `{name}{CHECKED_SUFFIX}` checks the whole table.",
        metadata={**table_metadata(spec, name), "partitions": count},
        kinds={"table"},
        io_manager_key=io_manager_key,
    )
    def _generate_partition(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        started = time.perf_counter()
        seed, scale = generation.seed_for(spec), generation.scale
        index = keys.index(context.partition_key)
        url = target.url_for(spec)
        db = target.target_for(spec)
        try:
            source = _parent_source(spec, name, db, seed, scale)
            generator = source.generator(name)
            part = plan_partition(generator, count, index)
            context.log.info(
                f"generating partition {part.key} of {name}: rows {part.row_start:,} to "
                f"{part.row_stop:,} of {generator.total_rows:,}"
            )
            checker = TableChecker(
                spec,
                name,
                source,
                scale=scale,
                expected_rows=part.rows,
                parent_range=(part.parent_start, part.parent_stop)
                if table.driving_fk is not None
                else None,
                partial=True,
                first_row=part.row_start,
            )
            stream = _CheckedStream(
                generator.frames(max_rows=FRAME_ROWS, chunks=part.chunks),
                checker,
                name,
                frame_hook,
            )
            rows, results, written = _gated_write(
                lambda approve: db.write_partition(
                    spec,
                    name,
                    stream,
                    partition=index,
                    partitions=count,
                    key_range=part.key_range,
                    seed=seed,
                    scale=scale,
                    approve=approve,
                ),
                stream,
            )
            paths = report_paths(url)
            if written:
                forget_tables(paths, spec, db.display_url, [name])
        finally:
            db.dispose()
        failed = [r for r in results if not r.passed]
        for result in results:
            if result.error is not None:
                context.log.error(f"{result.name} could not run: {result.error}")
        if failed:
            raise gate_failure(f"partition {part.key} of {name}", failed, db, paths)
        seconds = time.perf_counter() - started
        return MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "partition": part.key,
                "rows": MetadataValue.text(f"{part.row_start:,} to {part.row_stop:,}"),
                "key_range": MetadataValue.text(
                    f"{part.key_range.column} in [{part.key_range.low}, {part.key_range.high}]"
                    if part.key_range
                    else "(empty)"
                ),
                "checks": MetadataValue.md(
                    "\n".join(f"- {r.name}: {r.status}" for r in results)
                    + f"\n\nPandera and GX: up to {SAMPLE_ROWS:,} rows (every k-th row)."
                ),
                "target": db.display_url,
                "seed": seed,
                "scale": scale,
                "seconds": round(seconds, 3),
                "rows_per_second": int(rows / seconds) if seconds else 0,
            }
        )

    return _generate_partition


def _whole_table_asset(spec: Spec, name: str) -> AssetsDefinition:
    """All partitions of `name`, checked as one table (streamed from the target)."""
    key = checked_key(spec, name)
    count = spec.tables[name].partitions

    @asset(
        key=key,
        group_name=spec.name,
        deps=[AssetDep(table_key(spec, name), partition_mapping=AllPartitionMapping())],
        description=f"All {count} partitions of {name}, checked as one table with its blocking "
        "checks (read back in chunks). Its children and the ML assets depend on this.",
        kinds={"table"},
        check_specs=build_check_specs(spec, name, key),
    )
    def _check_whole(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ):
        started = time.perf_counter()
        seed, scale = generation.seed_for(spec), generation.scale
        url = target.url_for(spec)
        db = target.target_for(spec)
        try:
            _parent_source(spec, name, db, seed, scale)
            written = db.partition_entries(spec, name)
            missing = [k for i, k in enumerate(partition_keys(count)) if i not in written]
            stale = [
                partition_keys(count)[i]
                for i, p in written.items()
                if i < count and (p["seed"] != seed or p["scale"] != scale)
            ]
            if missing or stale:
                raise Failure(
                    f"{name} is not whole for seed {seed}, scale {scale:g}: "
                    + (f"partitions {', '.join(missing)} not written; " if missing else "")
                    + (
                        f"partitions {', '.join(stale)} written with another seed or scale; "
                        if stale
                        else ""
                    )
                    + "materialise them (all partitions, same seed and scale) first"
                )
            from seed_assets.targets.reading import TableReader, TargetParents

            reader = TableReader(db, spec)
            source = TargetParents(reader)
            expected = TableGenerator(spec, name, source, seed=seed, scale=scale).total_rows
            checker = TableChecker(spec, name, source, scale=scale, expected_rows=expected)
            for frame in reader.frames(name):
                checker.add(frame)
            results = checker.conclude()
            rows = reader.count(name)
            failed = [r for r in results if not r.passed]
            for result in results:
                yield check_result(result, key)
            if not failed and rows == expected:
                db.complete_partitions(spec, name, rows=rows)
            paths = report_paths(url)
            section = table_section(
                results,
                rows=rows,
                written=True,
                run_id=context.run.run_id,
                profile=checker.profile(seed=seed),
            )
            report = update_report(paths, spec, db.display_url, name, section)
        finally:
            db.dispose()
        if rows != expected:
            raise Failure(
                f"{name} holds {rows:,} rows, but seed {seed} and scale {scale:g} make "
                f"{expected:,}: rows of another run remain; materialise every partition again"
            )
        if failed:
            lines = [line for r in failed for line in r.failures()]
            raise Failure(
                f"{name} failed {len(failed)} blocking check(s) as a whole: "
                f"{', '.join(r.name for r in failed)}; everything downstream is skipped.",
                metadata={"failures": MetadataValue.md("\n".join(f"- {x}" for x in lines))},
                allow_retries=False,
            )
        seconds = time.perf_counter() - started
        yield MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "partitions": count,
                "target": db.display_url,
                "seed": seed,
                "scale": scale,
                "seconds": round(seconds, 3),
                "report": MetadataValue.path(str(paths.markdown)),
                "report_html": MetadataValue.path(str(paths.html.resolve())),
                "database_verdict": report["verdict"],
            }
        )

    return _check_whole
