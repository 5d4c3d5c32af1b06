"""The headers each register is written with (docs/registers.md 认得的列名), and the words of
its enums.

Fields are named as the canonical columns of :mod:`checks.registers.columns`; a few are not
columns but the cells a column is made from: ``term`` (one cell holding both ends of a
contract's term, ``2023.1.1-2027.12.31``). Headers are compared as :func:`header_parts` makes
them: width-folded, without whitespace or a required-field ``*``, and without a trailing unit
in brackets, which is kept apart (``面积（亩）`` is 面积 in 亩, ``合同金额（万元）`` is 合同金额 in
万元). Within one register each header names one field; a field's headers are listed preferred
first.
"""

from __future__ import annotations

import re
import unicodedata

from checks.registers.columns import (
    ASSET_USES,
    COLLECTIONS,
    CONTRACT_CATEGORIES,
    HOUSEHOLD_CONTRACTED,
    LAND_CLASSES,
    RESOURCE_USES,
)

# The place of a row, as registers name it (docs/registers.md 认得的列名, 各台账共有): the
# village side of a contract (发包方, 出租方, 甲方) is the village.
PLACE_ALIASES: dict[str, tuple[str, ...]] = {
    "town": ("乡镇", "镇", "所属乡镇", "乡镇名称", "街道"),
    "village": ("村", "村名", "所属村", "单位名称", "核算单位", "集体经济组织名称",
                "集体经济组织", "发包方", "出租方", "甲方"),
}
LAND_CLASS_HEADERS = ("地类", "资源类别", "土地类别", "资源类型")
AREA_HEADERS = ("面积", "承包面积", "租赁面积", "出租面积", "地块面积")

