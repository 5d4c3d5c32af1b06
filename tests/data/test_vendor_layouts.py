"""Vendor-style exports (docs/reading-exports.md) look as described and read back to the
generator's truth.

One county of two towns of six villages has every style (layouts/assignment.py); each style's
files are read with the project's reader and compared line by line with ``truth``, matched on
the row a person sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from data.generator import GenerationResult, generate_ledgers
from data.generator.layouts.assignment import UNWRITTEN_FIELDS, VENDOR_LAYOUTS, Layout
from data.generator.layouts.vendor import STYLES
from flows.ingest import FileReport, read_ledger_file
from tests.data.export_rows import sheet_rows
from tests.data.rule_oracle import rule_hits

VILLAGES = 12
LINES = 200
INJECTION_RATE = 0.3  # a quarantine case of each kind in every layout, vendor styles included
WHERE = ["source_file", "source_sheet", "source_row"]
VOUCHER = ["village", "period", "voucher_word", "voucher_number"]
STYLE_NAMES = [layout.value for layout in VENDOR_LAYOUTS]
FIELD_GROUPS = {
    "amounts": ["debit_fen", "credit_fen"],
    "vouchers": ["voucher_word", "voucher_number", "voucher_no", "voucher_date", "period",
                 "line_no"],
    "units": ["town", "village", "org_code"],
    "counterparties": ["counterparty"],
    "accounts": ["account_code", "account_name"],
    "papers": ["summary", "attachments", "settlement", "decision_ref", "contract_ref",
               "preparer", "reviewer", "bookkeeper"],
}


@dataclass(frozen=True)
class StyleRead:
    """What the reader made of one style's files, beside the generator's truth for them."""

    ledgers: GenerationResult
    files: list[Path]
    reports: list[FileReport]
    entries: pd.DataFrame
    quarantine: pd.DataFrame
    truth: pd.DataFrame


def _style_of(file: str) -> Layout | None:
    return next((layout for layout, style in STYLES.items()
                 if file.endswith(f"_{style.suffix}{style.extension}")), None)


def _style_files(ledgers: GenerationResult, layout: Layout) -> list[Path]:
    return [path for path in ledgers.files if _style_of(path.name) is layout]


def _read_style(ledgers: GenerationResult, style: str) -> StyleRead:
    files = _style_files(ledgers, Layout(style))
    loads = [read_ledger_file(path) for path in files]
    names = {path.name for path in files}
    return StyleRead(
        ledgers=ledgers,
        files=files,
        reports=[load.report for load in loads],
        entries=pd.concat([load.entries for load in loads], ignore_index=True),
        quarantine=pd.concat([load.quarantine for load in loads], ignore_index=True),
        truth=ledgers.truth.loc[ledgers.truth["source_file"].isin(names)],
    )


@pytest.fixture(scope="module")
def vendor_clean(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return generate_ledgers(tmp_path_factory.mktemp("vendor_clean"), villages=VILLAGES,
                            lines_per_village_year=LINES, inject=False, vendor=True)


@pytest.fixture(scope="module")
def vendor_injected(tmp_path_factory: pytest.TempPathFactory) -> GenerationResult:
    return generate_ledgers(tmp_path_factory.mktemp("vendor_injected"), villages=VILLAGES,
                            lines_per_village_year=LINES, injection_rate=INJECTION_RATE,
                            vendor=True)


@pytest.fixture(scope="module", params=STYLE_NAMES)
def clean_read(request: pytest.FixtureRequest, vendor_clean: GenerationResult) -> StyleRead:
    return _read_style(vendor_clean, request.param)


@pytest.fixture(scope="module", params=STYLE_NAMES)
def injected_read(request: pytest.FixtureRequest, vendor_injected: GenerationResult) -> StyleRead:
    return _read_style(vendor_injected, request.param)


def _labels(ledgers: GenerationResult) -> pd.DataFrame:
    labels = pd.read_csv(ledgers.labels_path, dtype="str", keep_default_na=False,
                         encoding="utf-8-sig")
    labels["source_row"] = labels["source_row"].astype("int64")
    return labels


def _matched(read: StyleRead) -> pd.DataFrame:
    """Truth and entries side by side, one row per truth line (``_read`` for the entry)."""
    matched = read.truth.merge(read.entries, on=WHERE, how="left", suffixes=("", "_read"),
                               validate="1:1", indicator=True)
    missing = matched.loc[matched["_merge"] != "both", WHERE]
    assert missing.empty, f"truth lines not loaded at their row:\n{missing.head()}"
    return matched


def _differences(read: StyleRead, fields: list[str]) -> dict[str, pd.DataFrame]:
    matched = _matched(read)
    found = {}
    for name in fields:
        expected, got = matched[name], matched[f"{name}_read"]
        differ = expected.astype("object").ne(got.astype("object")) & ~(
            expected.isna() & got.isna())
        if differ.any():
            found[name] = matched.loc[differ, [*WHERE, name, f"{name}_read"]].head(3)
    return found


# The round trip, clean books ---------------------------------------------------------------------


def test_vendor_county_has_every_style(vendor_clean: GenerationResult) -> None:
    for layout in VENDOR_LAYOUTS:
        files = _style_files(vendor_clean, layout)
        assert len(files) >= 2, layout  # a village's two years
        assert all(re.fullmatch(r".+(镇|乡)_.+村_\d{4}_.+", path.stem) for path in files)
    assert any(path.name.endswith("_2023-2024.csv") for path in vendor_clean.files)  # platform


def test_same_arguments_give_identical_vendor_files(tmp_path: Path) -> None:
    small = {"villages": VILLAGES, "years": (2024,), "lines_per_village_year": 100,
             "vendor": True}
    first = generate_ledgers(tmp_path / "first", **small)
    second = generate_ledgers(tmp_path / "second", **small)
    assert any(_style_of(path.name) for path in first.files)
    for one, other in zip(first.files, second.files, strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name


def test_rows_read_add_up_and_every_line_loads(clean_read: StyleRead) -> None:
    for path, report in zip(clean_read.files, clean_read.reports, strict=True):
        assert report.rows_read == report.loaded + report.quarantined + report.skipped, path
        assert report.quarantined == 0, (path.name, report.quarantine_reasons)
        expected = int((clean_read.truth["source_file"] == path.name).sum())
        assert report.loaded == expected, path.name
    assert clean_read.quarantine.empty
    assert len(clean_read.entries) == len(clean_read.truth) > 0
    _matched(clean_read)


@pytest.mark.parametrize("group", list(FIELD_GROUPS))
def test_lines_keep_their_fields(clean_read: StyleRead, group: str) -> None:
    assert _differences(clean_read, FIELD_GROUPS[group]) == {}


def test_counterparties_are_there_to_keep(clean_read: StyleRead) -> None:
    named = clean_read.truth["counterparty"] != ""
    assert named.mean() > 0.3
    assert clean_read.truth.loc[named, "counterparty"].str.len().le(4).any()  # people
    assert clean_read.truth.loc[named, "counterparty"].str.len().gt(4).any()  # firms


def test_every_voucher_balances(clean_read: StyleRead) -> None:
    sums = clean_read.entries.groupby(VOUCHER)[["debit_fen", "credit_fen"]].sum()
    assert len(sums) > 100
    assert (sums["debit_fen"] == sums["credit_fen"]).all()


# The round trip, with cases ----------------------------------------------------------------------


def test_injected_rows_add_up_and_quarantine_is_what_was_labelled(
    injected_read: StyleRead,
) -> None:
    for path, report in zip(injected_read.files, injected_read.reports, strict=True):
        assert report.rows_read == report.loaded + report.quarantined + report.skipped, path
    labels = _labels(injected_read.ledgers)
    names = {path.name for path in injected_read.files}
    quarantine = labels.loc[(labels["kind"] == "quarantine") & labels["source_file"].isin(names)]
    assert set(quarantine["pattern"]) == {"impossible_date", "unreadable_amount"}
    expected = quarantine[WHERE]
    got = injected_read.quarantine[WHERE].drop_duplicates()
    pd.testing.assert_frame_equal(
        got.sort_values(WHERE, ignore_index=True),
        expected.sort_values(WHERE, ignore_index=True), check_dtype=False,
    )
    assert len(injected_read.entries) == len(injected_read.truth)


def test_injected_lines_keep_their_fields(injected_read: StyleRead) -> None:
    fields = [name for group in FIELD_GROUPS.values() for name in group]
    assert _differences(injected_read, fields) == {}


def test_labels_point_at_their_lines(injected_read: StyleRead) -> None:
    labels = _labels(injected_read.ledgers)
    names = {path.name for path in injected_read.files}
    labels = labels.loc[labels["source_file"].isin(names) & (labels["kind"] != "quarantine")]
    assert len(labels) > 0
    lines = labels.merge(injected_read.entries, on=WHERE, how="left", suffixes=("", "_read"),
                         validate="1:1")
    assert (lines["voucher_no"] == lines["voucher_no_read"]).all()
    assert (lines["village"] == lines["village_read"]).all()
    assert (lines["period"] == lines["period_read"]).all()


def test_clean_vendor_books_break_no_rule_their_files_can_state(
    vendor_clean: GenerationResult,
) -> None:
    """A rule needing a field that a style does not write (small tools and printed vouchers
    carry no 决议编号 or 合同编号) fires on that style's clean lines, and only there."""
    needs = {"approval.decision_ref": "decision_ref", "works.contract_ref": "contract_ref"}
    for rule, hits in rule_hits(vendor_clean.truth).items():
        styles = set(hits["source_file"].map(_style_of))
        unstated = {layout for layout in VENDOR_LAYOUTS
                    if rule in needs and needs[rule] in UNWRITTEN_FIELDS.get(layout, ())}
        assert styles <= unstated, rule


