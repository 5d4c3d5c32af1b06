"""Read a generated register file as a person would: find the header among the first rows by
the aliases of docs/registers.md (认得的列名), read each data row into canonical fields.

Test helper, deliberately naive and independent of the generator's writers: it knows the
aliases, the text forms of dates, amounts, areas and one-cell terms, nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from tests.data.export_rows import sheet_rows

# header -> canonical field, docs/registers.md 认得的列名 (and 序号, which no field takes)
ALIASES = {
    **dict.fromkeys(("合同编号", "合同号", "合同编码"), "contract_no"),
    **dict.fromkeys(("村", "单位名称", "发包方", "出租方", "集体经济组织名称"), "village"),
    **dict.fromkeys(("合同名称", "项目名称"), "contract_name"),
    **dict.fromkeys(("合同类别", "合同类型"), "category"),
    **dict.fromkeys(("承包方", "承租方", "乙方", "对方单位", "施工单位", "供应商"), "counterparty"),
    **dict.fromkeys(("标的编号",), "subject_no"),
    **dict.fromkeys(("标的名称", "标的物"), "subject_name"),
    **dict.fromkeys(("坐落", "位置", "四至", "存放地点"), "location"),
    **dict.fromkeys(("面积", "面积(亩)", "承包面积"), "area"),
    **dict.fromkeys(("地类", "资源类别"), "land_class"),
    **dict.fromkeys(("签订日期", "签约日期"), "signed_on"),
    **dict.fromkeys(("起始日期", "开始日期", "租赁开始时间"), "start_on"),
    **dict.fromkeys(("终止日期", "结束日期", "到期日期"), "end_on"),
    "起止日期": "term",
    **dict.fromkeys(("合同金额", "合同总价", "成交金额", "总价款"), "amount"),
    **dict.fromkeys(("年租金", "年承包费", "年收益"), "annual_rent"),
    **dict.fromkeys(("单价", "每亩年租金"), "unit_price"),
    **dict.fromkeys(("收款方式", "租金收取方式"), "collection"),
    **dict.fromkeys(("首期应收日", "首付日期"), "first_due_on"),
    "每期交租日": "due_day",
    "交易方式": "trade_mode",
    **dict.fromkeys(("决议编号", "民主决策编号"), "decision_ref"),
    "公示日期": "published_on",
    **dict.fromkeys(("备案日期", "乡镇审核日期"), "filed_on"),
    "合同状态": "status",
    "原合同编号": "previous_no",
    **dict.fromkeys(("资产编号", "资产编码", "卡片编号"), "asset_no"),
    "资产名称": "asset_name",
    **dict.fromkeys(("资产类别", "分类代码"), "asset_class"),
    **dict.fromkeys(("取得日期", "购建日期", "入账日期"), "acquired_on"),
    **dict.fromkeys(("原值", "账面原值"), "original_value"),
    "累计折旧": "depreciation",
    **dict.fromkeys(("净值", "账面净值"), "net_value"),
    "数量": "quantity",
    "计量单位": "unit",
    **dict.fromkeys(("使用状况", "使用情况", "现状"), "use_status"),
    "入账凭证号": "voucher_no",
    "对应科目": "account_code",
    **dict.fromkeys(("管护人", "保管人"), "custodian"),
    **dict.fromkeys(("资源编号", "地块编码", "地块编号"), "resource_no"),
    **dict.fromkeys(("资源名称", "地块名称", "土名"), "resource_name"),
    "承包到户情况": "household_contracted",
    **dict.fromkeys(("经营方式", "使用现状"), "use_mode"),
    **dict.fromkeys(("承租人", "承包人"), "tenant"),
    "序号": "",
}
ID_FIELDS = {"contracts": "contract_no", "assets": "asset_no", "resources": "resource_no"}
DATE_FIELDS = ("signed_on", "start_on", "end_on", "first_due_on", "published_on", "filed_on",
               "acquired_on")
MONEY_FIELDS = ("amount", "annual_rent", "unit_price", "original_value", "net_value")
DATE_TEXT = re.compile(r"^(\d{4})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$")
TERM_TEXT = re.compile(r"^(.+?)(?:至|-(?=\d{4}\.))(.+)$")


def kind_of(header: list[str]) -> str:
    """A register is recognised by its headers (docs/registers.md 怎样认出是哪种台账)."""
    fields = {ALIASES.get(text) for text in header}
    if "contract_no" in fields and ({"term", "start_on"} & fields):
        return "contracts"
    if "asset_no" in fields and "original_value" in fields:
        return "assets"
    if "resource_no" in fields and "area" in fields:
        return "resources"
    raise ValueError(f"不是台账表头：{header}")


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = DATE_TEXT.match(text)
    if not match:
        raise ValueError(f"无法识别的日期：{text}")
    return dt.date(*(int(part) for part in match.groups()))


def _fen(value: object) -> int | None:
    if isinstance(value, (int, float)):
        return round(value * 100)
    text = str(value).replace(",", "").strip()
    if not text:
        return None
    whole, _, cents = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((cents + "00")[:2]))


def _area_tenths(value: object) -> int | None:
    """An area in tenths of a 亩: ``12.3``, 12.3 or ``8200平方米`` (1 亩 = 2000/3 平方米)."""
    if isinstance(value, (int, float)):
        return round(value * 10)
    text = str(value).strip()
    if not text:
        return None
    if text.endswith("平方米"):
        return round(float(text.removesuffix("平方米")) * 3 / 200)
    return round(float(text) * 10)


def read_register(path: Path) -> tuple[str, pd.DataFrame]:
    """The register's kind and its data rows: canonical fields plus ``source_row``."""
    sheet = "台账" if path.suffix == ".xlsx" else ""
    rows = [["" if cell is None else cell for cell in row] for row in sheet_rows(path, sheet)]
    at = next(index for index, row in enumerate(rows[:10])
              if sum(str(cell) in ALIASES for cell in row) >= 5)
    header = [str(cell) for cell in rows[at]]
    kind = kind_of(header)
    records = []
    for number, row in enumerate(rows[at + 1:], start=at + 2):
        cells = dict(zip(header, row, strict=False))
        if not any(str(cell).strip() for cell in row) or str(row[0]) == "合计":
            continue
        record: dict[str, object] = {"source_row": number}
        for text, value in cells.items():
            name = ALIASES[text]
            if not name:
                continue
            if name == "term":
                start, end = TERM_TEXT.match(str(value)).groups()  # type: ignore[union-attr]
                record["start_on"], record["end_on"] = _date(start), _date(end)
            elif name in DATE_FIELDS:
                record[name] = _date(value)
            elif name in MONEY_FIELDS:
                record[name] = _fen(value)
            elif name == "area":
                record[name] = _area_tenths(value)
            else:
                record[name] = str(value).strip()
        records.append(record)
    return kind, pd.DataFrame.from_records(records)


def read_registers(paths: list[Path]) -> dict[str, pd.DataFrame]:
    """Every file's rows, by register kind, with ``source_file``."""
    frames: dict[str, list[pd.DataFrame]] = {kind: [] for kind in ID_FIELDS}
    for path in paths:
        kind, frame = read_register(path)
        frames[kind].append(frame.assign(source_file=path.name))
    return {kind: pd.concat(parts, ignore_index=True) for kind, parts in frames.items()}
