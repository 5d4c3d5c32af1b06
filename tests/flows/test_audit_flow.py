"""The audit flow end to end under Prefect, through the command line, on the bundled sample."""

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.cli import EXIT_UNREADABLE_FILES, main
from flows.outputs import QUARANTINE_HEADERS

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
pytestmark = pytest.mark.prefect


BADLY_READ = [  # every line quarantined: a file whose dates the reader cannot trust
    "乡镇,单位名称,凭证日期,凭证号,摘要,科目编码,借方金额,贷方金额",
    "青石镇,坳山村,2023-02-30,1,付款,541,100,",
    "青石镇,坳山村,2023-02-30,1,付款,102,,100",
]


@pytest.fixture(scope="module")
def audited(prefect_harness, tmp_path_factory):
    """One run over the sample plus a file that is not a ledger at all and one whose every
    line is quarantined; what the command printed."""
    inputs = tmp_path_factory.mktemp("inputs")
    for path in SAMPLE.iterdir():
        if path.suffix in {".csv", ".xlsx"}:
            shutil.copy(path, inputs / path.name)
    (inputs / "不是账.csv").write_text("随便写的\n没有表头\n", encoding="utf-8")
    (inputs / "坏日期.csv").write_text("\n".join(BADLY_READ) + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    printed, complained = io.StringIO(), io.StringIO()
    with redirect_stdout(printed), redirect_stderr(complained):
        exit_code = main(["run", "--input", str(inputs), "--out", str(out)])
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return exit_code, inputs, out, record, printed.getvalue(), complained.getvalue()


def test_run_writes_the_contract_files_and_reports_the_bad_file(audited):
    exit_code, _inputs, out, record, *_ = audited
    assert exit_code == EXIT_UNREADABLE_FILES
    assert sorted(path.name for path in out.iterdir()) == [
        "assets.parquet", "contracts.parquet", "entries.parquet", "findings.csv",
        "findings.parquet", "findings.xlsx", "quarantine.csv", "resources.parquet", "run.json",
        "schedule.parquet", "scorecards.parquet", "scorecards.xlsx",
    ]
    bad = [report for report in record["files"] if report["file"] == "不是账.csv"]
    assert len(bad) == 1 and "不是账.csv" in bad[0]["error"] and "表头" in bad[0]["error"]
    assert record["totals"]["files_unreadable"] == 1
    assert record["totals"]["files_with_problems"] == 2  # and the one whose lines all failed
    assert record["model"]["model_version"]
    assert record["thresholds"]["default"]["tender_line"] == "100000"
    assert set(record["timings"]) >= {"ingest", "check", "score", "write"}


def test_the_terminal_says_per_file_what_was_read_and_names_the_files_not_read_well(audited):
    *_, printed, complained = audited
    assert "文件「青石镇_坳山村_2023.csv」：读取" in printed
    assert "跳过" in printed and "合计、小计或累计行" in printed
    assert "2 个文件没有读好（退出状态非零）" in complained
    assert "不是账.csv：无法读取" in complained
    assert "坏日期.csv：没有载入任何分录" in complained


def test_nothing_is_lost(audited):
    _exit, _inputs, out, record, *_ = audited
    entries = pq.read_table(out / "entries.parquet").to_pandas()
    quarantine = pd.read_csv(out / "quarantine.csv", encoding="utf-8-sig", dtype=str)
    assert quarantine.columns.tolist() == list(QUARANTINE_HEADERS.values())  # for a person
    for report in record["files"]:
        if report.get("error"):
            continue
        assert report["rows_read"] == (
            report["loaded"] + report["quarantined"] + report["skipped"]
        ), report["file"]
        if report.get("register"):  # a 三资 register: its rows are in its own output
            rows = pd.read_parquet(out / f"{report['register']}.parquet")
            assert (rows["source_file"] == report["file"]).sum() == report["loaded"]
            assert (entries["source_file"] == report["file"]).sum() == 0
        else:
            assert (entries["source_file"] == report["file"]).sum() == report["loaded"]
        assert (quarantine["来源文件"] == report["file"]).sum() == report["quarantined"]
    assert len(entries) == record["totals"]["loaded"]
    assert entries["entry_id"].is_unique


def test_findings_are_cases_holding_every_flagged_entry_and_every_breach(audited):
    _exit, _inputs, out, record, *_ = audited
    every = pd.read_parquet(out / "findings.parquet")
    entries = pq.read_table(out / "entries.parquet").to_pandas()
    assert len(every) == record["totals"]["cases"]
    assert every["rank"].tolist() == list(range(1, len(every) + 1))
    assert (every["rule_ids"].map(len) > 0).sum() == record["totals"]["rule_cases"]
    assert set(every["subject_kind"]) <= {"voucher", "pattern", "contract", "asset", "resource",
                                          "account"}
    cases = every[every["subject_kind"].isin(["voucher", "pattern"])]  # the journal's
    assert len(cases) == record["totals"]["cases"] - record["totals"]["register_cases"]
    assert len(cases) < record["totals"]["flagged"]
    assert every["case_id"].is_unique
    members = cases.explode("entry_ids")
    flagged = entries[entries["flagged"]]
    assert set(members["entry_ids"]) == set(flagged["entry_id"])
    by_entry = dict(zip(members["entry_ids"], members["case_id"], strict=True))
    assert flagged["case_id"].tolist() == flagged["entry_id"].map(by_entry).tolist()
    assert entries.loc[~entries["flagged"], "case_id"].isna().all()
    breaking = entries[entries["rule_ids"].map(len) > 0]
    assert breaking["flagged"].all()  # every breach of a stated rule reaches the findings
    # an entry's reasons are a list of facts, strongest first (none for one not flagged)
    assert pq.read_schema(out / "entries.parquet").field("reasons").type == pa.list_(pa.string())
    assert flagged["reasons"].map(len).gt(0).all()
    assert not any("；" in fact for facts in flagged["reasons"] for fact in facts)
    assert entries.loc[~entries["flagged"], "reasons"].map(len).eq(0).all()
    labels = pd.read_csv(SAMPLE / "labels.csv", encoding="utf-8-sig", dtype=str)
    split = labels[labels["rule_id"] == "works.split_payment"]
    for _case, rows in split.groupby("case_id"):  # a split payment's vouchers are one case
        found = entries.merge(rows[["source_file", "source_row"]].astype(
            {"source_row": "int64"}), on=["source_file", "source_row"])
        assert found["case_id"].nunique() == 1, rows


def test_registers_are_checked_against_the_books_and_their_cases_listed(audited):
    _exit, _inputs, out, record, *_ = audited
    contracts = pd.read_parquet(out / "contracts.parquet")
    schedule = pd.read_parquet(out / "schedule.parquet")
    assert record["registers"]["rows"]["contracts"] == len(contracts) > 0
    assert set(schedule["contract_no"]) <= set(contracts["contract_no"])
    assert {"已收清", "未到期"} <= set(schedule["status"])
    received = schedule[schedule["matched_fen"] > 0]
    entries = pq.read_table(out / "entries.parquet").to_pandas()
    matched = {entry for ids in received["matched_entry_ids"] for entry in ids}
    assert matched and matched <= set(entries["entry_id"])  # matched to real journal lines
    cases = pd.read_parquet(out / "findings.parquet")
    register_cases = cases[cases["subject_kind"].isin(["contract", "asset", "resource",
                                                       "account"])]
    assert len(register_cases) == record["registers"]["cases"] > 0
    labels = pd.read_csv(SAMPLE / "register_labels.csv", encoding="utf-8-sig", dtype=str)
    found = {(row.village, row.subject_id, check) for row in register_cases.itertuples()
             for check in (*row.rule_ids, *row.signals)}
    contract_labels = labels[labels["subject_kind"] == "contract"]
    missed = [(row.village, row.subject_id, row.check_id) for row in contract_labels.itertuples()
              if (row.village, row.subject_id, row.check_id) not in found]
    assert not missed  # every contract misconduct of the sample is a case
    xlsx = pd.read_excel(out / "findings.xlsx", sheet_name=0, engine="calamine")
    assert xlsx["疑点类型"].isin(["合同", "资产", "资源", "科目"]).sum() == len(register_cases)


def test_each_village_has_a_scorecard_per_year_with_its_colour(audited):
    _exit, _inputs, out, _record, *_ = audited
    cards = pd.read_parquet(out / "scorecards.parquet")
    entries = pq.read_table(out / "entries.parquet").to_pandas()
    years = entries.assign(year=entries["period"].str.slice(0, 4).astype(int))
    expected = set(years[["town", "village", "year"]].drop_duplicates().itertuples(
        index=False, name=None))
    assert set(cards[["town", "village", "year"]].itertuples(index=False, name=None)) == expected
    assert set(cards["status"]) <= {"red", "yellow", "green"}
    assert cards.loc[cards["status"] != "green", "status_reasons"].map(len).gt(0).all()
    sheets = pd.read_excel(out / "scorecards.xlsx", sheet_name=None, engine="calamine")
    assert len(sheets) == cards["year"].nunique() + 1  # a sheet per year and the definitions


def test_labelled_quarantine_rows_are_quarantined(audited):
    _exit, _inputs, out, _record, *_ = audited
    labels = pd.read_csv(SAMPLE / "labels.csv", encoding="utf-8-sig", dtype=str)
    expected = labels.loc[labels["kind"] == "quarantine", ["source_file", "source_row"]]
    quarantine = pd.read_csv(out / "quarantine.csv", encoding="utf-8-sig", dtype=str)
    got = set(zip(quarantine["来源文件"], quarantine["来源行号"], strict=True))
    assert set(zip(expected["source_file"], expected["source_row"], strict=True)) <= got


def test_findings_are_ranked_and_explained(audited):
    _exit, _inputs, out, record, *_ = audited
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig", dtype=str)
    assert len(findings) == record["totals"]["cases"] > 0  # a row per case
    assert findings["排名"].astype(int).tolist() == list(range(1, len(findings) + 1))
    assert findings["疑点说明"].str.len().gt(0).all()
    scores = findings["风险分"].astype(float)
    assert scores.is_monotonic_decreasing
    assert scores.map(lambda score: round(score, 2) == score).all()  # two decimals
    amounts = findings["涉及金额（元）"].astype(float)
    assert (amounts >= 0).all() and amounts.sum() > 0
    assert not findings["违反规则"].fillna("").str.contains(r"[a-z]\.[a-z]").any()  # no ids


def test_flow_run_and_summary_artifact_are_recorded(audited):
    from prefect.client.orchestration import get_client

    record = audited[3]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        artifacts = client.read_artifacts()
    assert any(run.state.is_completed() for run in runs)
    # this run's summary: other flow tests of the session publish theirs under the same key
    summary = [artifact for artifact in artifacts if artifact.key == "sanzi-audit-summary"
               and str(artifact.flow_run_id) == record["run_id"]]
    assert summary and "三资审计运行" in summary[0].data
    assert "各村标记复核数" in summary[0].data and "| 青石镇 | 坳山村 |" in summary[0].data
    assert "| 白沙乡 | 4 |" in summary[0].data  # per town: villages, and computed or cached


def test_run_record_says_what_was_computed_per_file_and_town(audited):
    _exit, _inputs, _out, record, *_ = audited
    assert {town["town"] for town in record["partitions"]["towns"]} == {"白沙乡", "青石镇"}
    assert record["failed_towns"] == {}
    flagged = sum(village["flagged"] for village in record["villages"])
    assert flagged == record["totals"]["flagged"]
    assert len(record["villages"]) == 8