FIELD_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "contracts": {
        **PLACE_ALIASES,
        "contract_no": ("合同编号", "合同号", "合同编码"),
        "contract_name": ("合同名称", "项目名称"),
        "category": ("合同类别", "合同类型", "合同分类"),
        "counterparty": ("承包方", "承租方", "乙方", "对方单位", "施工单位", "供应商", "承包人",
                         "承租人", "受让方", "对方名称"),
        "counterparty_id": ("身份证号", "统一社会信用代码", "证件号码", "身份证号码"),
        "subject_no": ("标的编号", "资产编号", "资源编号", "地块编码", "地块编号"),
        "subject_name": ("标的名称", "标的物", "资产名称", "资源名称", "地块名称"),
        "location": ("坐落", "位置", "四至", "坐落位置"),
        "area_mu": AREA_HEADERS,
        "area_unit": ("面积单位",),
        "land_class": LAND_CLASS_HEADERS,
        "signed_on": ("签订日期", "签约日期", "合同签订日期"),
        "start_on": ("起始日期", "开始日期", "租赁开始时间", "起租日期", "承包开始日期",
                     "合同开始日期", "开始时间", "起始时间"),
        "end_on": ("终止日期", "结束日期", "到期日期", "租赁结束时间", "截止日期", "合同到期日期",
                   "合同终止日期", "结束时间", "终止时间"),
        "term": ("起止日期", "合同期限", "承包期限", "租赁期限", "起止时间", "合同起止日期",
                 "承包期", "租赁期"),
        "amount_fen": ("合同金额", "合同总价", "成交金额", "总价款", "合同总金额"),
        "annual_rent_fen": ("年租金", "年承包费", "年租金额"),
        "unit_price_fen": ("每亩年租金", "单价", "亩均年租金"),
        "collection": ("收款方式", "租金收取方式", "收租方式", "付款方式", "缴费方式"),
        "first_due_on": ("首期应收日", "首付日期", "首期收款日期"),
        "due_day": ("每期交租日", "交租日", "收租日"),
        "escalation": ("递增方式", "递增幅度", "递增周期"),
        "rent_free_days": ("免租期",),
        "deposit_fen": ("保证金", "押金", "履约保证金"),
        "floor_price_fen": ("底价", "评估价", "保留价"),
        "trade_mode": ("交易方式",),
        "decision_ref": ("决议编号", "民主决策编号"),
        "published_on": ("公示日期",),
        "filed_on": ("备案日期", "乡镇审核日期"),
        "status": ("合同状态", "履行状态"),
        "previous_no": ("原合同编号",),
    },
    "plans": {
        **PLACE_ALIASES,
        "contract_no": ("合同编号", "合同号", "合同编码"),
        "instalment": ("期次", "期数", "第几期", "收款期次", "付款期次"),
        "direction": ("收付方向", "收付类型", "方向"),
        "due_on": ("应收日期", "应付日期", "计划收款日期", "计划付款日期", "应收时间"),
        "amount_due_fen": ("应收金额", "应付金额", "计划收款金额", "计划付款金额", "计划金额",
                           "应收租金"),
        "amount_received_fen": ("实收金额", "实付金额", "已收金额", "已付金额"),
        "received_on": ("实收日期", "收款日期", "实付日期", "付款日期", "到账日期"),
        "voucher_no": ("凭证号", "入账凭证号", "凭证编号"),
    },
    "assets": {
        **PLACE_ALIASES,
        "asset_no": ("资产编号", "资产编码", "卡片编号", "资产卡片编号"),
        "asset_name": ("资产名称",),
        "asset_class": ("资产类别", "分类代码", "资产分类", "资产类型"),
        "acquired_on": ("取得日期", "购建日期", "入账日期", "购置日期", "建成日期"),
        "original_value_fen": ("原值", "账面原值", "资产原值"),
        "depreciation_fen": ("累计折旧",),
        "net_value_fen": ("净值", "账面净值", "资产净值"),
        "quantity": ("数量", "面积", "建筑面积"),
        "unit": ("计量单位", "单位"),
        "location": ("坐落", "存放地点", "坐落位置", "位置"),
        "use_status": ("使用状况", "使用情况", "现状", "使用状态"),
        "contract_no": ("合同编号",),
        "voucher_no": ("入账凭证号", "凭证号"),
        "account_code": ("对应科目", "会计科目", "科目编码"),
        "custodian": ("管护人", "保管人", "使用人", "管理人"),
        "disposed_on": ("处置日期",),
    },
    "resources": {
        **PLACE_ALIASES,
        "resource_no": ("资源编号", "地块编码", "地块编号"),
        "resource_name": ("资源名称", "地块名称", "土名"),
        "land_class": LAND_CLASS_HEADERS,
        "area_mu": AREA_HEADERS,
        "area_unit": ("面积单位",),
        "location": ("坐落", "四至", "坐落位置", "位置"),
        "household_contracted": ("承包到户情况", "是否承包到户"),
        "use_mode": ("经营方式", "使用现状", "利用现状"),
        "tenant": ("承租人", "承包人", "承租方", "承包方"),
        "contract_no": ("合同编号",),
        "annual_rent_fen": ("年租金", "年收益", "年承包费"),
    },
}

# A header row is a register's when it names these: every field of the first set and at least
# one of the second (recognised by the headers, not by the file's name: docs/registers.md
# 怎样认出是哪种台账). Tried in this order: a contract register may name a parcel (资源编号)
# and its area too.
SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "contracts": (frozenset({"contract_no"}), frozenset({"start_on", "end_on", "term"})),
    "plans": (frozenset({"contract_no"}),
              frozenset({"instalment", "due_on", "amount_due_fen"})),
    "assets": (frozenset({"original_value_fen"}), frozenset({"asset_no", "asset_name"})),
    "resources": (frozenset({"resource_no"}), frozenset({"area_mu"})),
}

# Fields whose columns are read together, "header：value" joined, rather than the first filled.
JOINED_FIELDS = frozenset({"escalation"})

