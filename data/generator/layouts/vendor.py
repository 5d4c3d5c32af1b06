"""The vendor styles (docs/reading-exports.md): which writer, file name and sheet each uses, and
what its files state otherwise than the books.

Every style writes one file per village-year, named ``{town}_{village}_{year}_{suffix}``; the
writers are :mod:`~data.generator.layouts.kingdee` (金蝶凭证), :mod:`~.template` (导入模板),
:mod:`~.small_tool` (标准凭证导出) and :mod:`~.printed` (记账凭证).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.layouts import kingdee, printed, small_tool, template
from data.generator.layouts.assignment import UNWRITTEN_FIELDS, Layout


@dataclass(frozen=True)
class VendorStyle:
    suffix: str
    extension: str
    sheet: str  # the journal's sheet; "" for a CSV
    write: Callable[[pd.DataFrame, Path], np.ndarray]  # returns each line's 1-based row
    # The fields the files state otherwise than the books (a unit code, an account path).
    restate: Callable[[pd.DataFrame], dict[str, pd.Series]] | None = None


STYLES: dict[Layout, VendorStyle] = {
    Layout.KINGDEE: VendorStyle("金蝶凭证", ".xlsx", kingdee.SHEET, kingdee.write_kingdee,
                                kingdee.restated),
    Layout.TEMPLATE: VendorStyle("导入模板", ".xlsx", template.SHEET, template.write_template),
    Layout.SMALL_TOOL: VendorStyle("标准凭证导出", ".csv", "", small_tool.write_small_tool),
    Layout.PRINTED: VendorStyle("记账凭证", ".xlsx", printed.SHEET, printed.write_printed),
}


def vendor_file_name(layout: Layout, town: str, village: str, year: int) -> str:
    style = STYLES[layout]
    return f"{town}_{village}_{year}_{style.suffix}{style.extension}"


def write_vendor(
    layout: Layout, lines: pd.DataFrame, out_dir: Path
) -> tuple[Path, str, np.ndarray]:
    """Write one village-year in a vendor style; returns the file, the journal's sheet and
    each line's 1-based row there."""
    first = lines.iloc[0]
    path = out_dir / vendor_file_name(layout, first["town"], first["village"],
                                      int(first["year"]))
    return path, STYLES[layout].sheet, STYLES[layout].write(lines, path)


def as_written(lines: pd.DataFrame, layouts: Sequence[Layout]) -> pd.DataFrame:
    """``lines`` with vendor-style lines as their files state them: the fields a style does
    not write empty, the fields it restates restated. ``layouts`` holds each line's layout."""
    layout_of = np.asarray(layouts, dtype=object)
    lines = lines.copy()
    for layout, style in STYLES.items():
        rows = layout_of == layout
        if not rows.any():
            continue
        for name in UNWRITTEN_FIELDS.get(layout, ()):
            lines.loc[rows, name] = ""
        for name, values in (style.restate(lines.loc[rows]) if style.restate else {}).items():
            lines.loc[rows, name] = values
    return lines
