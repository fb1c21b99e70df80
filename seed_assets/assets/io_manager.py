"""The IO manager of the spec tables: a downstream asset gets a validated table by declaring it
as an input.

The table assets write their rows themselves (checked, in one transaction) and return no value,
so this IO manager only loads. The input's type annotation picks the form:

- ``pandas.DataFrame`` (or no annotation): the whole table, typed as the spec says;
- ``pyarrow.Table``: the same, as Arrow;
- ``SeedTable``: a lazy reader for tables too big for memory: ``frames()`` yields DataFrames of
  ``chunk_rows`` rows in primary-key order, ``count()``, ``to_pandas()`` and ``to_arrow()``.

``AssetIn(metadata={"columns": [...]})`` reads only those columns. Before anything is read, the
approval guard (``guard.py``) refuses a table whose latest blocking checks failed, or whose
database's report is not approved, with a message saying which.
"""

from collections.abc import Iterator
from functools import cached_property
from typing import Any

import pandas as pd
from dagster import (
    ConfigurableIOManager,
    DagsterInstance,
    DagsterInvariantViolationError,
    InputContext,
    OutputContext,
)
from pydantic import Field

from seed_assets.assets.guard import require_tables_approved
from seed_assets.errors import SeedAssetsError
from seed_assets.resources import TargetResource
from seed_assets.spec.models import Spec

READ_CHUNK_ROWS = 100_000


class SeedTable:
    """One validated table of a spec, read lazily from its target in primary-key order."""

    def __init__(
        self,
        spec: Spec,
        table: str,
        url: str,
        columns: list[str] | None = None,
        chunk_rows: int = READ_CHUNK_ROWS,
    ) -> None:
        self.spec = spec
        self.table = table
        self.url = url
        self.columns = list(columns or spec.tables[table].columns)
        self.chunk_rows = chunk_rows

    def __repr__(self) -> str:
        return f"SeedTable({self.table!r} of spec {self.spec.name!r})"

    def _reader(self):
        from seed_assets.targets.base import Target
        from seed_assets.targets.reading import TableReader

        return TableReader(Target.for_url(self.url), self.spec)

    def count(self) -> int:
        reader = self._reader()
        try:
            return reader.count(self.table)
        finally:
            reader.target.dispose()

    def frames(self, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The table, `chunk_rows` rows at a time (memory stays bounded by one chunk)."""
        step = chunk_rows or self.chunk_rows
        reader = self._reader()
        try:
            total = reader.count(self.table)
            for start in range(0, total, step):
                yield reader.read_range(self.table, self.columns, start, min(start + step, total))
        finally:
            reader.target.dispose()

    def to_pandas(self) -> pd.DataFrame:
        frames = list(self.frames())
        if not frames:
            reader = self._reader()
            try:
                return reader.target_empty(self.table, self.columns)
            finally:
                reader.target.dispose()
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def to_arrow(self):
        import pyarrow as pa

        return pa.Table.from_pandas(self.to_pandas(), preserve_index=False)


class SeedTableIOManager(ConfigurableIOManager):
    """Loads the tables of the specs at `spec_paths` from `target`, once validated.

    The resource key is ``seed_tables`` (``seed_assets.api.TABLE_IO_MANAGER_KEY``); every table
    asset names it, so an input named after a table (or ``AssetIn(key=...)``) is loaded by it.
    """

    spec_paths: list[str] = Field(description="The spec files whose tables this loads.")
    target: TargetResource
    chunk_rows: int = Field(
        READ_CHUNK_ROWS, gt=0, description="Rows per DataFrame a SeedTable input yields."
    )
    guard: bool = Field(
        True,
        description="Refuse tables whose latest blocking checks failed or whose report is not "
        "approved. Turn off only to look at rejected data.",
    )

    @cached_property
    def _tables(self) -> dict[tuple[str, ...], tuple[Spec, str]]:
        from seed_assets.assets.keys import table_key
        from seed_assets.sources.files import load_spec

        found = {}
        for path in self.spec_paths:
            spec = load_spec(path)
            for name in spec.tables:
                found[tuple(table_key(spec, name).path)] = (spec, name)
        return found

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        if obj is not None:  # the table assets write their rows themselves and return nothing
            raise SeedAssetsError(
                f"{context.asset_key.to_user_string()}: the seed_tables IO manager only loads "
                "spec tables; give this asset another io_manager_key"
            )

    def load_input(self, context: InputContext) -> Any:
        key = context.asset_key
        if tuple(key.path) not in self._tables:
            raise SeedAssetsError(
                f"{key.to_user_string()} is not a table of the specs "
                f"{', '.join(self.spec_paths)}; seed_tables loads only those"
            )
        spec, table = self._tables[tuple(key.path)]
        url = self.target.url_for(spec)
        if self.guard:
            instance = _instance_of(context)
            require_tables_approved(url, spec, [table], instance=instance, keys={table: key})
        columns = (context.definition_metadata or {}).get("columns")
        if columns is not None:
            unknown = [c for c in columns if c not in spec.tables[table].columns]
            if unknown:
                raise SeedAssetsError(
                    f"input {context.name}: table '{table}' has no column(s) {', '.join(unknown)}"
                )
        lazy = SeedTable(spec, table, url, columns, self.chunk_rows)
        wanted = _wanted_type(context)
        context.log.info(f"loading {table} from {lazy.url} as {wanted}")
        if wanted == "SeedTable":
            return lazy
        if wanted == "pyarrow.Table":
            return lazy.to_arrow()
        return lazy.to_pandas()


def _instance_of(context: InputContext) -> "DagsterInstance | None":
    """The run's instance (whose event log holds the checks' latest results), if any."""
    try:
        return context.instance
    except DagsterInvariantViolationError:  # built by hand, outside a run
        return None


def _wanted_type(context: InputContext) -> str:
    """``SeedTable``, ``pyarrow.Table`` or ``pandas.DataFrame`` (the default), from the
    input's annotation."""
    typing_type = getattr(context.dagster_type, "typing_type", None)
    if isinstance(typing_type, type):
        if issubclass(typing_type, SeedTable):
            return "SeedTable"
        if typing_type.__module__.startswith("pyarrow") and typing_type.__name__ == "Table":
            return "pyarrow.Table"
    return "pandas.DataFrame"
