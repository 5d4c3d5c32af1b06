"""Which text encoding a CSV export uses: UTF-8 (with or without BOM), else GB18030; UTF-16
where a byte-order mark says so (Excel's "Unicode 文本").

UTF-8 is tried first because GB18030 decodes many UTF-8 byte runs into wrong characters
without complaint (UTF-8 ``管理费用`` reads as ``绠＄悊璐圭敤``), while text in GB18030 is
rarely valid UTF-8. Never GBK: GB18030 is its superset and also covers rare name characters
such as 䶮 that GBK lacks.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from flows.ingest.errors import LedgerFileError, where

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode 文本" is UTF-16 with a BOM


def to_utf8(data: bytes, *, file: str) -> tuple[bytes, str]:
    """The export's bytes as UTF-8 without a BOM, and the name of the encoding they were in."""
    if data.startswith(UTF8_BOM):
        body = data[len(UTF8_BOM) :]
        if not _is_utf8(body):
            what = "文件以 UTF-8 BOM 开头，但内容不是有效的 UTF-8"
            raise LedgerFileError(_undecodable(body, file, ("UTF-8",), what))
        return body, "utf-8-sig"
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError:
            what = "文件以 UTF-16 BOM 开头，但内容不是有效的 UTF-16"
            raise LedgerFileError(_undecodable(data, file, ("UTF-16",), what)) from None
    if _is_utf8(data):
        return data, "utf-8"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        tried = "已依次尝试 UTF-8、带 BOM 的 UTF-8 和 GB18030，均无法解码"
        raise LedgerFileError(_undecodable(data, file, ("UTF-8", "GB18030"), tried)) from None
    return text.encode("utf-8"), "gb18030"


def _is_utf8(data: bytes) -> bool:
    """Validate without decoding into a Python string (Arrow's checker is much faster)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _undecodable(data: bytes, file: str, codecs: tuple[str, ...], what: str) -> str:
    """Point at the bad byte of the encoding that read furthest: the file is most likely that."""
    failures = []
    for codec in codecs:
        try:
            data.decode(codec)
        except UnicodeDecodeError as error:
            failures.append((error.start, codec))
    position, codec = max(failures)
    line = data.count(b"\n", 0, position) + 1
    return (
        f"{where(file, row=line)}有无法解码的字节（按 {codec} 读取）：{what}。"
        "请在导出软件或 Excel 中另存为「CSV UTF-8」（或 GB18030 编码）后重新提交。"
    )
