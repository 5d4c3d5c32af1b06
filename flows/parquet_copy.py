"""Parquet files stacked by copying their encoded column chunks.

pyarrow writes a Parquet file only by encoding and compressing every value again, about a
million entries a second here. entries.parquet is the towns' report parts, already encoded,
with one column new (the county's rank numbers, which shift whenever a town's findings change),
so writing it that way re-encodes a whole county for each rerun after one correction.

A Parquet file is ``PAR1``, the column chunks of its row groups, then a footer (a Thrift
``FileMetaData`` in the compact protocol) that says where each chunk starts, then the footer's
length and ``PAR1``. Stacking files with the same schema is therefore copying their chunks and
writing one footer with the chunks' offsets moved; a column can be taken from another file with
the same row groups. :class:`StackedParquetWriter` does that; the Thrift codec below reads and
writes any compact-protocol struct field by field, so the footer keeps every field the writer
put there (statistics, encodings, the Arrow schema) byte for byte.
"""

from __future__ import annotations

import base64
import io
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

MAGIC = b"PAR1"

# Thrift compact protocol type ids
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(1, 13)

# Field ids of parquet.thrift (FileMetaData, RowGroup, ColumnChunk, ColumnMetaData).
_FILE_SCHEMA, _FILE_NUM_ROWS, _FILE_ROW_GROUPS, _FILE_KEY_VALUES = 2, 3, 4, 5
_FILE_ENCRYPTION = (8, 9)
_GROUP_COLUMNS, _GROUP_BYTES, _GROUP_NUM_ROWS, _GROUP_OFFSET = 1, 2, 3, 5
_GROUP_COMPRESSED, _GROUP_ORDINAL = 6, 7
_CHUNK_FILE_PATH, _CHUNK_OFFSET, _CHUNK_META = 1, 2, 3
# the page index and encryption of a chunk live outside its pages; a copy goes without them
_CHUNK_OUTSIDE = (4, 5, 6, 7, 8, 9)
_META_PATH, _META_UNCOMPRESSED, _META_COMPRESSED = 3, 6, 7
_META_DATA_PAGE, _META_INDEX_PAGE, _META_DICTIONARY_PAGE = 9, 10, 11
_META_OUTSIDE = (14, 15)  # the bloom filter's offset and length
_ELEMENT_NAME, _ELEMENT_CHILDREN = 4, 5  # of a SchemaElement
_ARROW_SCHEMA = b"ARROW:schema"  # the key under which pyarrow keeps the Arrow schema

Struct = dict[int, tuple[int, Any]]  # field id → (compact type, value), in the order read


class ParquetLayoutError(ValueError):
    """A file that cannot be stacked this way: not Parquet, encrypted, or another schema."""


class SchemaMismatch(ParquetLayoutError):
    """A source whose schema is not the template's: nothing of it was written."""


# --- Thrift compact protocol -----------------------------------------------------------------


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def byte(self) -> int:
        value = self.data[self.position]
        self.position += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            value = self.byte()
            result |= (value & 0x7F) << shift
            if value < 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def take(self, size: int) -> bytes:
        value = self.data[self.position : self.position + size]
        if len(value) != size:
            raise ParquetLayoutError("Parquet 文件尾部元数据不完整")
        self.position += size
        return value

    def value(self, kind: int) -> Any:
        if kind in (_TRUE, _FALSE):  # an element of a list; a field's bool is in its type
            return self.byte() == _TRUE
        if kind == _BYTE:
            return struct.unpack("b", self.take(1))[0]
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            return struct.unpack("<d", self.take(8))[0]
        if kind == _BINARY:
            return self.take(self.varint())
        if kind in (_LIST, _SET):
            header = self.byte()
            size = header >> 4
            if size == 15:
                size = self.varint()
            element = header & 0x0F
            return element, [self.value(element) for _ in range(size)]
        if kind == _MAP:
            size = self.varint()
            if size == 0:
                return _BINARY, _BINARY, []
            types = self.byte()
            key, item = types >> 4, types & 0x0F
            return key, item, [(self.value(key), self.value(item)) for _ in range(size)]
        if kind == _STRUCT:
            return self.struct()
        raise ParquetLayoutError(f"Parquet 元数据含未知的 Thrift 类型 {kind}")

    def struct(self) -> Struct:
        fields: Struct = {}
        last = 0
        while True:
            header = self.byte()
            if header == 0:
                return fields
            delta, kind = header >> 4, header & 0x0F
            field = last + delta if delta else self.zigzag()
            fields[field] = (kind, kind == _TRUE) if kind in (_TRUE, _FALSE) else (
                kind, self.value(kind))
            last = field


