"""Header aliases and header rows; town, village and period from titles and names."""

from __future__ import annotations

import pytest

from flows.ingest.headers import field_of, find_header_row, map_columns
from flows.ingest.titles import Title, parse_name, parse_title


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("凭证日期", "voucher_date"),
        ("　日　期　", "voucher_date"),
        ("借方金额（元）", "debit"),
        ("*科目编码", "account_code"),
        ("凭证号数", "voucher_no"),
        ("附单据数", "attachments"),
        ("审核日期", None),
        ("备注", None),
    ],
)
def test_header_aliases(header: str, field: str | None) -> None:
    assert field_of(header) == field


def test_preferred_alias_wins_and_the_other_column_is_kept_as_unknown() -> None:
    columns = map_columns(["记账日期", "凭证日期", "凭证号", "方向", "金额", "借方", "贷方", ""])
    assert columns.fields["voucher_date"] == 1
    assert "direction" not in columns.fields  # a debit/credit pair wins over 方向 + 金额
    assert columns.unknown == [0, 3, 4, 7]
    assert columns.labels[7] == "第8列"


def test_repeated_headers_get_their_column_number() -> None:
    assert map_columns(["备注", "凭证号", "备注"]).labels == ["备注", "凭证号", "备注（第3列）"]


def test_header_row_is_searched_in_the_first_ten_rows_only() -> None:
    header = ["日期", "凭证字号", "摘要"]
    assert find_header_row([["青石镇下坝村 序时账"], ["会计期间"], header]) == 2
    assert find_header_row([["说明"]] * 9 + [header]) == 9
    assert find_header_row([["说明"]] * 10 + [header]) is None
    assert find_header_row([["日期", "摘要"]]) is None  # a date alone is not a header


def test_title_rows() -> None:
    title = parse_title(["青石镇下坝村 序时账", "会计期间：2023年01月至2023年12月 单位：元"])
    assert title == Title("青石镇", "下坝村", "2023-01", "2023-12")
    assert parse_title(["2023年度石门乡石门村委会序时账"]) == Title("石门乡", "石门村")
    assert parse_title(["城关街道城关社区 凭证明细"]) == Title("城关街道", "城关社区")
    assert parse_title(["青石镇农村集体三资代理服务中心"]) == Title("青石镇", "")
    assert parse_title(["序时账", "单位：元"]) == Title()


def test_names_and_fallback_order() -> None:
    assert parse_name("青石镇_下坝村_2023") == Title("青石镇", "下坝村")
    assert parse_name("下坝村") == Title("", "下坝村")
    assert parse_name("Sheet1") == Title()
    title = Title(village="下坝村").or_else(parse_name("青石镇_上坝村")).or_else(Title("石门乡"))
    assert (title.town, title.village) == ("青石镇", "下坝村")
