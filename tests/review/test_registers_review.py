"""Register cases (三资台账) in the store and the review pages: their subjects, village
contracts and evidence lines kept on SQLite and PostgreSQL, the case page's 台账 panel, the
queue, the village summary, town isolation, and decisions across reruns."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from flows.cases import FINDING_TITLES
from flows.stages.registers import VILLAGE_CONTRACT_COLUMNS, subject_pages
from models.register_cases import register_cases, subject_entry_id, subject_lines
from review import tables
from review.app import create_app
from review.digest import FLAGGED_COLUMNS, RunDigest, digest_entries
from review.dispositions import disposition_history, record_decision
from review.queue import QueueFilter, queue_page
from review.store import record_run
from review.users import User, add_user
from tests.review.ledgers import ledger_rows, scored_frame

PASSWORD = "correct-horse-9"
ADMIN = User("admin", "admin", (), True, "")
CONTRACT = ("青石镇", "下坝村", "contract", "FB-2019-001")
ACCOUNT = ("白沙镇", "河口村", "account", "151")
RECEIPT = "青石镇/下坝村/2023-03/记-2/2"  # a line no journal check flagged
DEBIT = "白沙镇/河口村/2023-03/记-4/1"


def _findings(rent_fen: int) -> pd.DataFrame:
    schedule = [{"instalment": 1, "due_on": "2023-01-31", "amount_due_fen": rent_fen,
                 "matched_fen": 500_000, "matched_entry_ids": [RECEIPT],
                 "last_received_on": "2023-03-03", "status": "部分收到", "days_overdue": 59,
                 "origin": "terms"}]
    return pd.DataFrame([
        {**dict(zip(["town", "village", "subject_kind", "subject_id"], CONTRACT, strict=True)),
         "check_id": "contract.rent_overdue", "kind": "rule", "severity": "high",
         "periods": ["2023-01"], "amount_fen": rent_fen - 500_000,
         "reason": f"合同 FB-2019-001（王大虎）有 1 期应收款 {rent_fen / 100:,.2f} 元到期未收清",
         "entry_ids": [RECEIPT], "evidence": json.dumps({"schedule": schedule,
                                                         "as_of": "2023-03-31"}),
         "content_hash": f"rent-{rent_fen}"},
        {**dict(zip(["town", "village", "subject_kind", "subject_id"], ACCOUNT, strict=True)),
         "check_id": "asset.ledger_mismatch", "kind": "rule", "severity": "high",
         "periods": ["2023-03"], "amount_fen": 120_000,
         "reason": "2023 年资产台账新增资产原值 51,200.05 元（1 项），账上借记 151 固定资产 "
                   "50,000.05 元，相差 1,200.00 元",
         "entry_ids": [DEBIT], "evidence": json.dumps({
             "year": 2023, "account": "151", "register_added_fen": 5_120_005,
             "ledger_debits_fen": 5_000_005, "assets": ["ZC-1"], "entries": [DEBIT]}),
         "content_hash": "assets-1"},
    ])


def _known() -> pd.DataFrame:
    return pd.DataFrame([
        {**dict(zip(["town", "village", "subject_kind", "subject_id"], CONTRACT, strict=True)),
         "name": "前畈地承包合同", "counterparty": "王大虎", "source_file": "下坝村_合同台账.csv",
         "source_sheet": "", "source_row": 5,
         "terms": {"合同编号": "FB-2019-001", "对方": "王大虎", "年租金（元）": "20,000.00"}},
    ])


def _schedule(rent_fen: int) -> pd.DataFrame:
    return pd.DataFrame([{
        "town": "青石镇", "village": "下坝村", "contract_no": "FB-2019-001", "instalment": 1,
        "direction": "收", "due_on": pd.Timestamp("2023-01-31"), "amount_due_fen": rent_fen,
        "matched_fen": 500_000, "matched_entry_ids": [RECEIPT],
        "last_received_on": pd.Timestamp("2023-03-03"), "status": "部分收到",
        "days_overdue": 59, "origin": "terms"}])


def register_digest(rent_fen: int = 2_000_000) -> RunDigest:
    """The test county's journal digest with two register cases joined as the flow joins
    them (flows/stages/write.py ranked_digest): a contract with rent overdue in 青石镇 and a
    fixed-asset mismatch in 白沙镇."""
    entries = scored_frame(ledger_rows())
    journal = digest_entries(entries)
    findings = _findings(rent_fen)
    cases = register_cases(findings)
    lines = subject_lines(cases, _known(), {("青石镇", "下坝村"): "2023-03",
                                            ("白沙镇", "河口村"): "2023-03"})
    lines["rank"] = np.arange(len(journal.flagged) + 1, len(journal.flagged) + 1 + len(lines))
    store_cases = cases.drop(columns="content_hash").assign(entry_ids=[
        [subject_entry_id(*key)] for key in
        cases[["town", "village", "subject_kind", "subject_id"]].itertuples(index=False)])
    context = entries[entries["entry_id"].isin([RECEIPT, DEBIT])].assign(
        case_id=lambda frame: frame["entry_id"].map(
            {RECEIPT: cases["case_id"].iloc[0], DEBIT: cases["case_id"].iloc[1]}))
    village_rows = pd.DataFrame([["青石镇", "下坝村", 2023, 3, 1, rent_fen, 500_000,
                                  rent_fen - 500_000, 1]], columns=VILLAGE_CONTRACT_COLUMNS)
    return RunDigest(
        scope=journal.scope, run_files=journal.run_files,
        flagged=pd.concat([journal.flagged, lines[FLAGGED_COLUMNS]], ignore_index=True),
        cases=pd.concat([journal.cases, store_cases], ignore_index=True),
        voucher_lines=journal.voucher_lines, village_accounts=journal.village_accounts,
        payee_periods=journal.payee_periods, n_entries=journal.n_entries,
        registers={"subjects": subject_pages(cases, findings, _schedule(rent_fen), _known()),
                   "village_contracts": village_rows, "context": context})


def _record(store, run_id: str, digest: RunDigest, minute: int = 0) -> None:
    record_run(store, run_id=run_id, started_at=f"2026-12-08T08:{minute:02d}:00+00:00",
               finished_at=f"2026-12-08T08:{minute:02d}:30+00:00", inputs=["data/sample"],
               out_dir=f"/tmp/out/{run_id}", params={}, digest=digest,
               rule_titles=FINDING_TITLES)


def _case_id(store, subject: tuple[str, str, str, str]) -> str:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(tables.cases.c.case_id).where(
            tables.cases.c.entry_id == subject_entry_id(*subject))).scalar_one()


def _queue_status(store, case_id: str) -> str:
    rows = queue_page(store, user=ADMIN, queue_filter=QueueFilter(status="all")).rows
    return next(row["review_status"] for row in rows if row["case_id"] == case_id)


def test_registers_round_trip_and_replace_by_village(store):
    _record(store, "run-1", register_digest())
    with store.engine.connect() as conn:
        subjects = {row.subject_id: row for row in conn.execute(
            sa.select(tables.register_subjects))}
        contracts = conn.execute(sa.select(tables.village_contracts)).all()
        lines = {row.entry_id: row for row in conn.execute(sa.select(tables.register_lines))}
    contract = subjects["FB-2019-001"]
    assert (contract.town, contract.village, contract.subject_kind, contract.run_id) == (
        "青石镇", "下坝村", "contract", "run-1")
    assert json.loads(contract.terms)["对方"] == "王大虎"
    assert json.loads(contract.schedule)[0]["matched_entry_ids"] == [RECEIPT]
    assert json.loads(subjects["151"].findings)[0]["evidence"]["ledger_debits_fen"] == 5_000_005
    assert [(row.year, row.rent_due_fen, row.overdue_fen) for row in contracts] == [
        (2023, 2_000_000, 1_500_000)]
    assert lines[RECEIPT].credit_fen == 1_250_000 * 2 + 5
    assert str(lines[RECEIPT].voucher_date) == "2023-03-03"

    _record(store, "run-2", register_digest(rent_fen=2_400_000), minute=5)
    with store.engine.connect() as conn:
        contracts = conn.execute(sa.select(tables.village_contracts)).all()
        latest = conn.execute(sa.select(tables.register_subjects.c.run_id)
                              .distinct()).scalars().all()
    assert [(row.rent_due_fen, row.run_id) for row in contracts] == [(2_400_000, "run-2")]
    assert latest == ["run-2"]


def test_a_decision_on_a_register_case_survives_a_rerun_and_a_changed_row_reopens_it(store):
    _record(store, "run-1", register_digest())
    case_id = _case_id(store, CONTRACT)
    record_decision(store, case_id=case_id, verdict="confirmed", comment="租金确未收取",
                    username="qingshi")
    assert _queue_status(store, case_id) == "confirmed"

    _record(store, "run-2", register_digest(), minute=5)  # the same registers again
    assert _case_id(store, CONTRACT) == case_id
    assert _queue_status(store, case_id) == "confirmed"

    _record(store, "run-3", register_digest(rent_fen=2_400_000), minute=10)  # row corrected
    assert _queue_status(store, case_id) == "reopened"
    history = disposition_history(store, entry_id=subject_entry_id(*CONTRACT))
    assert [item["in_force"] for item in history] == [False]


@pytest.fixture
def app_store(store):
    _record(store, "run-1", register_digest())
    add_user(store, username="admin", password=PASSWORD, role="admin")
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    add_user(store, username="baisha", password=PASSWORD, role="inspector", towns=["白沙镇"])
    add_user(store, username="agency", password=PASSWORD, role="agency", towns=["青石镇"])
    return store


def _signed_in(store, username: str) -> TestClient:
    client = TestClient(create_app(store, secret_key="test-secret"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_queue_names_register_subjects_and_filters_by_their_kind(app_store):
    client = _signed_in(app_store, "qingshi")
    page = _text(client.get("/queue?status=all").text)
    assert "下坝村 合同 FB-2019-001 · 王大虎" in page
    assert "应收未收 15,000.00" in page
    only = _text(client.get("/queue?status=all&kind=contract").text)
    assert "共 1 个疑点案件" in only and "FB-2019-001" in only
    assert "台账：合同" in only  # the kind filter offers register kinds


def test_case_page_shows_the_register_panel_instead_of_vouchers(app_store):
    client = _signed_in(app_store, "qingshi")
    case_id = _case_id(app_store, CONTRACT)
    response = client.get("/case?" + urlencode({"id": case_id}))
    assert response.status_code == 200
    page = _text(response.text)
    assert "台账：合同 FB-2019-001 · 前畈地承包合同" in page
    assert "年租金（元） 20,000.00" in page
    assert "合同应收租金逾期未收" in page and "违规" in page
    assert "部分收到" in page and "59" in page and "20,000.00" in page
    assert "作为依据的账簿分录（1 条）" in page
    assert "整张凭证" not in page and "疑点分录（" not in page
    assert 'href="/entry?id=' in response.text  # the matched receipt opens its page
    printed = _text(client.get("/case/print?" + urlencode({"id": case_id})).text)
    assert "台账与账簿证据" in printed and "合同应收租金逾期未收" in printed
    assert "部分收到" in printed


def test_asset_mismatch_shows_the_register_and_the_ledger_by_year(app_store):
    client = _signed_in(app_store, "baisha")
    page = _text(client.get("/case?" + urlencode({"id": _case_id(app_store, ACCOUNT)})).text)
    assert "资产台账与账面对比" in page
    assert "2023 年新增 151 本年新增原值 / 本年借方发生额 51,200.05 50,000.05 1,200.00" in page
    assert "资产台账与账面不符" in page


def test_entry_pages_of_subject_and_evidence_lines_open(app_store):
    client = _signed_in(app_store, "qingshi")
    subject = client.get("/entry?" + urlencode({"id": subject_entry_id(*CONTRACT)}))
    assert subject.status_code == 200
    assert "台账事项 合同 FB-2019-001" in _text(subject.text)
    assert "整张凭证" not in subject.text
    receipt = client.get("/entry?" + urlencode({"id": RECEIPT}))
    assert receipt.status_code == 200
    assert "合同 FB-2019-001 · 前畈地承包合同" in _text(receipt.text)


def test_town_isolation_holds_for_register_cases(app_store):
    client = _signed_in(app_store, "baisha")
    case_id = _case_id(app_store, CONTRACT)
    assert client.get("/case?" + urlencode({"id": case_id})).status_code == 404
    assert client.get("/case/print?" + urlencode({"id": case_id})).status_code == 404
    for entry in (subject_entry_id(*CONTRACT), RECEIPT):
        assert client.get("/entry?" + urlencode({"id": entry})).status_code == 404
    assert "FB-2019-001" not in client.get("/queue?status=all").text
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/queue").text).group(1)
    refused = client.post("/cases/decide", data={"case_id": case_id, "verdict": "confirmed",
                                                 "comment": "越权", "csrf_token": token})
    assert refused.status_code == 404


def test_village_summary_shows_contracts_and_rent_per_year(app_store):
    client = _signed_in(app_store, "agency")
    page = _text(client.get("/villages/summary?" + urlencode(
        {"town": "青石镇", "village": "下坝村"})).text)
    assert "合同与租金" in page
    assert "2023 3 1 20,000.00 5,000.00 25% 15,000.00 1" in page
