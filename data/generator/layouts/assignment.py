"""Which export layout (and variant) each village's books come in, fixed by its place.

Most villages are exported by the county platform (layout A, one CSV per town); in each run of
six villages of a town one keeps a 序时账 workbook (B) and one a legacy GB18030 CSV (C).
Variants alternate between towns, so a county of two or more towns has every variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from data.generator.county import Village

SLOTS = 6
WORKBOOK_SLOT = 1
LEGACY_SLOT = 2


class Layout(StrEnum):
    PLATFORM_CSV = "A"
    WORKBOOK = "B"
    LEGACY_CSV = "C"


@dataclass(frozen=True, slots=True)
class Export:
    """A village's layout and variant (0 or 1).

    A0: one UTF-8 file with BOM per town for all years, periods ``2023-11``;
    A1: one file per town and year without BOM, periods ``2023年11月``.
    B0: one workbook per village-year, standard headers;
    B1: one workbook per village with a sheet per year, header aliases in another order.
    C0: debit and credit columns, dates ``2023年1月5日``; C1: 方向 + 金额, dates ``2023/1/5``.
    """

    layout: Layout
    variant: int

    @property
    def has_period_column(self) -> bool:
        return self.layout is Layout.PLATFORM_CSV

    @property
    def has_org_code_column(self) -> bool:
        return self.layout is Layout.PLATFORM_CSV

    @property
    def has_line_number_column(self) -> bool:
        """Whether 分录号 is written (else a line's number is its order within the voucher)."""
        return self.layout is Layout.PLATFORM_CSV or (
            self.layout is Layout.WORKBOOK and self.variant == 0
        )

    @property
    def has_amount_pair(self) -> bool:
        """Whether debit and credit are separate columns (else 方向 + 金额)."""
        return not (self.layout is Layout.LEGACY_CSV and self.variant == 1)


def export_of(village: Village) -> Export:
    slot = village.position % SLOTS
    variant = (village.town.index + village.position // SLOTS) % 2
    if slot == WORKBOOK_SLOT:
        return Export(Layout.WORKBOOK, variant)
    if slot == LEGACY_SLOT:
        return Export(Layout.LEGACY_CSV, variant)
    return Export(Layout.PLATFORM_CSV, village.town.index % 2)
