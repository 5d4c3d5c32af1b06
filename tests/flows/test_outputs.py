import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from checks.params import ReviewBudget
from flows.cases import CASE_LINKS, FINDING_TITLES
from flows.outputs import (
    NUMBER_FORMATS,
    VOUCHER_KEY,
    case_findings_frame,
    case_lines_frame,
    entries_table,
    neutralise_formulas,
    sheet_rows,
    voucher_lines,
    write_csv,
    write_findings,
    write_quarantine,
    write_run_record,
    yuan_text,
)
from models.cases import town_cases
from models.ranking import rank_entries
from review.xlsx import Sheet, write_xlsx
from tests.entries import make_entries


def _scored() -> pd.DataFrame:
    entries = make_entries([
        {"voucher_number": 1, "line_no": 1, "debit_fen": 1_234_56, "summary": "=HYPERLINK(\"x\")"},
        {"voucher_number": 1, "line_no": 2, "credit_fen": 1_234_56, "account_code": "101",
         "account_name": "现金"},
        {"voucher_number": 2, "line_no": 1, "debit_fen": -5, "summary": "红字冲销"},
        {"voucher_number": 2, "line_no": 2, "credit_fen": -5, "account_code": "102",
         "account_name": "银行存款"},
    ])
    breaches = pd.DataFrame({"entry_id": ["e0000"], "rule_id": ["summary.banned_item"],
                             "detail": ["摘要含禁止事项"]})
    signals = pd.DataFrame({"entry_id": ["e0000"], "signal_id": ["signal.round_amount"],
                            "detail": ["整数金额"]})
    ranked = rank_entries(entries, breaches=breaches, signals=signals, anomaly=np.zeros(4),
                          rule_weights={"summary.banned_item": 1.0},
                          review=ReviewBudget(share=0.25, per_village_max=5))
    return _with_cases(pd.concat([entries, ranked], axis=1))[0]


