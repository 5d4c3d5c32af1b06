import json
import zipfile
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from checks.params import ReviewBudget
from flows.outputs import (
    _voucher_sheet,
    csv_rows,
    entries_table,
    finding_cells,
    findings_frame,
    neutralise_formulas,
    voucher_lines,
    write_finding_sheets,
    write_findings,
    write_quarantine,
    write_run_record,
    yuan_text,
)
from flows.xlsx import write_xlsx
from models.ranking import rank_entries
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
                          review=ReviewBudget(share=0.5, per_village_max=5))
    return pd.concat([entries, ranked], axis=1)


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
    paths |= write_findings(scored, tmp_path)
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

    findings = pd.read_csv(tmp_path / "findings.csv", encoding="utf-8-sig", dtype=str)
    assert (tmp_path / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    first = findings.iloc[0]
    assert first["排名"] == "1" and first["违反规则"] == "summary.banned_item"
    assert first["摘要"] == "'=HYPERLINK(\"x\")"
    assert first["借方金额"] == "1234.56"
    assert first["凭证全部分录"] == "借 541 管理费用 1234.56；贷 101 现金 1234.56"

    workbook = pd.read_excel(tmp_path / "findings.xlsx", sheet_name=None, dtype=str,
                             engine="calamine")
    assert list(workbook) == ["疑点清单", "凭证明细"]
    assert workbook["疑点清单"]["摘要"].iloc[0] == "'=HYPERLINK(\"x\")"
    assert len(workbook["凭证明细"]) == 2  # both lines of voucher 记-1
    quarantined = pd.read_csv(tmp_path / "quarantine.csv", encoding="utf-8-sig", dtype=str)
    assert quarantined.columns.tolist()[:3] == ["source_file", "source_sheet", "source_row"]
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["run_id"] == "x"


def test_quarantine_file_has_header_even_when_empty(tmp_path):
    empty = pd.DataFrame({name: pd.Series(dtype="str") for name in
                          ["source_file", "source_sheet", "source_row", "column", "reason", "raw"]})
    path = write_quarantine(empty, tmp_path)
    assert path.read_text(encoding="utf-8-sig").strip() == (
        "source_file,source_sheet,source_row,column,reason,raw"
    )


def test_each_findings_context_is_its_own_vouchers_lines_in_line_order(tmp_path):
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
    write_findings(pd.concat([entries, ranked], axis=1), tmp_path)
    findings = pd.read_csv(tmp_path / "findings.csv", encoding="utf-8-sig", dtype=str)
    context = dict(zip(findings["凭证号"], findings["凭证全部分录"], strict=True))
    assert context == {
        "记-1": "借 541 管理费用 1.00；贷 101 现金 0.20；贷 101 现金 0.30",
        "记-2": "借 541 管理费用 2.00；贷 102 银行存款 0.40",
    }


def _two_towns() -> pd.DataFrame:
    """Two towns' scored entries, their findings' ranks interleaved, with text a CSV or a
    sheet must quote, escape or neutralise (and the marker csv_rows cuts rows at)."""
    summaries = ["付\"水泥\"款,运费", "=1+1", "换行\n说明", "红字\n\x1f,冲销", "<b>&", "购物"]
    rows = []
    for town_number, town in enumerate(("青石镇", "白沙镇")):
        for voucher in range(1, 7):
            summary = summaries[(voucher + town_number) % len(summaries)]
            rows += [
                {"town": town, "village": f"{town}一村", "voucher_number": voucher, "line_no": 1,
                 "debit_fen": 1_000 * voucher + town_number, "summary": summary,
                 "attachments": None if voucher == 2 else voucher,
                 "counterparty": "张三" if town_number else "某某建筑工程有限公司第三分公司"},
                {"town": town, "village": f"{town}一村", "voucher_number": voucher, "line_no": 2,
                 "credit_fen": 1_000 * voucher + town_number, "account_code": "102",
                 "account_name": "银行存款", "summary": summary},
            ]
    entries = make_entries(rows)
    entries["entry_id"] = entries["town"] + "/" + entries["entry_id"]
    # the debit line of every voucher, and both lines of voucher 3
    chosen = (entries["debit_fen"] > 0) | (entries["voucher_number"] == 3)
    breaches = pd.DataFrame({"entry_id": entries.loc[chosen, "entry_id"].to_numpy(),
                             "rule_id": "summary.banned_item", "detail": "摘要含禁止事项"})
    signals = pd.DataFrame({"entry_id": pd.Series(dtype="str"),
                            "signal_id": pd.Series(dtype="str"), "detail": pd.Series(dtype="str")})
    ranked = rank_entries(entries, breaches=breaches, signals=signals,
                          anomaly=np.linspace(0, 1, len(entries)),
                          rule_weights={"summary.banned_item": 1.0},
                          review=ReviewBudget(share=1.0, per_village_max=5))
    return pd.concat([entries, ranked], axis=1)


def test_findings_files_from_town_parts_equal_those_written_from_one_frame(tmp_path):
    scored = _two_towns()
    flagged = scored[scored["flagged"]]
    assert flagged["town"].nunique() == 2 and flagged["rank"].max() == 10
    assert flagged.groupby(["town", "voucher_number"]).size().max() == 2
    # the reference: the whole frame's sheets as pandas writes the CSV and as write_xlsx
    # writes frames
    lines = voucher_lines(scored)
    findings = neutralise_formulas(findings_frame(scored, lines))
    reference = tmp_path / "reference"
    reference.mkdir()
    findings.to_csv(reference / "findings.csv", index=False, encoding="utf-8-sig")
    write_xlsx(reference / "findings.xlsx", {
        "疑点清单": findings, "凭证明细": neutralise_formulas(_voucher_sheet(lines))})

    whole, by_town = tmp_path / "whole", tmp_path / "by_town"
    whole.mkdir()
    by_town.mkdir()
    write_findings(scored, whole)
    ranks = pd.Series(flagged["rank"].to_numpy(), index=flagged["entry_id"].to_numpy())
    # as report_town renders a town's rows: before the county's ranks, its findings ranked 1
    unranked = scored.assign(rank=scored["rank"].where(~scored["flagged"], 1))
    write_finding_sheets([(finding_cells(unranked[unranked["town"] == town]), ranks)
                          for town in ("白沙镇", "青石镇")], by_town)

    expected = (reference / "findings.csv").read_bytes()
    assert b"\x1f," in expected  # the marker is in the data: rows were cut one at a time
    for written in (whole, by_town):
        assert (written / "findings.csv").read_bytes() == expected
        with zipfile.ZipFile(reference / "findings.xlsx") as want, \
                zipfile.ZipFile(written / "findings.xlsx") as got:
            assert got.namelist() == want.namelist()
            for name in want.namelist():
                assert got.read(name) == want.read(name), name


def test_csv_rows_are_the_rows_pandas_writes():
    frame = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64"),
                          "x": [0.1, np.nan, 1e-7], "t": ["a,b", "c\"d", "e\nf"]})
    assert csv_rows(frame) == ['0.1,"a,b"', ',"c""d"', '1e-07,"e\nf"']
    assert csv_rows(frame.iloc[:0]) == []
