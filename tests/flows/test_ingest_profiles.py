"""Import profiles (docs/reading-exports.md 导入配置): YAML that says how to read a layout,
checked with clear errors, chosen by the user or matched by the headers; the shipped vendor
profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.params import load_params
from flows import pipeline
from flows.ingest import ImportProfile, ProfileError, ReadOptions, load_profile, read_ledger_file
from flows.ingest.conventions import header_key
from flows.ingest.profiles import matching_profile, shipped_profiles


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


def test_shipped_profiles_load_and_each_matches_its_own_headers() -> None:
    profiles = shipped_profiles()
    assert len({profile.name for profile in profiles}) == len(profiles) >= 3
    for profile in profiles:
        assert profile.match and profile.description
        assert matching_profile(set(profile.match), profiles) is profile
    assert matching_profile({header_key("凭证日期")}, profiles) is None


KINGDEE_EAS = [
    "公司,记账日期,业务日期,会计期间,凭证类型,凭证号,分录号,摘要,科目,科目名称,币种,汇率,方向,"
    "原币金额,数量,单价,借方金额,贷方金额,制单人,过账人,审核人,附件数量,单位,结算方式,"
    "核算项目1,编码1,名称1,核算 项目2,编码2,名称2",
    "2.01.01,2023-08-05,2023-08-05,8,银收,00012,1,收租金,1002,银行存款,BB01,1,1,"
    "1200,0,0,1200,,张三,李四,王五,1,,转账,银行账户,2.03,建行,,,",
    ",2023-08-05,2023-08-05,8,银收,00012,1,收租金,1122.001,应收账款_自来水,BB01,1,0,"
    "1200,2,600,,1200,张三,李四,王五,1,吨,转账,供应商,S0012,某县供水公司,部门,D1,村委会",
    "2.01.01,2023-08-06,2023-08-06,8,现收,00012,1,收现金,1001,库存现金,BB01,1,1,"
    "50,0,0,50,,张三,李四,王五,0,,,,,,,,",
    "2.01.01,2023-08-06,2023-08-06,8,现收,00012,2,收现金,6051.001,其他业务收入_杂项,BB01,1,0,"
    "50,0,0,,50,张三,李四,王五,0,,,,,,,,",
]


def test_a_kingdee_export_is_matched_and_read_whole(tmp_path: Path) -> None:
    load = read_ledger_file(_write(tmp_path / "凭证引出.csv", KINGDEE_EAS),
                            options=ReadOptions(unit="青石镇 下坝村实业有限公司"))
    report = load.report
    assert report.profile == "金蝶 EAS 凭证引出"
    assert (report.rows_read, report.loaded, report.quarantined) == (4, 4, 0)
    entries = load.entries
    # 银收 12 and 现收 12 are two vouchers; the repeated 分录号 1 is numbered in file order
    assert entries["voucher_no"].tolist() == ["银收-12", "银收-12", "现收-12", "现收-12"]
    assert entries["line_no"].tolist() == [1, 2, 1, 2]
    assert entries["period"].tolist() == ["2023-08"] * 4
    assert entries["account_code"].tolist() == ["1002", "1122001", "1001", "6051001"]
    assert entries["counterparty"].tolist() == ["", "某县供水公司", "", ""]
    assert entries["village"].unique().tolist() == ["下坝村实业有限公司"]
    assert entries["org_code"].tolist() == ["2.01.01", "", "2.01.01", "2.01.01"]
    assert entries["bookkeeper"].tolist() == ["李四"] * 4
    totals = entries.groupby("voucher_no")[["debit_fen", "credit_fen"]].sum()
    assert totals.to_dict("index") == {"银收-12": {"debit_fen": 120000, "credit_fen": 120000},
                                       "现收-12": {"debit_fen": 5000, "credit_fen": 5000}}


def test_a_users_profile_names_odd_headers_the_unit_rows_to_skip_and_the_header_row(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "本县.yaml"
    profile.write_text(
        "name: 本县旧软件\n"
        "columns:\n  voucher_no: [记账凭证号]\n  summary: [内容]\n"
        "unit: 青石镇 下坝村\n"
        "skip_rows: ['^作废']\n"
        "header_row: 3\n"
        "directions: {debit: [收], credit: [支]}\n",
        encoding="utf-8",
    )
    path = _write(tmp_path / "export.csv", [
        "旧软件导出", "日期,记账凭证号,内容,科目编码,方向,金额",  # line 2 looks like a header too
        "日期,记账凭证号,内容,科目编码,方向,金额",
        "2023-01-05,7,收租金,102,收,300",
        "2023-01-05,7,收租金,501,支,300",
        "作废,,,,,",
    ])
    load = read_ledger_file(path, options=ReadOptions(profile=load_profile(profile)))
    assert load.report.profile == "本县旧软件"
    entries = load.entries
    assert entries["source_row"].tolist() == [4, 5]
    assert entries["voucher_no"].tolist() == ["记-7", "记-7"]
    assert entries["summary"].tolist() == ["收租金", "收租金"]
    assert (entries["debit_fen"].tolist(), entries["credit_fen"].tolist()) == (
        [30000, 0], [0, 30000])
    assert (entries["town"].iloc[0], entries["village"].iloc[0]) == ("青石镇", "下坝村")
    assert load.report.skipped_reasons == {"template": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\ncolums: {}\n", "colums：不认识的键"),
        ("name: x\ncolumns: {voucher: [凭证]}\n", "未知字段 voucher"),
        ("name: x\nskip_rows: ['(']\n", "正则表达式「(」无效"),
        ("columns: {}\n", "name：缺少此项"),
        ("- a\n- b\n", "顶层应为键值映射"),
        ("name: [x\n", "不是有效的 YAML"),
    ],
)
def test_a_profile_with_a_mistake_names_the_file_and_the_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "坏配置.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert "坏配置.yaml" in str(raised.value)
    assert expected in str(raised.value)


def test_a_missing_profile_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="导入配置文件不存在"):
        load_profile(tmp_path / "没有.yaml")


def test_a_users_profile_names_the_chart_of_the_units_it_reads() -> None:
    part = pipeline.FilePart("a.csv", "k", {}, {"青石镇": ["下坝村", "上坝村"]}, None, "r")
    profile = ImportProfile(name="某软件", chart="other")
    defaults = load_params()
    pinned = defaults.model_copy(update={"unit_charts": {"上坝村": "2004"}})
    params = pipeline.with_profile_chart(pinned, profile, [part])
    assert params.unit_charts == {"上坝村": "2004", "青石镇/下坝村": "other"}
    assert pipeline.with_profile_chart(defaults, ImportProfile(name="x"), [part]) is defaults
