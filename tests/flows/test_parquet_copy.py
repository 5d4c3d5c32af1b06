"""Parquet files stacked by copying encoded column chunks: the footer codec keeps every byte,
and what pyarrow reads back is what re-encoding would have written."""

import struct
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.parquet_copy import (
    ParquetLayoutError,
    SchemaMismatch,
    StackedParquetWriter,
    decode_struct,
    encode_struct,
)


def _town(name: str, rows: int, seed: int) -> pa.Table:
    generator = np.random.default_rng(seed)
    fen = generator.integers(-10**9, 10**9, rows)
    return pa.table({
        "town": pa.array([name] * rows),
        "entry_id": pa.array([f"{name}-{number:06d}" for number in range(rows)]),
        "voucher_date": pa.array([date(2024, 1 + number % 12, 1) for number in range(rows)],
                                 type=pa.date32()),
        "debit": pa.array([Decimal(value) / 100 for value in fen.tolist()],
                          type=pa.decimal128(18, 2)),
        "rule_ids": pa.array([["R01", "R07"][: number % 3] for number in range(rows)],
                             type=pa.list_(pa.string())),
        "flagged": pa.array(generator.random(rows) < 0.1),
        "risk_score": pa.array(generator.random(rows)),
        "rank": pa.array(np.arange(rows), type=pa.int64(), mask=np.arange(rows) % 4 != 0),
        "reasons": pa.array([None if number % 5 else "大额现金" for number in range(rows)],
                            type=pa.string()),
    })


def _write(table: pa.Table, path: Path, **options) -> Path:
    pq.write_table(table, path, compression="zstd", **options)
    return path


def _footer(path: Path) -> bytes:
    data = path.read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    return data[-8 - length : -8]


def test_the_footer_codec_gives_back_every_byte(tmp_path):
    wide = pa.table({f"column_{number}": [number] for number in range(40)})  # long lists
    for number, (table, options) in enumerate([
        (_town("青石镇", 3000, 1), {"row_group_size": 700}),
        (_town("白沙乡", 10, 2), {"use_dictionary": ["town"], "write_statistics": False}),
        (wide, {}),
    ]):
        footer = _footer(_write(table, tmp_path / f"{number}.parquet", **options))
        assert encode_struct(decode_struct(footer)) == footer


def test_the_codec_reads_what_it_writes():
    fields = {1: (5, -7), 2: (1, True), 3: (2, False), 40: (6, -(2**40)), 41: (7, 0.25),
              42: (8, "村".encode()), 43: (9, (5, list(range(20)))),
              44: (11, (8, 5, [(b"a", 1), (b"b", -2)])), 45: (12, {1: (3, -1), 2: (4, 300)}),
              46: (9, (1, [True, False, True])), 62: (4, 16), 77: (4, 15)}  # deltas 16, 15
    assert decode_struct(encode_struct(fields)) == fields


def test_stacked_files_read_back_as_the_tables_with_the_new_column(tmp_path):
    towns = [_town("青石镇", 3000, 1), _town("白沙乡", 5, 2), _town("东坝镇", 1200, 3)]
    paths = [_write(towns[0], tmp_path / "a.parquet", row_group_size=1000),
             _write(towns[1], tmp_path / "b.parquet", use_dictionary=False),
             _write(towns[2], tmp_path / "c.parquet", use_dictionary=["town", "reasons"])]
    ranks = [pa.array(np.arange(len(table)) * 3, type=pa.int64(), mask=np.arange(len(table)) % 2
                      == 0) for table in towns]
    out = tmp_path / "stacked.parquet"
    with StackedParquetWriter(out, paths[0]) as writer:
        for path, rank in zip(paths, ranks, strict=True):
            writer.append(path, columns={"rank": rank})
    expected = pa.concat_tables([table.set_column(table.schema.get_field_index("rank"), "rank",
                                                  rank) for table, rank in zip(towns, ranks,
                                                                                strict=True)])
    assert pq.read_table(out).equals(expected)
    stacked = pq.ParquetFile(out)
    assert stacked.metadata.num_row_groups == 3 + 1 + 1 and stacked.metadata.num_rows == 4205
    assert stacked.read_row_group(4).column("town").unique().to_pylist() == ["东坝镇"]
    # the chunks' statistics came along, so a reader still skips other towns' row groups
    assert pq.read_table(out, filters=[("town", "==", "白沙乡")]).num_rows == 5
    assert [stacked.metadata.row_group(number).column(0).statistics.min
            for number in range(5)] == ["青石镇"] * 3 + ["白沙乡", "东坝镇"]
    chunks = [stacked.metadata.row_group(group).column(column) for group in range(5)
              for column in range(stacked.metadata.num_columns)]
    assert {chunk.file_offset for chunk in chunks} == {0}  # as pyarrow writes it: unused
    starts = sorted(min(filter(None, [chunk.dictionary_page_offset, chunk.data_page_offset]))
                    for chunk in chunks)
    ends = [start + chunk.total_compressed_size for start, chunk in zip(starts, sorted(
        chunks, key=lambda chunk: min(filter(None, [chunk.dictionary_page_offset,
                                                    chunk.data_page_offset]))), strict=True)]
    assert starts[0] == 4 and starts[1:] == ends[:-1]  # the chunks back to back after PAR1


def test_a_file_of_another_schema_or_a_wrong_column_is_refused(tmp_path):
    town = _town("青石镇", 100, 1)
    first = _write(town, tmp_path / "a.parquet")
    other = _write(town.set_column(1, "entry_id", town.column("entry_id").cast(pa.large_string())),
                   tmp_path / "b.parquet")
    with StackedParquetWriter(tmp_path / "out.parquet", first) as writer:
        assert writer.arrow_schema.equals(town.schema)
        with pytest.raises(SchemaMismatch, match="结构与首个文件不同"):
            writer.append(other)
        with pytest.raises(ParquetLayoutError, match="类型与首个文件不同"):
            writer.append(first, columns={"rank": pa.array(np.zeros(100), type=pa.float64())})
        with pytest.raises(ParquetLayoutError, match="行数"):
            writer.append(first, columns={"rank": pa.array(np.zeros(99), type=pa.int64())})
        with pytest.raises(ParquetLayoutError, match="类型与首个文件不同"):
            writer.append(first, columns={"rule_ids": pa.array([[]] * 100,
                                                                type=pa.list_(pa.string()))})
        writer.append(first)
    assert pq.read_table(tmp_path / "out.parquet").equals(town)
    (tmp_path / "text.parquet").write_text("不是 Parquet")
    with pytest.raises(ParquetLayoutError, match=r"text\.parquet"):
        StackedParquetWriter(tmp_path / "out2.parquet", tmp_path / "text.parquet")


def test_stacking_that_fails_leaves_no_file_behind(tmp_path):
    first = _write(_town("青石镇", 10, 1), tmp_path / "a.parquet")
    out = tmp_path / "out.parquet"
    with pytest.raises(ParquetLayoutError), StackedParquetWriter(out, first) as writer:
        writer.append(first)
        writer.append(first, columns={"rank": pa.array([1], type=pa.int64())})
    assert not out.exists()