def decode_struct(data: bytes) -> Struct:
    """A compact-protocol struct as {field id: (type, value)}; nested structs alike."""
    return _Decoder(data).struct()


def _varint(value: int, out: bytearray) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _zigzag(value: int, out: bytearray) -> None:
    _varint((value << 1) ^ (value >> 63), out)


def _encode_value(kind: int, value: Any, out: bytearray) -> None:
    if kind in (_TRUE, _FALSE):
        out.append(_TRUE if value else _FALSE)
    elif kind == _BYTE:
        out += struct.pack("b", value)
    elif kind in (_I16, _I32, _I64):
        _zigzag(value, out)
    elif kind == _DOUBLE:
        out += struct.pack("<d", value)
    elif kind == _BINARY:
        _varint(len(value), out)
        out += value
    elif kind in (_LIST, _SET):
        element, items = value
        if len(items) < 15:
            out.append(len(items) << 4 | element)
        else:
            out.append(0xF0 | element)
            _varint(len(items), out)
        for item in items:
            _encode_value(element, item, out)
    elif kind == _MAP:
        key, item, pairs = value
        _varint(len(pairs), out)
        if pairs:
            out.append(key << 4 | item)
        for pair_key, pair_item in pairs:
            _encode_value(key, pair_key, out)
            _encode_value(item, pair_item, out)
    elif kind == _STRUCT:
        _encode_struct(value, out)
    else:
        raise ParquetLayoutError(f"Parquet 元数据含未知的 Thrift 类型 {kind}")


def _encode_struct(fields: Struct, out: bytearray) -> None:
    last = 0
    for field, (kind, value) in sorted(fields.items()):
        if kind in (_TRUE, _FALSE):
            kind = _TRUE if value else _FALSE
        if 0 < field - last <= 15:
            out.append((field - last) << 4 | kind)
        else:
            out.append(kind)
            _zigzag(field, out)
        if kind not in (_TRUE, _FALSE):
            _encode_value(kind, value, out)
        last = field
    out.append(0)


def encode_struct(fields: Struct) -> bytes:
    """The compact-protocol bytes of a struct from :func:`decode_struct`."""
    out = bytearray()
    _encode_struct(fields, out)
    return bytes(out)


# --- Parquet footers and chunks ---------------------------------------------------------------


def read_footer(handle: BinaryIO, name: str) -> Struct:
    """The FileMetaData of an open Parquet file."""
    handle.seek(0, 2)
    size = handle.tell()
    if size < 12:
        raise ParquetLayoutError(f"{name}：不是 Parquet 文件（太短）")
    handle.seek(size - 8)
    tail = handle.read(8)
    handle.seek(0)
    if tail[4:] != MAGIC or handle.read(4) != MAGIC:
        raise ParquetLayoutError(f"{name}：不是 Parquet 文件，或已加密")
    length = struct.unpack("<I", tail[:4])[0]
    handle.seek(size - 8 - length)
    footer = decode_struct(handle.read(length))
    if any(field in footer for field in _FILE_ENCRYPTION):
        raise ParquetLayoutError(f"{name}：加密的 Parquet 文件不能按块复制")
    return footer


def _schema(footer: Struct) -> Struct:
    """What must be equal for chunks to be stacked: the Parquet schema and the Arrow schema."""
    key_values = footer.get(_FILE_KEY_VALUES)
    return {_FILE_SCHEMA: footer[_FILE_SCHEMA], **({_FILE_KEY_VALUES: key_values}
                                                   if key_values else {})}


def _column_names(footer: Struct) -> list[str]:
    """The top-level column of each leaf of the schema (each column chunk of a row group), in
    the file's order: a list column's one leaf is named after the list."""
    elements = footer[_FILE_SCHEMA][1][1]
    names: list[str] = []

    def walk(position: int, top: str | None) -> int:
        element = elements[position]
        name = top if top is not None else element[_ELEMENT_NAME][1].decode()
        children = element.get(_ELEMENT_CHILDREN, (_I32, 0))[1]
        if children == 0:
            names.append(name)
            return position + 1
        position += 1
        for _ in range(children):
            position = walk(position, name)
        return position

    position = 1  # the root's children are the columns
    for _ in range(elements[0].get(_ELEMENT_CHILDREN, (_I32, 0))[1]):
        position = walk(position, None)
    return names


