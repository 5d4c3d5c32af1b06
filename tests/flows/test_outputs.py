import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from checks.params import ReviewBudget
from flows.outputs import (
    entries_table,
    neutralise_formulas,
    write_csv,
    write_findings,
    write_quarantine,
    write_run_record,
    yuan_text,
)
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
