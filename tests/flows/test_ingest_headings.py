"""Header aliases and header rows; town, village and period from titles and names."""

from __future__ import annotations

import pytest

from flows.ingest.headers import find_header_row, map_columns
from flows.ingest.profiles import ImportProfile
from flows.ingest.titles import Title, parse_name, parse_title, parse_unit


def _field_of(header: str) -> str | None:
    columns = map_columns([header])
    return next(iter(columns.fields), None)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("凭证日期", "voucher_date"),
        ("　日　期　", "voucher_date"),
        ("借方金额（元）", "debit"),
        ("*科目编码", "account_code"),
        ("凭证号数", "voucher_no"),
        ("附单据数", "attachments"),
        ("附件数量", "attachments"),
        ("单据张数", "attachments"),
        ("凭证类型", "voucher_word"),
        ("凭证类别", "voucher_word"),
        ("分录序号", "line_no"),
        ("会计年度", "year"),
        ("账套名称", "village"),
        ("公司", "village"),
        ("核算 项目8", None),  # an auxiliary type, read with 名称8, not a field
        ("审核日期", None),
        ("备注", None),
    ],
)
def test_header_aliases(header: str, field: str | None) -> None:
    assert _field_of(header) == field


def test_several_columns_of_a_field_in_order_the_rest_kept() -> None:
    columns = map_columns(["记账日期", "凭证日期", "凭证号", "方向", "金额", "借方", "贷方", ""])
    assert columns.fields["voucher_date"] == (0, 1)  # dates in the file's order
    assert map_columns(["往来单位", "客户", "收款人"]).fields["counterparty"] == (0, 2, 1)
    assert columns.fields["direction"] == (3,) and columns.fields["amount"] == (4,)
    assert columns.extra() == [1, 7]
    assert columns.labels[7] == "第8列"


def test_unit_is_the_unit_of_measure_beside_quantity_and_price() -> None:
    assert map_columns(["单位", "凭证号"]).fields["village"] == (0,)
    measured = map_columns(["公司", "单位", "数量", "单价", "凭证号"])
    assert measured.fields["village"] == (0,)  # 公司, and not 单位
    assert 1 in measured.extra()


def test_auxiliary_pairs_and_cells() -> None:
    columns = map_columns(
        ["摘要", "核算项目1", "编码1", "名称1", "核算 项目2", "名称2", "辅助核算"])
    assert columns.pairs == [(1, 3), (4, 5)]
    assert columns.cells == [6]


def test_a_profile_names_columns_and_ignores_others() -> None:
    profile = ImportProfile(name="t", columns={"village": ["账簿"]}, ignore=["公司"])
    columns = map_columns(["公司", "账簿", "凭证号"], profile)
    assert columns.fields["village"] == (1,)
    assert columns.profile == "t"


def test_repeated_headers_get_their_column_number() -> None:
    assert map_columns(["备注", "凭证号", "备注"]).labels == ["备注", "凭证号", "备注（第3列）"]


def test_header_row_is_searched_in_the_first_twenty_rows_only() -> None:
    header = ["日期", "凭证字号", "摘要", "借方", "贷方"]
    assert find_header_row([["青石镇下坝村 序时账"], ["会计期间"], header]) == 2
    assert find_header_row([["说明"]] * 19 + [header]) == 19
    assert find_header_row([["说明"]] * 20 + [header]) is None
    assert find_header_row([["日期", "摘要"]]) is None  # a date alone is not a header
    # a balance sheet names accounts and amounts but no date or voucher: not a journal
    assert find_header_row([["科目编码", "科目名称", "借方", "贷方"]]) is None


def test_title_rows() -> None:
    title = parse_title(["青石镇下坝村 序时账", "会计期间：2023年01月至2023年12月 单位：元"])
    assert title == Title("青石镇", "下坝村", "2023-01", "2023-12", "2023")
    assert parse_title(["2023年度石门乡石门村委会序时账"]) == Title("石门乡", "石门村", year="2023")
    assert parse_title(["城关街道城关社区 凭证明细"]) == Title("城关街道", "城关社区")
    assert parse_title(["青石镇农村集体三资代理服务中心"]) == Title("青石镇", "")
    assert parse_title(["序时账", "单位：元"]) == Title()


def test_names_and_fallback_order() -> None:
    assert parse_name("青石镇_下坝村_2023") == Title("青石镇", "下坝村", year="2023")
    assert parse_name("下坝村") == Title("", "下坝村")
    assert parse_name("Sheet1") == Title()
    title = Title(village="下坝村").or_else(parse_name("青石镇_上坝村")).or_else(Title("石门乡"))
    assert (title.town, title.village) == ("青石镇", "下坝村")


def test_a_title_naming_the_unit_outright() -> None:
    assert parse_title(["核算单位：青石镇下坝村股份经济合作社", "单位：元"]) == Title(
        "青石镇", "下坝村股份经济合作社")
    assert parse_title(["账套：下坝村", "2023年度"]) == Title("", "下坝村", year="2023")
    assert parse_title(["凭证明细", "单位：元"]) == Title()


def test_the_unit_a_user_names() -> None:
    assert parse_unit("青石镇 下坝村") == Title("青石镇", "下坝村")
    assert parse_unit("青石镇下坝村") == Title("青石镇", "下坝村")
    assert parse_unit("下坝村实业有限公司") == Title("", "下坝村实业有限公司")
    assert parse_unit("") == Title()
