"""Town, village and period read from title rows, sheet names and file names.

A 序时账 starts with a title such as ``青石镇下坝村 序时账`` and a line
``会计期间：2023年01月至2023年12月 单位：元``; file names such as ``青石镇_下坝村_2023.xlsx``
carry the same names. The town runs up to 镇/乡/街道, the village on to 村/社区/居委会.
A title may also name the accounting unit outright (``核算单位：青石镇下坝村股份经济合作社``,
``账套：…``): that unit is the books' owner, a village or a village's company alike.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

_HAN = "[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]"
_TOWN = rf"{_HAN}+?(?:镇|乡|街道)"
_VILLAGE = rf"{_HAN}+?(?:村|社区|居委会)"
_PLACE = re.compile(rf"(?:(?P<town>{_TOWN})\s*)?(?P<village>{_VILLAGE})")
_TOWN_ONLY = re.compile(_TOWN)
_HAN_CHARACTER = re.compile(_HAN)
# Years and dates are not part of a name: 2023年度青石镇… must not make 年度青石镇 a town.
_DATES = re.compile(r"\d{4}\s*年度?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?")
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
MIN_TITLE_YEAR, MAX_TITLE_YEAR = 1990, 2099
_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_MONTH = re.compile(r"(\d{4})\s*(?:年|[-./])\s*(\d{1,2})(?!\d)")
_NAME_SEPARATORS = re.compile(r"[_\-.·\s]+")
# Words ending in 村 that are not villages (青石镇农村集体三资代理中心).
_NOT_VILLAGES = {"农村", "乡村", "新农村"}
# 核算单位：X, 账套名称：X, 编制单位：X …; 单位：元 is the currency, not an organisation.
_LABELLED_UNIT = re.compile(
    r"(?:核算单位|单位名称|编制单位|账套名称|账套|公司名称|公司|组织名称|组织|单位)\s*[:：]\s*"
    r"(?P<unit>[^\s:：,，;；]+)"
)
_CURRENCY_UNITS = {"元", "万元", "人民币", "人民币元", "元角分"}


@dataclass(frozen=True)
class Title:
    """What the headings of a file or sheet say; "" where they say nothing."""

    town: str = ""
    village: str = ""
    period_from: str = ""
    period_to: str = ""
    year: str = ""  # the books' year where a title names it (2023年度), for periods written 8

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
    """Town and village from the unit a title line names (核算单位：…), else from the first title
    line naming a place; the period range from any line."""
    town = village = ""
    for line in lines:
        town, village = _labelled_unit(line)
        if village:
            break
    else:
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
    years = [year for line in lines for year in _YEAR.findall(line)
             if MIN_TITLE_YEAR <= int(year) <= MAX_TITLE_YEAR]
    return Title(
        town=town,
        village=village,
        period_from=months[0] if months else "",
        period_to=months[1] if len(months) > 1 else "",
        year=months[0][:4] if months else (years[0] if years else ""),
    )


def parse_unit(unit: str) -> Title:
    """The unit a user names (``--unit``): ``青石镇 下坝村``, ``青石镇下坝村``, or any name of an
    accounting unit (``下坝村经济合作社``), which is then the village as written."""
    text = " ".join(unit.split())
    if not text:
        return Title()
    return Title(*_unit_place(text))


def split_place(unit: str) -> tuple[str, str]:
    """(town, village) of a unit written as a town and a village (青石镇下坝村, 青石镇 下坝村);
    ("", unit) for anything else, so a company's or a village's own name stays whole."""
    squeezed = "".join(unit.split())
    whole = re.fullmatch(rf"(?P<town>{_TOWN})(?P<village>{_VILLAGE})", squeezed)
    if whole and whole.group("village") not in _NOT_VILLAGES:
        return whole.group("town"), whole.group("village")
    return "", unit


def parse_name(name: str) -> Title:
    """Town and village from a file stem or sheet name such as ``青石镇_下坝村_2023``, and the
    year where the name holds exactly one."""
    town, village = _place(_NAME_SEPARATORS.sub(" ", name))
    years = set(_NAME_YEAR.findall(name))
    return Title(town=town, village=village, year=years.pop() if len(years) == 1 else "")


def _labelled_unit(line: str) -> tuple[str, str]:
    for match in _LABELLED_UNIT.finditer(line):
        unit = match.group("unit")
        if unit not in _CURRENCY_UNITS and _HAN_CHARACTER.search(unit):
            return _unit_place(unit)
    return "", ""


def _unit_place(unit: str) -> tuple[str, str]:
    """A unit's town and village: a plain village name is split as places are; any other
    unit keeps its whole name (after its town) as the village."""
    squeezed = unit.replace(" ", "")
    whole = re.fullmatch(rf"(?:(?P<town>{_TOWN}))?(?P<village>{_VILLAGE})", squeezed)
    if whole and whole.group("village") not in _NOT_VILLAGES:
        return whole.group("town") or "", whole.group("village")
    parts = unit.split(" ")
    if len(parts) == 2 and re.fullmatch(_TOWN, parts[0]):
        return parts[0], parts[1]
    town = re.match(_TOWN, squeezed)
    if town and len(town.group(0)) < len(squeezed) - 1:
        return town.group(0), squeezed[len(town.group(0)):]
    return "", squeezed


def _place(text: str) -> tuple[str, str]:
    text = _DATES.sub(" ", text)
    for match in _PLACE.finditer(text):
        if match.group("village") not in _NOT_VILLAGES:
            return match.group("town") or "", match.group("village")
    town = _TOWN_ONLY.search(text)
    return (town.group(0) if town else ""), ""