# What the files look like ------------------------------------------------------------------------


def _sheet(ledgers: GenerationResult, layout: Layout) -> list[list[object]]:
    path = _style_files(ledgers, layout)[0]
    return sheet_rows(path, STYLES[layout].sheet)


def test_kingdee_conventions(vendor_clean: GenerationResult) -> None:
    rows = _sheet(vendor_clean, Layout.KINGDEE)
    header = rows[0]
    column = {name: header.index(name) for name in header}
    body = rows[1:]
    assert re.fullmatch(r"2\.01\.\d\d\.\d\d", body[0][column["公司"]])
    assert any(row[column["记账日期"]] == "" for row in body)
    assert all(row[column["业务日期"]] != "" for row in body)
    assert {row[column["会计期间"]] for row in body} == set(range(1, 13))
    assert all(re.fullmatch(r"\d{5}", row[column["凭证号"]]) for row in body)
    assert any(re.fullmatch(r"\d{3}\.\d{3}", row[column["科目"]]) for row in body)
    assert any("_" in row[column["科目名称"]] for row in body)
    assert {row[column["方向"]] for row in body} == {0, 1}
    assert {row[column["核算项目1"]] for row in body} >= {"供应商", "个人", ""}
    assert any(row[column["名称2"]] == "村委会" for row in body)
    assert any(row[column["单位"]] == "次" and row[column["数量"]] == 1 for row in body)
    for row in body:  # the empty side is blank
        assert (row[column["借方金额"]] == "") != (row[column["贷方金额"]] == "")
    numbers = [(row[column["凭证类型"]], row[column["凭证号"]], row[column["会计期间"]],
                row[column["分录号"]]) for row in body]
    repeated = pd.DataFrame(numbers).groupby([0, 1, 2])[3].agg(lambda n: len(n) > 1 and
                                                                   set(n) == {1})
    assert repeated.any()  # some vouchers number every line 1


