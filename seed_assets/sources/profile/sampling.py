"""Reading real rows for a profile: deterministic samples streamed from the database (every
k-th row in key order, never the whole table in memory) and aggregates computed by the
database itself (children per parent, rule violations)."""

from __future__ import annotations

import math

import pandas as pd
import sqlalchemy as sa


class Sampler:
    """Samples and aggregates from one open connection."""

    def __init__(self, conn: sa.Connection, sample_rows: int) -> None:
        self.conn = conn
        self.sample_rows = sample_rows
        self._meta = sa.MetaData()
        self._tables: dict[str, sa.Table] = {}
        self._counts: dict[str, int] = {}

    def table(self, name: str) -> sa.Table:
        if name not in self._tables:
            self._tables[name] = sa.Table(name, self._meta, autoload_with=self.conn)
        return self._tables[name]

    def row_count(self, name: str) -> int:
        if name not in self._counts:
            query = sa.select(sa.func.count()).select_from(self.table(name))
            self._counts[name] = int(self.conn.execute(query).scalar_one())
        return self._counts[name]

    def sample(self, name: str) -> pd.DataFrame:
        """Every k-th row in primary-key order (all rows of a table under the sample size):
        the same rows on every run, spread over the whole table."""
        table = self.table(name)
        total = self.row_count(name)
        step = max(1, math.ceil(total / self.sample_rows))
        order = list(table.primary_key.columns) or list(table.columns)[:1]
        query = sa.select(table).order_by(*order)
        result = self.conn.execution_options(stream_results=True, yield_per=5000).execute(query)
        kept: list[tuple] = []
        for i, row in enumerate(result):
            if i % step == 0:
                kept.append(tuple(row))
        return pd.DataFrame.from_records(kept, columns=[c.name for c in table.columns])

    def children_histogram(self, child: str, columns: list[str], parent: str) -> dict[int, int]:
        """Parents per number of children through an FK, counted by the database; parents with
        none are the parent rows not referenced."""
        table = self.table(child)
        cols = [table.c[c] for c in columns]
        not_null = sa.and_(*(c.is_not(None) for c in cols))
        per_parent = (
            sa.select(sa.func.count().label("n")).where(not_null).group_by(*cols).subquery()
        )
        query = sa.select(per_parent.c.n, sa.func.count()).group_by(per_parent.c.n)
        histogram = {int(n): int(k) for n, k in self.conn.execute(query)}
        referenced = sum(histogram.values())
        zero = self.row_count(parent) - referenced
        if zero > 0:
            histogram[0] = histogram.get(0, 0) + zero
        return dict(sorted(histogram.items()))

    def joined_pairs(
        self,
        child: str,
        fk_columns: list[str],
        parent: str,
        ref_columns: list[str],
        child_column: str,
        parent_column: str,
    ) -> pd.DataFrame:
        """(child value, parent value) through an FK: a streamed every-k-th sample."""
        c, p = self.table(child), self.table(parent)
        on = sa.and_(*(c.c[a] == p.c[b] for a, b in zip(fk_columns, ref_columns, strict=True)))
        query = sa.select(c.c[child_column].label("child"), p.c[parent_column].label("parent"))
        query = query.select_from(c.join(p, on)).where(
            c.c[child_column].is_not(None), p.c[parent_column].is_not(None)
        )
        total = self.row_count(child)
        step = max(1, math.ceil(total / self.sample_rows))
        result = self.conn.execution_options(stream_results=True, yield_per=5000).execute(query)
        kept = [tuple(row) for i, row in enumerate(result) if i % step == 0]
        return pd.DataFrame.from_records(kept, columns=["child", "parent"])

    def disagreements(
        self, child: str, through: str, middle: str, middle_key: str, column: str, copied: str
    ) -> int:
        """Rows whose `column` differs from the `copied` column of the `middle` row their
        `through` FK references (either side NULL counts as differing), counted by the
        database; a row with no middle row counts too."""
        c, m = self.table(child), self.table(middle)
        query = (
            sa.select(sa.func.count())
            .select_from(c.outerjoin(m, c.c[through] == m.c[middle_key]))
            .where(
                sa.or_(
                    m.c[middle_key].is_(None),
                    c.c[column].is_(None),
                    m.c[copied].is_(None),
                    c.c[column] != m.c[copied],
                )
            )
        )
        return int(self.conn.execute(query).scalar_one())

    def joined_sample(
        self, child: str, fk_columns: list[str], parent: str, ref_columns: list[str]
    ) -> pd.DataFrame:
        return joined_sample(self, child, fk_columns, parent, ref_columns)

    def has_pairs(self, child, fk_columns, parent, ref_columns, later, earlier) -> bool:
        """Some row has both dates (in this table, or with its parent's through an FK)."""
        c = self.table(child)
        if parent is None:
            query = sa.select(sa.func.count()).where(
                c.c[later].is_not(None), c.c[earlier].is_not(None)
            )
        else:
            p = self.table(parent)
            on = sa.and_(*(c.c[a] == p.c[b] for a, b in zip(fk_columns, ref_columns, strict=True)))
            query = (
                sa.select(sa.func.count())
                .select_from(c.join(p, on))
                .where(c.c[later].is_not(None), p.c[earlier].is_not(None))
            )
        return bool(self.conn.execute(query).scalar_one())

    def count_before(
        self,
        child: str,
        fk_columns: list[str] | None,
        parent: str | None,
        ref_columns: list[str] | None,
        later: str,
        earlier: str,
    ) -> int:
        """Rows where `later` precedes `earlier` (in this table, or the parent's through an FK),
        counted by the database over every row."""
        c = self.table(child)
        if parent is None:
            query = sa.select(sa.func.count()).where(c.c[later] < c.c[earlier])
            return int(self.conn.execute(query).scalar_one())
        p = self.table(parent)
        on = sa.and_(*(c.c[a] == p.c[b] for a, b in zip(fk_columns, ref_columns, strict=True)))
        query = (
            sa.select(sa.func.count()).select_from(c.join(p, on)).where(c.c[later] < p.c[earlier])
        )
        return int(self.conn.execute(query).scalar_one())


def joined_sample(
    sampler: Sampler, child: str, fk_columns: list[str], parent: str, ref_columns: list[str]
) -> pd.DataFrame:
    """Child rows with their parent row's columns (named ``Parent.column``): every k-th row,
    streamed, as `Sampler.sample` reads."""
    c, p = sampler.table(child), sampler.table(parent)
    on = sa.and_(*(c.c[a] == p.c[b] for a, b in zip(fk_columns, ref_columns, strict=True)))
    picked = [col.label(f"c_{i}") for i, col in enumerate(c.columns)]
    picked += [col.label(f"p_{i}") for i, col in enumerate(p.columns)]
    names = [col.name for col in c.columns] + [f"{parent}.{col.name}" for col in p.columns]
    order = list(c.primary_key.columns) or list(c.columns)[:1]
    query = sa.select(*picked).select_from(c.join(p, on)).order_by(*order)
    step = max(1, math.ceil(sampler.row_count(child) / sampler.sample_rows))
    result = sampler.conn.execution_options(stream_results=True, yield_per=5000).execute(query)
    kept = [tuple(row) for i, row in enumerate(result) if i % step == 0]
    return pd.DataFrame.from_records(kept, columns=names)