def _with_cases(scored: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scored entries with their case ids, and the cases, as a town's report keeps them."""
    case_ids, cases = town_cases(scored[scored["flagged"]], CASE_LINKS)
    return scored.assign(case_id=case_ids.reindex(scored.index)), cases


def _context(scored: pd.DataFrame) -> pd.DataFrame:
    """The lines of a town's flagged vouchers, as its report keeps them."""
    numbered = scored.assign(position=np.arange(len(scored)))
    return voucher_lines(numbered).drop(columns=["voucher_rank", "is_finding"])


def _ranked(cases: pd.DataFrame) -> pd.Series:
    """Case id → rank, in the order the cases come."""
    return pd.Series(np.arange(1, len(cases) + 1), index=cases["case_id"].to_numpy())


def _write_findings(scored: pd.DataFrame, out_dir):
    """The findings files of one town, its cases ranked in the order they come."""
    scored, cases = _with_cases(scored)
    town = scored["town"].iloc[0]
    made = sheet_rows(_context(scored), cases, [town], FINDING_TITLES)[town]
    return write_findings([made], _ranked(cases), out_dir)


def test_yuan_text_is_exact():
    fen = pd.Series([0, 5, -5, 123456, -120005, 10**15 + 1], dtype="int64")
    assert yuan_text(fen).tolist() == [
        "0.00", "0.05", "-0.05", "1234.56", "-1200.05", "10000000000000.01"
    ]


def test_formulas_are_neutralised_but_other_text_kept():
    frame = pd.DataFrame({"t": ["=1+1", "+86", "-x", "@SUM(A1)", "\tx", "正常", ""],
                          "n": [-1, 2, 3, 4, 5, 6, 7]})
    safe = neutralise_formulas(frame)
    assert safe["t"].tolist() == ["'=1+1", "'+86", "'-x", "'@SUM(A1)", "'\tx", "正常", ""]
    assert safe["n"].tolist() == frame["n"].tolist()


def test_run_outputs_follow_the_contract(tmp_path):
    scored = _scored()
    quarantine = pd.DataFrame({"source_file": ["a.csv"], "source_sheet": [""], "source_row": [7],
                               "column": ["凭证日期"], "reason": ["日期无效"],
                               "raw": ['{"摘要": "=cmd"}']})
    paths = {"entries": tmp_path / "entries.parquet"}
    pq.write_table(entries_table(scored), paths["entries"])
    paths |= _write_findings(scored, tmp_path)
    write_quarantine(quarantine, tmp_path)
    write_run_record({"run_id": "x", "timings": {}}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "entries.parquet", "findings.csv", "findings.xlsx", "quarantine.csv", "run.json"
    ]
    table = pq.read_table(paths["entries"])
    assert {"source_file", "source_row", "entry_id", "risk_score", "rule_ids", "flagged",
            "reasons", "debit", "credit"} <= set(table.column_names)
    assert str(table.schema.field("debit").type) == "decimal128(18, 2)"
    assert table.column("debit").to_pylist()[:3] == [Decimal("1234.56"), Decimal("0.00"),
                                                      Decimal("-0.05")]
    assert table.column("rule_ids").to_pylist()[0] == ["summary.banned_item"]
    assert table.column("rule_ids").to_pylist()[1] == []
    case_ids = table.column("case_id").to_pylist()
    assert case_ids[0] and case_ids[0] == case_ids[1]  # both lines of the flagged voucher

    findings = pd.read_csv(tmp_path / "findings.csv", encoding="utf-8-sig", dtype=str)
    assert (tmp_path / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    first = findings.iloc[0]  # one row per case: voucher 记-1, whose first line breaks a rule
    assert first["排名"] == "1" and first["违反规则"] == FINDING_TITLES["summary.banned_item"]
    assert first["疑点信号"] == FINDING_TITLES["signal.round_amount"]
    assert first["涉及金额（元）"] == "1234.56"  # the larger side of the voucher, not both
    assert (first["疑点类型"], first["涉及对象"]) == ("单张凭证", "2023-03 记-1")
    assert first["疑点说明"].startswith("摘要含禁止事项")
    assert "summary.banned_item" not in (tmp_path / "findings.csv").read_text("utf-8-sig")

    workbook = pd.read_excel(tmp_path / "findings.xlsx", sheet_name=None, engine="calamine")
    assert list(workbook) == ["疑点清单", "凭证明细"]
    lines = workbook["凭证明细"]
    assert lines.loc[lines["凭证号"] == "记-1", "摘要"].iloc[0] == "'=HYPERLINK(\"x\")"
    assert workbook["疑点清单"]["涉及金额（元）"].sum() == first_amounts(findings)
    assert lines["借方金额"].dtype == "float64"  # numbers: a spreadsheet sums them
    assert lines.loc[lines["凭证号"] == "记-1", "借方金额"].tolist() == [1234.56, 0.0]
    quarantined = pd.read_csv(tmp_path / "quarantine.csv", encoding="utf-8-sig", dtype=str)
    assert quarantined.columns.tolist()[:3] == ["来源文件", "来源工作表", "来源行号"]
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["run_id"] == "x"


def first_amounts(findings: pd.DataFrame) -> float:
    return findings["涉及金额（元）"].astype(float).sum()


def test_quarantine_file_has_header_even_when_empty(tmp_path):
    empty = pd.DataFrame({name: pd.Series(dtype="str") for name in
                          ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]})
    path = write_quarantine(empty, tmp_path)
    assert path.read_text(encoding="utf-8-sig").strip() == (
        "来源文件,来源工作表,来源行号,列,隔离原因,原始内容"
    )


def test_each_cases_lines_are_its_vouchers_lines_in_line_order(tmp_path):
    rows = [(2, 2, "102", "银行存款"), (1, 3, "101", "现金"), (1, 1, "541", "管理费用"),
            (2, 1, "541", "管理费用"), (1, 2, "101", "现金")]
    entries = make_entries([
        {"voucher_number": voucher, "line_no": line, "account_code": code, "account_name": name,
         "debit_fen": 100 * voucher if code == "541" else 0,
         "credit_fen": 0 if code == "541" else 10 * voucher * line}
        for voucher, line, code, name in rows
    ])
    flagged = entries.loc[entries["account_code"] == "541", "entry_id"].tolist()
    breaches = pd.DataFrame({"entry_id": flagged, "rule_id": "summary.banned_item",
                             "detail": "摘要含禁止事项"})
    signals = pd.DataFrame({"entry_id": pd.Series(dtype="str"),
                            "signal_id": pd.Series(dtype="str"), "detail": pd.Series(dtype="str")})
    ranked = rank_entries(entries, breaches=breaches, signals=signals, anomaly=np.zeros(5),
                          rule_weights={"summary.banned_item": 1.0},
                          review=ReviewBudget(share=1.0, per_village_max=5))
    written = _write_findings(pd.concat([entries, ranked], axis=1), tmp_path)
    lines = pd.read_excel(written["findings_xlsx"], sheet_name="凭证明细", engine="calamine",
                          dtype=str)
    by_voucher = lines.groupby("凭证号", sort=False)
    assert {number: group["分录号"].tolist() for number, group in by_voucher} == {
        "记-1": ["1", "2", "3"], "记-2": ["1", "2"]}
    assert by_voucher["疑点编号"].nunique().tolist() == [1, 1]  # a case each
    assert set(lines.loc[lines["科目编码"] == "541", "疑点分录"]) == {"★"}


def test_csv_files_are_the_bytes_pandas_writes(tmp_path):
    n = 25_000  # more than one part of rows
    text = ["", "a,b", 'c"d', "e\nf", "g\rh", " 前后 ", "'=1+1", "正常"]
    frame = pd.DataFrame({
        "排名": pd.array([None if i % 9 == 0 else i for i in range(n)], dtype="Int64"),
        "分": [np.nan if i % 7 == 0 else [0.1, 1e-7, 3.0, 1e16, -0.0, 2 / 3][i % 6]
              for i in range(n)],
        "行": np.arange(n, dtype=np.int64),
        "摘要": pd.Series([None if i % 11 == 0 else text[i % len(text)] for i in range(n)],
                        dtype="str"),
        "是": np.arange(n) % 2 == 0,
    })
    chunked = pd.concat([frame.iloc[:10_000], frame.iloc[10_000:]], ignore_index=True)
    for rows in (frame, frame.iloc[:0], frame[["摘要"]], frame.assign(日期=pd.Timestamp(0)),
                 chunked):
        write_csv(rows, tmp_path / "ours.csv")
        rows.to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8-sig")
        assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def _town(town: str, vouchers: int) -> pd.DataFrame:
    """A town's scored entries: vouchers of three lines, the first and (in odd vouchers) the
    last line flagged, texts a CSV must quote and a worksheet must escape."""
    texts = ["付水泥款, 运费", '报"招待"费', "=HYPERLINK(\"x\")", "<材料> & 人工", "换行\n摘要"]
    rows = [{"town": town, "village": f"{town}{voucher % 2}村", "voucher_number": voucher,
             "line_no": line, "summary": texts[(voucher + line) % len(texts)],
             "account_code": "541" if line != 2 else "101",
             "debit_fen": 1_000 * voucher + line, "entry_id": f"{town}-{voucher}-{line}"}
            for voucher in range(1, vouchers + 1) for line in (3, 1, 2)]  # lines out of order
    entries = make_entries(rows)
    flagged = [line == 1 or (line == 3 and voucher % 2 == 1)
               for voucher in range(1, vouchers + 1) for line in (3, 1, 2)]
    breaches = pd.DataFrame({"entry_id": entries.loc[flagged, "entry_id"],
                             "rule_id": "summary.banned_item", "detail": "摘要含禁止事项"})
    signals = pd.DataFrame({"entry_id": pd.Series(dtype="str"),
                            "signal_id": pd.Series(dtype="str"), "detail": pd.Series(dtype="str")})
    ranked = rank_entries(entries, breaches=breaches, signals=signals,
                          anomaly=np.linspace(0, 1, len(entries)),
                          rule_weights={"summary.banned_item": 1.0},
                          review=ReviewBudget(share=1.0, per_village_max=50))
    return pd.concat([entries, ranked], axis=1)


def _without_findings(town: pd.DataFrame) -> pd.DataFrame:
    return town.assign(flagged=False, rank=pd.array([pd.NA] * len(town), dtype="Int64"))


def test_towns_rows_made_ahead_write_the_files_of_the_county_made_at_once(tmp_path):
    towns = [_with_cases(_town("青石镇", 5)), _with_cases(_town("白沙乡", 4)),
             _with_cases(_without_findings(_town("东坪镇", 2)))]
    cases = pd.concat([town_cases for _, town_cases in towns], ignore_index=True)
    # the county's ranks interleave the towns' cases
    cases = cases.sort_values("case_id", key=lambda ids: ids.str[::-1], ignore_index=True)
    ranks = _ranked(cases)
    county = pd.concat([scored for scored, _ in towns], ignore_index=True)
    lines = voucher_lines(county).assign(voucher_rank=lambda frame: frame["case_id"].map(ranks))
    lines = lines.sort_values(["voucher_rank", *VOUCHER_KEY, "line_no"], kind="stable")
    expected = tmp_path / "at-once"
    expected.mkdir()
    findings = case_findings_frame(cases.assign(rank=ranks.to_numpy()), FINDING_TITLES)
    write_csv(neutralise_formulas(findings), expected / "findings.csv")
    write_xlsx(expected / "findings.xlsx", {
        "疑点清单": Sheet(findings, formats=NUMBER_FORMATS),
        "凭证明细": Sheet(case_lines_frame(lines), formats=NUMBER_FORMATS)})

    # a town's rows are made when it is reported, before the county's ranks are known; the
    # rows of the first town were made alone (a rerun), of the others together (a full run)
    names = [scored["town"].iloc[0] for scored, _ in towns]
    contexts = [_context(scored) for scored, _ in towns]
    made = sheet_rows(contexts[0], towns[0][1], names[:1], FINDING_TITLES) | sheet_rows(
        pd.concat(contexts[1:]), pd.concat([town[1] for town in towns[1:]]), names[1:],
        FINDING_TITLES)
    written = write_findings([made[name] for name in names], ranks, tmp_path)

    assert written["findings_csv"].read_bytes() == (expected / "findings.csv").read_bytes()
    ours, theirs = (CalamineWorkbook.from_path(str(path)) for path in
                    (written["findings_xlsx"], expected / "findings.xlsx"))
    assert ours.sheet_names == theirs.sheet_names == ["疑点清单", "凭证明细"]
    for name in ours.sheet_names:
        assert ours.get_sheet_by_name(name).to_python() == (
            theirs.get_sheet_by_name(name).to_python())
    read = pd.read_csv(written["findings_csv"], encoding="utf-8-sig", dtype=str)
    assert read["排名"].astype(int).tolist() == list(range(1, len(cases) + 1))
    vouchers = ours.get_sheet_by_name("凭证明细").to_python()[1:]
    assert len(vouchers) == 9 * 3  # every line of every voucher with a finding, once
    assert [row[0] for row in vouchers] == sorted(row[0] for row in vouchers)


def test_a_county_without_findings_writes_the_headers(tmp_path):
    scored, cases = _with_cases(_without_findings(_town("青石镇", 2)))
    made = sheet_rows(_context(scored), cases, ["青石镇"], FINDING_TITLES)["青石镇"]
    written = write_findings([made], _ranked(cases), tmp_path)
    assert pd.read_csv(written["findings_csv"], encoding="utf-8-sig").columns[0] == "排名"
    assert len(pd.read_csv(written["findings_csv"], encoding="utf-8-sig")) == 0
    book = CalamineWorkbook.from_path(str(written["findings_xlsx"]))
    assert [len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names] == [1, 1]
    (tmp_path / "no-towns").mkdir()
    nothing = write_findings([], _ranked(cases), tmp_path / "no-towns")
    assert pd.read_csv(nothing["findings_csv"], encoding="utf-8-sig").columns[0] == "排名"



def test_the_sheets_show_a_cases_strongest_reasons_and_how_many_more():
    cases = pd.DataFrame({
        "rank": [1, 2], "risk_score": [0.9, 0.5], "subject_kind": ["voucher"] * 2,
        "subject_id": ["2023-05 记-1", "2023-05 记-2"], "town": ["青石镇"] * 2,
        "village": ["下坝村"] * 2, "periods": [["2023-05"]] * 2, "raised_by": ["rule", "model"],
        "rule_ids": [["summary.banned_item"], []], "signals": [[], []],
        "amount_fen": [100, 200], "entry_ids": [["a"], ["b"]], "case_id": ["c1", "c2"],
        "reasons": [["甲", "乙", "丙", "丁", "戊"], ["只一条"]]})
    frame = case_findings_frame(cases, FINDING_TITLES)
    assert frame["疑点说明"].tolist() == ["甲；乙；丙；另有 2 条说明", "只一条"]
