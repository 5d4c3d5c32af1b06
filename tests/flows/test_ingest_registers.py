"""Registers (合同台账, 收付款计划, 资产台账, 资源台账) read by the journal's reading path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from checks.registers.columns import COLUMNS
from flows.ingest import LedgerFileError, ReadOptions
from flows.ingest.registers import read_register_file, register_kind
from flows.ingest.registers.aliases import FIELD_ALIASES, header_parts

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

CONTRACTS = [
    "青石镇下坝村 合同台账",
    "",
    "序号,合同编号,合同名称,承包方,合同期限,签订日期,年租金（元）,面积（亩）,地类,收款方式,免租期,备注",
    "一、资源类,,,,,,,,,,,",
    '1,HT-001,鱼塘承包合同,张三,2023.1.1-2027.12.31,2022-12-20,"12,000.00",30,鱼塘,年付,3个月,无',
    "2,HT-002,厂房租赁合同,李四建材公司,2023年1月1日至2025年12月31日,2022-12-25,50000,,,按季度,90天,",
    "3,HT-003,道路施工合同,某建筑公司,2023/01/01—2023/06/30,2022-12-01,,,,,,",
    "4,HT-004,山林承包,王五,2023-02-30-2030-12-31,2023-01-01,3000,100,林地,按年,,",
    "5,HT-005,果园承包,赵六,2023.1.1-2027.12.31,二〇二三年,800,20,园地,按年,,",
    "",
    '合计,,,,,,"65,800.00",150,,,,',
]


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
    book.close()
    return path


def _accounted(load) -> None:
    report = load.report
    assert report.rows_read == report.loaded + report.quarantined + report.skipped
    assert report.loaded == len(load.frame) and report.quarantined == len(load.quarantine)


def test_a_gb18030_contract_register_with_titles_ranges_and_totals(tmp_path: Path) -> None:
    path = _write(tmp_path / "台账.csv", CONTRACTS, "gb18030")
    assert register_kind(path) == "contracts"
    load = read_register_file(path)
    assert load.kind == "contracts" and load.report.encoding == "gb18030"
    assert list(load.frame.columns) == list(COLUMNS["contracts"])
    assert load.frame.dtypes.astype(str).to_dict() == COLUMNS["contracts"]
    _accounted(load)
    assert load.report.skipped_reasons == {"subtotal": 1, "section": 1}
    rows = load.frame.set_index("contract_no")
    assert set(rows.index) == {"HT-001", "HT-002"}
    first = rows.loc["HT-001"]
    assert (first["town"], first["village"]) == ("青石镇", "下坝村")
    assert first["start_on"] == pd.Timestamp("2023-01-01")
    assert first["end_on"] == pd.Timestamp("2027-12-31")
    assert first["annual_rent_fen"] == 1_200_000 and first["rent_free_days"] == 90
    assert (first["land_class"], first["collection"], first["category"]) == (
        "养殖水面", "按年", "资源发包")  # 鱼塘, 年付, and the category from 承包 in the name
    assert first["source_row"] == 5
    assert first["extra"] == '{"序号": "1", "备注": "无"}'
    second = rows.loc["HT-002"]
    assert second["end_on"] == pd.Timestamp("2025-12-31")
    assert (second["category"], second["collection"]) == ("资产租赁", "按季")
    reasons = load.quarantine.set_index("source_row")["reason"]
    assert "合同期限「2023-02-30-2030-12-31」不是真实存在的日期" in reasons[8]
    assert "签订日期「二〇二三年」" in reasons[9]
    assert "合同金额、年租金（元）和每亩年租金都为空" in reasons[7]  # works: no amount
    assert list(load.quarantine.columns) == [
        "source_file", "source_sheet", "source_row", "column", "reason", "raw"]
    assert load.quarantine.set_index("source_row").loc[9, "column"] == "签订日期"


def test_a_workbook_of_assets_with_a_notes_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "下坝村.xlsx", {
        "说明": [["本表由系统导出"]],
        "资产卡片": [
            ["青石镇下坝村资产台账"],
            ["*资产编号", "资产名称", "资产类别", "购建日期", "账面原值（万元）", "累计折旧",
             "使用状况", "存放地点", "数量"],
            ["ZC01", "村委办公楼", "房屋建筑物", "2015-06-01", 120.5, 300000, "在用", "", 1],
            ["ZC02", "旧仓库", "房屋建筑物", "2010-03-01", 8, 80000, "空置", "二组", 1],
            ["ZC03", "拖拉机", "机器设备", "2019-13-01", 3.2, "", "出租", "", 1],
            ["ZC01", "重复卡片", "车辆", "2020-01-01", 1, "", "自用", "", 1],
            ["ZC05", "打印机", "其他", "2020-01-01", -0.1, "", "坏了", "", 1],
            ["合 计", "", "", "", 131.6, 380000, "", "", ""],
        ],
    })
    assert register_kind(path) == "assets"
    load = read_register_file(path)
    _accounted(load)
    assert load.report.skipped_reasons == {"not_register_sheet": 1, "subtotal": 1}
    assert "说明" in load.report.skipped_sheets
    rows = load.frame.set_index("asset_no")
    assert list(rows.index) == ["ZC01", "ZC02"]
    assert rows.loc["ZC01", "original_value_fen"] == 120_500_000  # 120.5 万元
    assert rows.loc["ZC01", "use_status"] == "自用" and rows.loc["ZC02", "use_status"] == "闲置"
    assert rows.loc["ZC01", "village"] == "下坝村"
    assert rows.loc["ZC01", "source_sheet"] == "资产卡片"
    assert rows.loc["ZC01", "source_row"] == 3
    reasons = load.quarantine.set_index("source_row")["reason"]
    assert "购建日期「2019-13-01」不是真实存在的日期" in reasons[5]
    assert "资产编号在同一村中重复" in reasons[6]
    assert "账面原值（万元）须大于 0" in reasons[7]
    assert "使用状况「坏了」不是可识别的值" in reasons[7]


def test_resource_register_areas_in_other_units(tmp_path: Path) -> None:
    path = _write(tmp_path / "resources.csv", [
        "乡镇,村,地块编码,地块名称,地类,面积,面积单位,经营方式,承租人,年租金",
        "青石镇,下坝村,DK-1,大坪,水田,1.2,公顷,对外发包,张三,3600",
        "青石镇,下坝村,DK-2,河边,四荒,6666.67,平方米,闲置,,",
        "青石镇,下坝村,DK-3,后山,林地,300㎡,,自营,,",
        "青石镇,下坝村,DK-4,坳口,林地,12.5,,闲置,,",
        "青石镇,下坝村,DK-5,沟里,林地,很多,,闲置,,",
        "青石镇,下坝村,DK-6,沟外,林地,2,平方公里,闲置,,",
        "青石镇,下坝村,DK-7,塘边,,3,,闲置,,",
    ])
    assert register_kind(path) == "resources"
    load = read_register_file(path)
    _accounted(load)
    rows = load.frame.set_index("resource_no")
    assert rows.loc["DK-1", "area_mu"] == pytest.approx(18.0)
    assert rows.loc["DK-1", "area_unit"] == "公顷"
    assert rows.loc["DK-2", "area_mu"] == pytest.approx(10.0, abs=1e-4)
    assert rows.loc["DK-3", "area_unit"] == "平方米"
    assert rows.loc["DK-4", "area_unit"] == "亩" and rows.loc["DK-4", "area_mu"] == 12.5
    assert rows.loc["DK-1", "use_mode"] == "发包" and rows.loc["DK-1", "land_class"] == "耕地"
    assert rows.loc["DK-1", "annual_rent_fen"] == 360_000
    reasons = load.quarantine.set_index("source_row")["reason"]
    assert "面积「很多」不是可识别的面积" in reasons[6]
    assert "面积「2」的单位不是亩、平方米或公顷" in reasons[7]
    assert "地类为空" in reasons[8]


def test_payment_plan_with_instalments_and_received(tmp_path: Path) -> None:
    path = _write(tmp_path / "plan.csv", [
        "单位名称,合同编号,期次,应付日期,应付金额,实付金额,付款日期,凭证号",
        "青石镇下坝村,GC-01,第1期,2023-03-01,100000,100000,2023-03-05,付-3",
        "青石镇下坝村,GC-01,第2期,2023-06-01,50000.00,,,",
        "青石镇下坝村,GC-01,2,2023-09-01,1.234,,,",
        "青石镇下坝村,GC-01,3,,5000,,,",
    ], "utf-8-sig")
    assert register_kind(path) == "plans"
    load = read_register_file(path)
    _accounted(load)
    assert load.report.encoding == "utf-8-sig"
    frame = load.frame
    assert list(frame["instalment"]) == [1, 2]
    assert set(frame["direction"]) == {"付"}  # headed 应付
    assert list(frame["amount_due_fen"]) == [10_000_000, 5_000_000]
    assert frame["town"].iloc[0] == "青石镇" and frame["village"].iloc[0] == "下坝村"
    reasons = load.quarantine.set_index("source_row")["reason"]
    assert "应付金额「1.234」超过两位小数" in reasons[4]
    assert "应付日期为空" in reasons[5]


@pytest.mark.parametrize("field", ["contract_no", "counterparty", "start_on", "end_on",
                                   "signed_on", "amount_fen", "collection", "land_class"])
def test_each_contract_alias_reads_its_field(tmp_path: Path, field: str) -> None:
    values = {"contract_no": "HT-9", "counterparty": "张三", "start_on": "2023-01-01",
              "end_on": "2024-12-31", "signed_on": "2022-12-01", "amount_fen": "1000",
              "collection": "按年", "land_class": "耕地"}
    expected = {"start_on": pd.Timestamp("2023-01-01"), "end_on": pd.Timestamp("2024-12-31"),
                "signed_on": pd.Timestamp("2022-12-01"), "amount_fen": 100_000}
    for alias in FIELD_ALIASES["contracts"][field]:
        headers = {name: FIELD_ALIASES["contracts"][name][0] for name in values}
        headers[field] = alias
        header = ["村", "合同类别", "面积", *headers.values()]
        path = _write(tmp_path / "c.csv", [",".join(header),
                                           ",".join(["下坝村", "资源发包", "5", *values.values()])])
        load = read_register_file(path)
        assert len(load.frame) == 1, (alias, load.quarantine["reason"].tolist())
        assert load.frame[field].iloc[0] == expected.get(field, values[field]), alias


def test_aliases_name_one_field_each_within_a_register() -> None:
    for kind, fields in FIELD_ALIASES.items():
        seen: dict[str, str] = {}
        for name, aliases in fields.items():
            for alias in aliases:
                assert header_parts(alias)[0] == alias, alias
                assert seen.setdefault(alias, name) == name, (kind, alias)


def test_escalation_columns_are_read_together_and_units_of_price(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", [
        "发包方,合同编号,合同名称,乙方,起始日期,终止日期,签订日期,单价（元/亩/年）,面积,地类,"
        "递增方式,递增幅度,递增周期,合同类别",
        "下坝村,HT-1,耕地承包,张三,2023-01-01,2023-12-31,2022-12-01,450.5,10,耕地,按比例,5%,"
        "每3年,资源发包",
        "下坝村,HT-2,门面出租,李四,2024-01-01,2023-12-31,2022-12-01,450,,,,,,资产租赁",
    ])
    load = read_register_file(path)
    _accounted(load)
    row = load.frame.iloc[0]
    assert row["unit_price_fen"] == 45_050
    assert row["escalation"] == "递增方式：按比例；递增幅度：5%；递增周期：每3年"
    reasons = load.quarantine.set_index("source_row")["reason"]
    assert reasons[3] == "起始日期晚于终止日期"


def test_a_term_in_years_after_a_start_date(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv", [
        "村,合同编号,合同名称,承租方,起始日期,租赁期限,签订日期,年租金",
        "下坝村,HT-1,仓库租赁,张三,2023-03-01,5年,2023-02-01,1000",
        "下坝村,HT-2,仓库租赁,李四,,5年,2023-02-01,1000",
    ])
    load = read_register_file(path)
    assert load.frame["end_on"].iloc[0] == pd.Timestamp("2028-02-29")
    assert "租赁期限只写了年限，但没有起始日期" in load.quarantine["reason"].iloc[0]


def test_a_register_without_a_village_names_the_option(tmp_path: Path) -> None:
    path = _write(tmp_path / "export.csv", [
        "合同编号,承包方,起止日期,签订日期,合同金额,合同类别",
        "HT-1,张三,2023.1.1-2023.12.31,2022-12-01,100,其他",
    ])
    with pytest.raises(LedgerFileError, match="--unit"):
        read_register_file(path)
    load = read_register_file(path, ReadOptions(unit="青石镇 下坝村"))
    assert (load.frame["town"].iloc[0], load.frame["village"].iloc[0]) == ("青石镇", "下坝村")


def test_a_journal_is_no_register(tmp_path: Path) -> None:
    path = _write(tmp_path / "j.csv", ["日期,凭证号,摘要,科目编码,借方,贷方,合同编号",
                                       "2023-01-05,1,付工程款,154,100,,HT-1"])
    assert register_kind(path) is None
    with pytest.raises(LedgerFileError, match="未找到台账的表头"):
        read_register_file(path)


@pytest.mark.parametrize("path", sorted(SAMPLE.glob("*.*[cx][sl][vs]*")), ids=lambda p: p.name)
def test_sample_files_are_told_apart_by_their_headers(path: Path) -> None:
    """The sample's ledgers are no registers, and each register is recognised as its kind
    (its name says which, for this test; the reader looks only at its headers)."""
    kinds = {"合同台账": "contracts", "资产台账": "assets", "资源台账": "resources"}
    expected = next((kind for word, kind in kinds.items() if word in path.name), None)
    assert register_kind(path) == expected


@pytest.mark.parametrize("vendor", [False, True])
def test_generated_journal_layouts_are_no_registers(tmp_path: Path, vendor: bool) -> None:
    from data.generator import generate_ledgers

    ledgers = generate_ledgers(tmp_path, villages=8, lines_per_village_year=40, inject=False,
                               vendor=vendor)
    assert ledgers.files
    assert {path.name: register_kind(path) for path in ledgers.files} == {
        path.name: None for path in ledgers.files}


def test_inspect_shows_how_a_register_is_read(tmp_path: Path, capsys) -> None:
    from flows.cli import EXIT_OK, main

    path = _write(tmp_path / "台账.csv", CONTRACTS, "gb18030")
    assert main(["inspect", str(path), "--rows", "1"]) == EXIT_OK
    shown = capsys.readouterr().out
    assert "识别为合同台账（按表头识别）" in shown
    assert "表头在第 3 行" in shown and "合同期限 → 起止日期" in shown
    assert "序号、备注 → 不是字段，原值保留在 extra" in shown
    assert "年租金=12,000.00元" in shown and "起始日期=2023-01-01" in shown
    assert "合计：读取 7 行 = 载入 2 行 + 隔离 3 行 + 跳过 2 行" in shown
    assert "第 8 行：合同期限「2023-02-30-2030-12-31」不是真实存在的日期" in shown


def test_a_profile_names_the_village_column_and_excel_dates_load(tmp_path: Path) -> None:
    from flows.ingest import ImportProfile

    path = tmp_path / "合同.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("合同")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["所属村组", "合同编号", "承租方", "起始日期", "终止日期", "签订日期",
                           "合同金额", "合同类别"])
    sheet.write_row(1, 0, ["下坝村", "HT-1", "张三"])
    sheet.write_number(1, 3, 44927, dates)  # 2023-01-01
    sheet.write_number(1, 4, 45291, dates)  # 2023-12-31
    sheet.write_number(1, 5, 44896, dates)  # 2022-12-01
    sheet.write_row(1, 6, [1200.5, "资产租赁"])
    book.close()
    profile = ImportProfile(name="本县合同", columns={"village": ["所属村组"]})
    load = read_register_file(path, ReadOptions(profile=profile))
    row = load.frame.iloc[0]
    assert (row["village"], row["amount_fen"]) == ("下坝村", 120_050)
    assert (row["start_on"], row["end_on"]) == (pd.Timestamp("2023-01-01"),
                                                pd.Timestamp("2023-12-31"))
    assert load.sheets[0].profile == "本县合同"


def _loads_equal(first, second) -> None:
    pd.testing.assert_frame_equal(first.frame, second.frame)
    pd.testing.assert_frame_equal(first.quarantine, second.quarantine)
    assert first.report == second.report and first.sheets == second.sheets


REGISTER_SAMPLES = sorted(path for path in SAMPLE.glob("*台账.*") if path.suffix != ".md")


@pytest.mark.parametrize("path", REGISTER_SAMPLES, ids=lambda p: p.name)
def test_reading_checks_rows_as_the_pandera_schema_does(path: Path, monkeypatch) -> None:
    """The reader's direct checks of the schema's rules quarantine what pandera would."""
    import checks.registers.schema as schema
    import flows.ingest.registers.load as load

    direct = read_register_file(path)
    monkeypatch.setattr(load, "register_failures", lambda frame, kind: schema.register_failures(
        frame, kind, by_pandera=True))
    _loads_equal(direct, read_register_file(path))


def test_the_quarantine_of_every_rule_is_pandera_s(tmp_path: Path, monkeypatch) -> None:
    import checks.registers.schema as schema
    import flows.ingest.registers.load as load

    path = _write(tmp_path / "台账.csv", CONTRACTS, "gb18030")
    direct = read_register_file(path)
    assert len(direct.quarantine) == 3
    monkeypatch.setattr(load, "register_failures", lambda frame, kind: schema.register_failures(
        frame, kind, by_pandera=True))
    _loads_equal(direct, read_register_file(path))


def test_the_streamed_head_of_a_workbook_is_calamine_s(tmp_path: Path) -> None:
    """The first rows read from the .xlsx XML hold the texts calamine gives, in place (other
    cells are only for finding headers, and no header is a number)."""
    from python_calamine import CalamineWorkbook

    from flows.ingest.headers import HEADER_SEARCH_ROWS
    from flows.ingest.registers.sheet_heads import xlsx_heads

    made = _workbook(tmp_path / "b.xlsx", {
        "说明": [["本表由系统导出"]], "空": [],
        "资产": [[], ["青石镇下坝村资产台账"], ["", "资产编号", "资产名称", "原值（万元）", 3.5]]
        + [[f"ZC{number}", "仓库", number] for number in range(30)],
    })
    for path in [made, *sorted(SAMPLE.glob("*.xlsx"))]:
        book = CalamineWorkbook.from_path(str(path))
        expected = [_texts(book.get_sheet_by_name(name).to_python(
            skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)) for name in book.sheet_names]
        heads = xlsx_heads(path, HEADER_SEARCH_ROWS)
        assert heads is not None and len(heads) == len(expected), path
        for head, sheet in zip(heads, expected, strict=True):
            assert len(head) == len(sheet), path
            assert [{column: text for column, text in row.items() if column in want}
                    for row, want in zip(_texts(head, keep=True), sheet, strict=True)] == sheet


def _texts(rows: list[list[object]], keep: bool = False) -> list[dict[int, object]]:
    """Each row's text cells by column (every cell with ``keep``)."""
    return [{column: value for column, value in enumerate(row)
             if keep or (isinstance(value, str) and value)} for row in rows]
