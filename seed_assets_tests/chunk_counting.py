"""Which parent chunks a ``RegeneratedParents`` makes, for the tests of its cache."""

from __future__ import annotations


def chunks_made(source, tables: list[str]) -> list[tuple[str, int]]:
    """From now on, each chunk of `tables` that `source` makes, as (table, chunk index), in
    order: a chunk served from the cache is not in it."""
    made: list[tuple[str, int]] = []
    for table in tables:
        generator = source.generator(table)
        original = generator.chunk_frame

        def counted(chunk, *args, _table=table, _original=original, **kwargs):
            made.append((_table, chunk.index))
            return _original(chunk, *args, **kwargs)

        generator.chunk_frame = counted
    return made