def _chunk_range(meta: Struct) -> tuple[int, int]:
    """Where a column chunk's pages start in its file, and their length."""
    starts = [meta[field][1] for field in (_META_DICTIONARY_PAGE, _META_INDEX_PAGE)
              if field in meta and meta[field][1] > 0]
    start = min([meta[_META_DATA_PAGE][1], *starts])
    return start, meta[_META_COMPRESSED][1]


def _moved_chunk(chunk: Struct, shift: int) -> Struct:
    """A column chunk's metadata with its offsets moved by ``shift`` bytes, without what lies
    outside its pages (page index, bloom filter), which is not copied."""
    meta = {field: value for field, value in chunk[_CHUNK_META][1].items()
            if field not in _META_OUTSIDE}
    for field in (_META_DATA_PAGE, _META_INDEX_PAGE, _META_DICTIONARY_PAGE):
        if field in meta and meta[field][1] > 0:
            meta[field] = (meta[field][0], meta[field][1] + shift)
    moved = {field: value for field, value in chunk.items()
             if field not in _CHUNK_OUTSIDE and field != _CHUNK_FILE_PATH}
    moved[_CHUNK_META] = (_STRUCT, meta)
    if _CHUNK_OFFSET in moved and moved[_CHUNK_OFFSET][1] > 0:  # pyarrow writes 0 (unused)
        moved[_CHUNK_OFFSET] = (_I64, moved[_CHUNK_OFFSET][1] + shift)
    return moved