def test_template_conventions(vendor_clean: GenerationResult) -> None:
    path = _style_files(vendor_clean, Layout.TEMPLATE)[0]
    workbook = CalamineWorkbook.from_path(str(path))
    assert workbook.sheet_names == ["说明", "凭证"]
    rows = workbook.get_sheet_by_name("凭证").to_python()
    assert rows[0][:5] == ["*日期", "*凭证字", "*凭证号", "分录序号", "*摘要"]
    assert {"客户", "供应商", "职员"} <= set(rows[0])
    assert rows[1][0].startswith("示例：此行导入前删除")
    assert type(rows[2][0]).__name__ == "date"
    kinds = {header: any(row[rows[0].index(header)] for row in rows[2:])
             for header in ("客户", "供应商", "职员")}
    assert kinds == {"客户": True, "供应商": True, "职员": True}


def test_template_writes_red_ink_in_brackets(vendor_injected: GenerationResult) -> None:
    texts = [cell for path in _style_files(vendor_injected, Layout.TEMPLATE)
             for row in sheet_rows(path, "凭证") for cell in row if isinstance(cell, str)]
    assert any(re.fullmatch(r"\(\d{1,3}(,\d{3})*\.\d\d\)", text) for text in texts)


def test_small_tool_conventions(vendor_clean: GenerationResult) -> None:
    path = _style_files(vendor_clean, Layout.SMALL_TOOL)[0]
    text = path.read_bytes().decode("gb18030")
    lines = text.split("\r\n")
    town, village, year = path.stem.split("_")[:3]
    assert lines[0] == f"核算单位：{town}{village}"
    assert lines[1] == f"{year}年度"
    assert lines[2] == "日期,凭证字号,摘要,科目,借方,贷方,辅助核算,附件数,制单人"
    assert re.match(rf"{year}\.\d{{1,2}}\.\d{{1,2}},记-\d+,", lines[3])
    assert re.search(r",\d{3}\d{3} 管理费用-\S+,", text) and ",-," in text
    assert re.search(r",供应商:S\d{4}_[^,]+；部门:村委会,", text)
    assert re.search(r",个人:P\d{3}_[^,]+,", text)
    rows = sheet_rows(path, "")
    page_totals = [number for number, row in enumerate(rows, 1) if "本页合计" in row]
    assert page_totals[0] == 3 + 50 + 1 and page_totals[1] == page_totals[0] + 51
    assert re.fullmatch(r"审核：\S+ 记账：\S+ 制单：\S+", lines[-2]) and lines[-1] == ""


