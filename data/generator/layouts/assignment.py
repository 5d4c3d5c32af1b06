"""Which export layout (and variant) each village's books come in, fixed by its place.

Most villages are exported by the county platform (layout A, one CSV per town); in each run of
six villages of a town one keeps a 序时账 workbook (B) and one a legacy GB18030 CSV (C).
Variants alternate between towns, so a county of two or more towns has every variant.

With vendor styles asked for, the last three villages of each run of six export from the
accounting software in use instead of the platform (docs/reading-exports.md): a 金蝶 voucher export,
an import template, a small tool's standard voucher CSV, printed 记账凭证. The styles rotate
along those villages, each town (and each further run) three turns on from the one before, so
a county of two towns of six villages has every style.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from data.generator.county import Village

SLOTS = 6
WORKBOOK_SLOT = 1
LEGACY_SLOT = 2
FIRST_VENDOR_SLOT = 3


class Layout(StrEnum):
    PLATFORM_CSV = "A"
    WORKBOOK = "B"
    LEGACY_CSV = "C"
    KINGDEE = "kingdee"
    TEMPLATE = "template"
    SMALL_TOOL = "small_tool"
    PRINTED = "printed"


VENDOR_LAYOUTS = (Layout.KINGDEE, Layout.TEMPLATE, Layout.SMALL_TOOL, Layout.PRINTED)
# Canonical fields a layout's files do not state: ingestion loads them empty.
UNWRITTEN_FIELDS: dict[Layout, tuple[str, ...]] = {
    Layout.TEMPLATE: ("settlement", "reviewer", "bookkeeper"),
    Layout.SMALL_TOOL: ("settlement", "decision_ref", "contract_ref", "reviewer", "bookkeeper"),
    Layout.PRINTED: ("settlement", "decision_ref", "contract_ref"),
}


@dataclass(frozen=True, slots=True)
class Export:
    """A village's layout and variant (0 or 1; vendor styles have variant 0 only).

    A0: one UTF-8 file with BOM per town for all years, periods ``2023-11``;
    A1: one file per town and year without BOM, periods ``2023年11月``.
    B0: one workbook per village-year, standard headers;
    B1: one workbook per village with a sheet per year, header aliases in another order.
    C0: debit and credit columns, dates ``2023年1月5日``; C1: 方向 + 金额, dates ``2023/1/5``.
    Vendor styles: one file per village-year, see :mod:`data.generator.layouts.vendor`.
    """

    layout: Layout
    variant: int

    @property
    def is_vendor(self) -> bool:
        return self.layout in VENDOR_LAYOUTS

    @property
    def has_period_column(self) -> bool:
        return self.layout in (Layout.PLATFORM_CSV, Layout.KINGDEE, Layout.PRINTED)

    @property
    def has_org_code_column(self) -> bool:
        """Whether a unit code is written (金蝶's 公司 holds its own code, not 单位编码)."""
        return self.layout in (Layout.PLATFORM_CSV, Layout.KINGDEE)

    @property
    def has_line_number_column(self) -> bool:
        """Whether 分录号 is written (else a line's number is its order among the lines of the
        same voucher number; so too in a 金蝶 export's vouchers that number every line 1)."""
        return self.layout in (Layout.PLATFORM_CSV, Layout.KINGDEE, Layout.TEMPLATE) or (
            self.layout is Layout.WORKBOOK and self.variant == 0
        )

    @property
    def has_amount_pair(self) -> bool:
        """Whether debit and credit are separate columns (else 方向 + 金额)."""
        return not (self.layout is Layout.LEGACY_CSV and self.variant == 1)

    @property
    def unwritten_fields(self) -> tuple[str, ...]:
        return UNWRITTEN_FIELDS.get(self.layout, ())


def export_of(village: Village, *, vendor: bool = False) -> Export:
    """The village's export; with ``vendor``, some platform villages use vendor styles."""
    slot = village.position % SLOTS
    run = village.position // SLOTS
    variant = (village.town.index + run) % 2
    if slot == WORKBOOK_SLOT:
        return Export(Layout.WORKBOOK, variant)
    if slot == LEGACY_SLOT:
        return Export(Layout.LEGACY_CSV, variant)
    if vendor and slot >= FIRST_VENDOR_SLOT:
        per_run = SLOTS - FIRST_VENDOR_SLOT
        turn = (village.town.index + run) * per_run + slot - FIRST_VENDOR_SLOT
        return Export(VENDOR_LAYOUTS[turn % len(VENDOR_LAYOUTS)], 0)
    return Export(Layout.PLATFORM_CSV, village.town.index % 2)
