"""The error raised for an export that cannot be read at all."""

from __future__ import annotations


class LedgerFileError(ValueError):
    """A ledger export that cannot be read at all (encoding, header, required columns).

    The message is Chinese and names the file (and sheet), where the problem is, what was
    expected and what to do; the flow records it per file and audits the other files.
    """


class MissingColumns(LedgerFileError):
    """A header row lacking required columns: in a workbook whose other sheets are journals,
    such a sheet (a 现金流量 list of vouchers, say) is passed over rather than an error."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


def where(file: str, sheet: str = "", row: int | None = None) -> str:
    """「文件」（工作表 X）第 N 行 — the place a message points to."""
    place = f"文件「{file}」"
    if sheet:
        place += f"工作表「{sheet}」"
    if row is not None:
        place += f"第 {row} 行"
    return place
