"""Write the journal lines into export files, each village in its layout (or vendor style).

Works on one small frame per village-year (never slicing one big frame, which is slow with
Arrow strings) and returns where every line went: file, sheet and the 1-based row a person sees.
That is what the labels and the ingestion round trip compare against.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.county import County
from data.generator.layouts.assignment import Layout, export_of
from data.generator.layouts.legacy_csv import legacy_file_name, write_legacy_csv
from data.generator.layouts.platform_csv import platform_file_name, write_platform_csv
from data.generator.layouts.vendor import write_vendor
from data.generator.layouts.workbook import sheet_name, workbook_file_name, write_workbook

Slot = tuple[int, int]  # (village index, year)


def write_exports(
    slots: dict[Slot, pd.DataFrame],
    county: County,
    years: Sequence[int],
    out_dir: Path,
    *,
    vendor: bool = False,
) -> tuple[pd.DataFrame, list[Path]]:
    """Write every file from the village-years' lines; returns all lines, in slot order, with
    source_file, source_sheet and source_row, and the files written in writing order.

    With ``vendor``, some villages are exported in vendor styles (layouts/assignment.py)."""
    years = list(years)
    places: dict[Slot, tuple[str, str, np.ndarray]] = {}
    files: list[Path] = []
    for town in county.towns:
        villages = [village for village in county.villages if village.town is town]
        exports = {village.index: export_of(village, vendor=vendor) for village in villages}
        platform = [v for v in villages if exports[v.index].layout is Layout.PLATFORM_CSV]
        if platform:
            variant = exports[platform[0].index].variant
            for span in [years] if variant == 0 else [[year] for year in years]:
                path = out_dir / platform_file_name(town.name, span)
                parts = [(village.index, year) for village in platform for year in span]
                rows = write_platform_csv(
                    pd.concat([slots[part] for part in parts], ignore_index=True), path,
                    variant=variant,
                )
                bounds = np.cumsum([0] + [len(slots[part]) for part in parts])
                for part, start, stop in zip(parts, bounds[:-1], bounds[1:], strict=True):
                    places[part] = (path.name, "", rows[start:stop])
                files.append(path)
        for village in villages:
            export = exports[village.index]
            if export.layout is Layout.WORKBOOK:
                for span in [[year] for year in years] if export.variant == 0 else [years]:
                    path = out_dir / workbook_file_name(town.name, village.name, span)
                    sheets = [(sheet_name(year, export.variant), slots[village.index, year])
                              for year in span]
                    written = write_workbook(path, sheets, variant=export.variant)
                    for year, (name, _), rows in zip(span, sheets, written, strict=True):
                        places[village.index, year] = (path.name, name, rows)
                    files.append(path)
            elif export.layout is Layout.LEGACY_CSV:
                for year in years:
                    path = out_dir / legacy_file_name(town.name, village.name, year)
                    rows = write_legacy_csv(slots[village.index, year], path,
                                            variant=export.variant)
                    places[village.index, year] = (path.name, "", rows)
                    files.append(path)
            elif export.is_vendor:
                for year in years:
                    path, sheet, rows = write_vendor(export.layout, slots[village.index, year],
                                                     out_dir)
                    places[village.index, year] = (path.name, sheet, rows)
                    files.append(path)
    placed = pd.concat(
        [
            lines.assign(source_file=places[slot][0], source_sheet=places[slot][1],
                         source_row=places[slot][2])
            for slot, lines in slots.items()
        ],
        ignore_index=True,
    )
    for name in ("source_file", "source_sheet"):
        placed[name] = placed[name].astype("str")
    return placed, files
