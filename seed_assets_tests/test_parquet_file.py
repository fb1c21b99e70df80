"""A Parquet file's encodings chosen from its first rows: dictionaries where values repeat."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from seed_assets.targets.parquet_file import ParquetFile, dictionary_columns

ROWS = 10_000


def _table(start: int = 0) -> pa.Table:
    ids = range(start, start + ROWS)
    return pa.table(
        {
            "id": pa.array([f"ID{i:08d}" for i in ids]),  # unique
            "kind": pa.array([("card", "loan", "cash")[i % 3] for i in ids]),
            "parent": pa.array([f"P{i // 20:06d}" for i in ids]),  # each 20 times
            "amount": pa.array([i * 1.25 for i in ids]),  # unique
            "few_each": pa.array([i // 5 for i in ids]),  # each 5 times: below the bar
            "flag": pa.array([i % 7 == 0 for i in ids]),
            "empty": pa.array([None] * ROWS, pa.string()),
        }
    )


def test_only_columns_whose_values_repeat_get_a_dictionary():
    assert dictionary_columns(_table()) == ["kind", "parent", "flag", "empty"]


def _encodings(path, column: str) -> set[str]:
    meta = pq.ParquetFile(path).metadata
    index = meta.schema.names.index(column)
    return {
        e for g in range(meta.num_row_groups) for e in meta.row_group(g).column(index).encodings
    }


def test_the_file_is_dictionary_encoded_where_the_first_table_repeats_and_plain_elsewhere(
    tmp_path,
):
    path = tmp_path / "t.parquet"
    file = ParquetFile(path, _table().schema)
    file.write(_table())
    file.write(_table(ROWS))
    file.close()
    assert pq.read_table(path).equals(pa.concat_tables([_table(), _table(ROWS)]))
    for column in ("kind", "parent"):
        assert "RLE_DICTIONARY" in _encodings(path, column), column
    for column in ("id", "amount", "few_each"):
        assert "RLE_DICTIONARY" not in _encodings(path, column), column


def test_the_same_tables_make_the_same_bytes(tmp_path):
    contents = []
    for name in ("a.parquet", "b.parquet"):
        file = ParquetFile(tmp_path / name, _table().schema)
        file.write(_table())
        file.close()
        contents.append((tmp_path / name).read_bytes())
    assert contents[0] == contents[1]


def test_a_file_given_no_rows_is_empty_with_its_schema(tmp_path):
    path = tmp_path / "empty.parquet"
    file = ParquetFile(path, _table().schema)
    file.close()
    file.abandon()  # after close: nothing more to do
    read = pq.read_table(path)
    assert read.num_rows == 0 and read.schema.equals(_table().schema)