def test_printed_vouchers_conventions(vendor_clean: GenerationResult) -> None:
    rows = _sheet(vendor_clean, Layout.PRINTED)
    town, village = _style_files(vendor_clean, Layout.PRINTED)[0].name.split("_")[:2]
    assert rows[0][2] == "记 账 凭 证"
    assert rows[1][0] == f"核算单位：{town}{village}"
    assert re.fullmatch(r"\d{4}年 第1期", rows[1][1])
    assert re.fullmatch(r"日期：\d{4}-01-\d\d", rows[1][2])
    assert re.fullmatch(r"凭证字号：记-00001", rows[1][3])
    assert re.fullmatch(r"附单据数：\d+", rows[1][4]) and rows[1][5] == "1/1"
    assert rows[2][:5] == ["摘 要", "科 目", "辅 助 账", "借 方", "贷 方"]
    assert re.fullmatch(r"\d{3}(\d{3})? \S+", rows[3][1])
    labels = [row[0] for row in rows]
    assert "过次页" in labels and "合 计" in labels
    continued = labels.index("过次页")
    assert rows[continued - 7][5] == "1/2" and rows[continued + 4][5] == "2/2"
    assert rows[continued - 7][3] == rows[continued + 4][3]  # the same voucher number
    assert re.fullmatch(r"审核：\S+   记账：\S+   出纳：   制单：\S+", rows[continued + 1][0])
    assert any(re.fullmatch(r"供应商:S\d{4}_.+", str(row[2])) for row in rows)
