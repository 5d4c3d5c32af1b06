"""Town, village and period read from title rows, sheet names and file names.

A 序时账 starts with a title such as ``青石镇下坝村 序时账`` and a line
``会计期间：2023年01月至2023年12月 单位：元``; file names such as ``青石镇_下坝村_2023.xlsx``
carry the same names. The town runs up to 镇/乡/街道, the village on to 村/社区/居委会.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

_HAN = "[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]"
_TOWN = rf"{_HAN}+?(?:镇|乡|街道)"
_VILLAGE = rf"{_HAN}+?(?:村|社区|居委会)"
_PLACE = re.compile(rf"(?:(?P<town>{_TOWN})\s*)?(?P<village>{_VILLAGE})")
_TOWN_ONLY = re.compile(_TOWN)
# Years and dates are not part of a name: 2023年度青石镇… must not make 年度青石镇 a town.
_DATES = re.compile(r"\d{4}\s*年度?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?")
_YEAR_MONTH = re.compile(r"(\d{4})\s*(?:年|[-./])\s*(\d{1,2})(?!\d)")
_NAME_SEPARATORS = re.compile(r"[_\-.·\s]+")
# Words ending in 村 that are not villages (青石镇农村集体三资代理中心).
_NOT_VILLAGES = {"农村", "乡村", "新农村"}


@dataclass(frozen=True)
class Title:
    """What the headings of a file or sheet say; "" where they say nothing."""

    town: str = ""
    village: str = ""
    period_from: str = ""
    period_to: str = ""

    def or_else(self, other: Title) -> Title:
        """Each field from self, or from ``other`` where self has none."""
        return Title(
            **{
                item.name: getattr(self, item.name) or getattr(other, item.name)
                for item in fields(self)
            }
        )

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def parse_title(lines: list[str]) -> Title:
    """Town and village from the first title line naming them, period range from any line."""
    town = village = ""
    for line in lines:
        town, village = _place(line)
        if town or village:
            break
    months = [
        f"{int(year):04d}-{int(month):02d}"
        for line in lines
        for year, month in _YEAR_MONTH.findall(line)
        if 1 <= int(month) <= 12
    ]
    return Title(
        town=town,
        village=village,
        period_from=months[0] if months else "",
        period_to=months[1] if len(months) > 1 else "",
    )


def parse_name(name: str) -> Title:
    """Town and village from a file stem or sheet name such as ``青石镇_下坝村_2023``."""
    town, village = _place(_NAME_SEPARATORS.sub(" ", name))
    return Title(town=town, village=village)


def _place(text: str) -> tuple[str, str]:
    text = _DATES.sub(" ", text)
    for match in _PLACE.finditer(text):
        if match.group("village") not in _NOT_VILLAGES:
            return match.group("town") or "", match.group("village")
    town = _TOWN_ONLY.search(text)
    return (town.group(0) if town else ""), ""