# Enum cells: the words seen for each value (after width folding and without spaces). A value
# already canonical stands for itself; anything else is kept as written for the schema to judge.
ENUM_WORDS: dict[str, dict[str, str]] = {
    "category": {
        "资源类": "资源发包", "资源发包类": "资源发包", "发包": "资源发包", "承包": "资源发包",
        "资源承包": "资源发包", "土地发包": "资源发包", "资产类": "资产租赁", "租赁": "资产租赁",
        "出租": "资产租赁", "资产出租": "资产租赁", "资产租赁类": "资产租赁", "工程": "工程建设",
        "工程类": "工程建设", "建设工程": "工程建设", "施工": "工程建设", "工程施工": "工程建设",
        "采购": "采购服务", "服务": "采购服务", "采购类": "采购服务", "服务类": "采购服务",
        "出售": "出售出让", "出让": "出售出让", "转让": "出售出让", "资产处置": "出售出让",
    },
    "land_class": {
        "水田": "耕地", "旱地": "耕地", "水浇地": "耕地", "果园": "园地", "茶园": "园地",
        "山林": "林地", "林场": "林地", "山场": "林地", "牧草地": "草地", "水面": "养殖水面",
        "鱼塘": "养殖水面", "水塘": "养殖水面", "山塘": "养殖水面", "四荒": "四荒地",
        "荒地": "四荒地", "荒山": "四荒地", "建设用地": "集体经营性建设用地",
        "经营性建设用地": "集体经营性建设用地", "厂房": "房屋", "房产": "房屋", "门面": "房屋",
        "商铺": "房屋", "店面": "房屋",
    },
    "collection": {
        "月付": "按月", "每月": "按月", "按月收取": "按月", "按月支付": "按月", "季付": "按季",
        "按季度": "按季", "每季": "按季", "每季度": "按季", "按季收取": "按季",
        "半年付": "按半年", "每半年": "按半年", "按半年收取": "按半年", "年付": "按年",
        "每年": "按年", "按年度": "按年", "按年收取": "按年", "按年支付": "按年",
        "一次付清": "一次性", "一次性付清": "一次性", "一次性收取": "一次性",
        "一次性支付": "一次性",
    },
    "use_status": {
        "在用": "自用", "使用中": "自用", "正常使用": "自用", "出租中": "出租", "已出租": "出租",
        "租赁": "出租", "已发包": "发包", "承包": "发包", "空置": "闲置", "闲置中": "闲置",
        "已报废": "报废", "待处置": "处置中", "在建中": "在建",
    },
    "use_mode": {
        "自营": "集体自主经营", "集体经营": "集体自主经营", "自主经营": "集体自主经营",
        "租赁": "出租", "已出租": "出租", "承包": "发包", "已发包": "发包", "对外发包": "发包",
        "空闲": "闲置", "空置": "闲置",
    },
    "household_contracted": {"已承包": "已承包到户", "是": "已承包到户", "未承包": "未承包到户",
                             "否": "未承包到户"},
    "direction": {"收款": "收", "应收": "收", "收入": "收", "付款": "付", "应付": "付",
                  "支出": "付"},
}
ENUM_VALUES: dict[str, tuple[str, ...]] = {
    "category": CONTRACT_CATEGORIES, "land_class": LAND_CLASSES, "collection": COLLECTIONS,
    "use_status": ASSET_USES, "use_mode": RESOURCE_USES,
    "household_contracted": HOUSEHOLD_CONTRACTED, "direction": ("收", "付"),
}
# A contract's category where its register leaves it blank, from words of its name
# (docs/registers.md 认得的列名, 合同类别), tried in this order.
CATEGORY_FROM_NAME = (("工程", "工程建设"), ("施工", "工程建设"), ("租赁", "资产租赁"),
                      ("出租", "资产租赁"), ("承包", "资源发包"), ("发包", "资源发包"))

_UNIT_IN_BRACKETS = re.compile(r"^(?P<key>.+?)\((?P<unit>[^()]+)\)$")


def header_parts(text: str) -> tuple[str, str]:
    """A header as compared with the aliases, and the unit it names in brackets ("" if none):
    ``面积（亩）`` → (面积, 亩); ``* 合同 编号`` → (合同编号, "")."""
    folded = "".join(unicodedata.normalize("NFKC", str(text)).split()).strip("*")
    match = _UNIT_IN_BRACKETS.match(folded)
    if match:
        return match.group("key"), match.group("unit")
    return folded, ""


def field_words(kind: str) -> dict[str, str]:
    """Each field of a register in Chinese (its first header), for reasons and ``inspect``."""
    return {name: aliases[0] for name, aliases in FIELD_ALIASES[kind].items()}