class StackedParquetWriter:
    """A Parquet file made of the row groups of other Parquet files with one schema, copied
    as encoded; a column of each can come from another file with the same row groups.

    Usage: ``with StackedParquetWriter(path, template) as writer: writer.append(source,
    columns={"rank": ranks})``. ``template`` (a Parquet file) gives the schema every source
    must have; :meth:`append` refuses another (:class:`SchemaMismatch`), before writing anything,
    and the caller writes that source anew.
    Columns given as arrays are encoded with ``compression``.
    """

    def __init__(self, path: Path, template: Path | bytes, *, compression: str = "zstd"
                 ) -> None:
        self.path = Path(path)
        self.compression = compression
        with _opened(template) as handle:
            self.template = read_footer(handle, _name(template))
        self.columns = _column_names(self.template)
        self.row_groups: list[Struct] = []
        self.num_rows = 0
        self.out = open(self.path, "wb")  # noqa: SIM115 (closed by close())
        self.out.write(MAGIC)

    @property
    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema the template was written from (Parquet alone does not keep it:
        a list's item is read back named ``element``), for a source written anew."""
        key_values = {pair[1][1]: pair[2][1] for pair in
                      self.template.get(_FILE_KEY_VALUES, (_LIST, (_STRUCT, [])))[1][1]}
        if _ARROW_SCHEMA not in key_values:
            raise ParquetLayoutError(f"{self.path.name}：首个文件没有记录 Arrow 结构")
        return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(key_values[_ARROW_SCHEMA])))

    def append(self, source: Path | bytes, columns: Mapping[str, pa.Array] | None = None
               ) -> None:
        """Copy every row group of ``source``, with each flat column named in ``columns``
        replaced by those values (as many as the source has rows, of the column's type)."""
        columns = columns or {}
        with _opened(source) as handle:
            footer = read_footer(handle, _name(source))
            if _schema(footer) != _schema(self.template):
                raise SchemaMismatch(f"{_name(source)}：结构与首个文件不同，不能按块复制")
            sizes = [group[_GROUP_NUM_ROWS][1] for group in footer[_FILE_ROW_GROUPS][1][1]]
            if any(len(values) != sum(sizes) for values in columns.values()):
                raise ParquetLayoutError(f"{_name(source)}：替换列的行数与文件不同")
            replacements = {
                name: _Replacement(name, self._encoded(name, values, sizes), self.template)
                for name, values in columns.items()}
            try:
                for number, group in enumerate(footer[_FILE_ROW_GROUPS][1][1]):
                    self._copy_group(handle, group, number, replacements)
            finally:
                for replacement in replacements.values():
                    replacement.close()

    def _copy_group(self, handle: BinaryIO, group: Struct, number: int,
                    replacements: Mapping[str, _Replacement]) -> None:
        chunks = []
        num_rows = group[_GROUP_NUM_ROWS][1]
        for name, chunk in zip(self.columns, group[_GROUP_COLUMNS][1][1], strict=True):
            source, chunk = ((handle, chunk) if name not in replacements
                             else replacements[name].chunk(number, num_rows))
            start, length = _chunk_range(chunk[_CHUNK_META][1])
            source.seek(start)
            data = source.read(length)
            if len(data) != length:
                raise ParquetLayoutError(f"{self.path.name}：源文件的列块不完整")
            chunks.append(_moved_chunk(chunk, self.out.tell() - start))
            self.out.write(data)
        first = chunks[0]
        metas = [chunk[_CHUNK_META][1] for chunk in chunks]
        copied = {field: value for field, value in group.items()
                  if field not in (_GROUP_COLUMNS, _GROUP_BYTES, _GROUP_OFFSET,
                                   _GROUP_COMPRESSED, _GROUP_ORDINAL)}
        copied |= {
            _GROUP_COLUMNS: (_LIST, (_STRUCT, chunks)),
            _GROUP_BYTES: (_I64, sum(meta[_META_UNCOMPRESSED][1] for meta in metas)),
            _GROUP_OFFSET: (_I64, _chunk_range(first[_CHUNK_META][1])[0]),
            _GROUP_COMPRESSED: (_I64, sum(meta[_META_COMPRESSED][1] for meta in metas)),
            _GROUP_ORDINAL: (_I16, len(self.row_groups)),
        }
        self.row_groups.append(copied)
        self.num_rows += num_rows

    def _encoded(self, name: str, values: pa.Array, sizes: list[int]) -> bytes:
        """A Parquet file of the one column, in row groups of ``sizes`` rows."""
        table = pa.table({name: values})
        sink = pa.BufferOutputStream()
        with pq.ParquetWriter(sink, table.schema, compression=self.compression) as writer:
            start = 0
            for size in sizes:
                writer.write_table(table.slice(start, size), row_group_size=max(size, 1))
                start += size
        return sink.getvalue().to_pybytes()

    def close(self) -> None:
        """Write the footer: the template's, with the copied row groups."""
        if self.out.closed:
            return
        try:
            footer = dict(self.template)
            footer[_FILE_NUM_ROWS] = (_I64, self.num_rows)
            footer[_FILE_ROW_GROUPS] = (_LIST, (_STRUCT, self.row_groups))
            encoded = encode_struct(footer)
            self.out.write(encoded + struct.pack("<I", len(encoded)) + MAGIC)
        finally:
            self.out.close()

    def __enter__(self) -> StackedParquetWriter:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_rest: object) -> None:
        if error_type is None:
            self.close()
        else:  # without all its row groups, the file must not look complete
            self.out.close()
            self.path.unlink(missing_ok=True)


class _Replacement:
    """A flat top-level column of another file, row group by row group."""

    def __init__(self, name: str, source: bytes, template: Struct) -> None:
        self.name = name
        self.handle = _opened(source)
        footer = read_footer(self.handle, name)
        wanted = [element for element in template[_FILE_SCHEMA][1][1]
                  if element[_ELEMENT_NAME][1] == name.encode()
                  and _ELEMENT_CHILDREN not in element]
        if len(wanted) != 1 or footer[_FILE_SCHEMA][1][1][1:] != wanted:
            self.handle.close()
            raise ParquetLayoutError(f"替换列 {name} 的类型与首个文件不同")
        self.groups = footer[_FILE_ROW_GROUPS][1][1]

    def chunk(self, number: int, num_rows: int) -> tuple[BinaryIO, Struct]:
        if number >= len(self.groups) or self.groups[number][_GROUP_NUM_ROWS][1] != num_rows:
            raise ParquetLayoutError(f"替换列 {self.name} 的行组与源文件不一致")
        return self.handle, self.groups[number][_GROUP_COLUMNS][1][1][0]

    def close(self) -> None:
        self.handle.close()


def _opened(source: Path | bytes) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    return open(source, "rb")


def _name(source: Path | bytes) -> str:
    return Path(source).name if isinstance(source, Path | str) else "内存中的 Parquet"
