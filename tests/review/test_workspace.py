"""The inspectors' workspace through FastAPI's TestClient, on SQLite and PostgreSQL: the queue's
search, filters, counts and order; deciding with a stale page; bulk decisions; assigning and
stages; evidence; the printable case file; the committee's export; a run's case changes."""

from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import urlencode

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from review import tables
from review.app import create_app
from review.dispositions import StaleDecision, decision_mark, record_decision
from review.queue import QueueFilter, queue_neighbours, queue_page, status_counts
from review.store import record_run
from review.users import User, add_user
from tests.review.ledgers import ledger_rows, scored_frame

PASSWORD = "correct-horse-9"
ADMIN = User("admin", "admin", (), True, "")
RULE_TITLES = {"cash.over_ceiling": "现金支付超限", "approval.missing_decision": "大额支出无决议",
               "payee.round_amount": "整数金额"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _record(store, run_id: str, rows: list[dict], started: str, flagged=None) -> None:
    record_run(store, run_id=run_id, started_at=started, finished_at=started,
               inputs=["data/ledgers"], out_dir=f"/tmp/out/{run_id}", params={},
               entries=scored_frame(rows, flagged), rule_titles=RULE_TITLES)


def _rows() -> list[dict]:
    rows = ledger_rows()
    for row in rows:  # 上坝村 voucher 3 pays another payee, with a contract
        if row["village"] == "上坝村" and row["voucher_number"] == 3:
            row.update(counterparty="李四农家乐", summary="接待上级检查餐费",
                       contract_ref="HT-2023-017")
    return rows


@pytest.fixture
def ws_store(store, tmp_path):
    _record(store, "run-1", _rows(), "2026-11-24T08:00:00+00:00")
    add_user(store, username="admin", password=PASSWORD, role="admin")
    add_user(store, username="lead", password=PASSWORD, role="lead", towns=["青石镇"])
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    add_user(store, username="qingshi2", password=PASSWORD, role="inspector", towns=["青石镇"])
    add_user(store, username="baisha", password=PASSWORD, role="inspector", towns=["白沙镇"])
    return store


def _client(store, tmp_path, username: str) -> TestClient:
    app = create_app(store, secret_key="test-secret", evidence_dir=tmp_path / "evidence")
    client = TestClient(app)
    token = _token(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token, "next": "/queue"},
                           follow_redirects=False)
    assert response.status_code == 303
    return client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _case_id(store, entry_id: str) -> str:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(tables.cases.c.case_id)
                            .where(tables.cases.c.entry_id == entry_id)).scalar_one()


def _subjects(store, **filters) -> list[str]:
    page = queue_page(store, user=ADMIN, queue_filter=QueueFilter.from_query(filters))
    return [f"{row['village']} {row['subject_id']}" for row in page.rows]


def _trail(store, action: str) -> list:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(tables.audit_trail)
                            .where(tables.audit_trail.c.action == action)).all()


def test_queue_searches_payee_summary_amount_and_voucher_numbers(ws_store):
    assert len(_subjects(ws_store, status="all")) == 6
    assert _subjects(ws_store, q="农家乐") == ["上坝村 2023-03 记-3"]
    assert _subjects(ws_store, q="接待") == ["上坝村 2023-03 记-3"]
    assert _subjects(ws_store, voucher="HT-2023-017") == ["上坝村 2023-03 记-3"]
    assert sorted(_subjects(ws_store, voucher="记-1")) == [
        "上坝村 2023-03 记-1", "下坝村 2023-03 记-1", "河口村 2023-03 记-1"]
    # voucher 1 is 12,500.05 yuan, voucher 3 37,500.05
    assert len(_subjects(ws_store, min_amount="20,000", max_amount="40000元")) == 3
    assert _subjects(ws_store, min_amount="37500.06") == []
    assert len(_subjects(ws_store, signal="payee.round_amount")) == 6
    assert _subjects(ws_store, kind="pattern") == []


def test_queue_orders_numbers_rows_and_gives_amount_direction(ws_store):
    page = queue_page(ws_store, user=ADMIN, queue_filter=QueueFilter.from_query({"sort": "amount"}))
    assert [row["position"] for row in page.rows] == [1, 2, 3, 4, 5, 6]
    amounts = [row["amount_fen"] for row in page.rows]
    assert amounts == sorted(amounts, reverse=True)
    assert {row["direction"] for row in page.rows} == {"借"}  # the flagged debit lines


def test_bad_query_values_are_dropped_with_a_note_and_the_queue_still_opens(ws_store, tmp_path):
    client = _client(ws_store, tmp_path, "qingshi")
    page = client.get("/queue?" + urlencode({"page": "abc", "min_amount": "一万",
                                             "status": "bogus", "sort": "x"}))
    assert page.status_code == 200
    assert "最低金额“一万”不是有效金额，已忽略" in page.text
    assert "筛选条件“bogus”无效，已忽略" in page.text
    assert "共 4 个疑点案件" in page.text


def test_status_counts_follow_decisions_and_investigation(ws_store):
    first = _case_id(ws_store, "青石镇/下坝村/2023-03/记-1/1")
    record_decision(ws_store, case_id=first, verdict="confirmed", comment="属实", username="x")
    from review.case_work import set_stage

    lead = User("lead", "lead", ("青石镇",), True, "")
    set_stage(ws_store, case_id=_case_id(ws_store, "青石镇/上坝村/2023-03/记-1/1"),
              stage="investigating", actor=lead)
    counts = status_counts(ws_store, user=ADMIN, queue_filter=QueueFilter())
    assert counts["all"] == 6 and counts["todo"] == 5 and counts["investigating"] == 1
    assert counts["open"] == 4 and counts["decided"] == 1 and counts["confirmed"] == 1
    mine = QueueFilter.from_query({"assignee": "@me"})
    assert len(queue_page(ws_store, user=lead, queue_filter=mine).rows) == 1


def test_a_decision_from_a_page_opened_before_anothers_decision_is_refused(ws_store, tmp_path):
    case_id = _case_id(ws_store, "青石镇/下坝村/2023-03/记-1/1")
    first, second = (_client(ws_store, tmp_path, name) for name in ("qingshi", "qingshi2"))
    page_one = first.get("/case?" + urlencode({"id": case_id})).text
    page_two = second.get("/case?" + urlencode({"id": case_id})).text
    seen = re.search(r'name="seen" value="(\d+)"', page_two).group(1)
    form = {"case_id": case_id, "verdict": "confirmed", "comment": "白条入账，属实",
            "then": "stay", "seen": re.search(r'name="seen" value="(\d+)"', page_one).group(1)}
    assert first.post("/cases/decide", data={**form, "csrf_token": _token(page_one)},
                      follow_redirects=False).status_code == 303
    late = second.post("/cases/decide", data={
        **form, "verdict": "false_alarm", "comment": "已见会议记录", "seen": seen,
        "csrf_token": _token(page_two)})
    assert late.status_code == 409
    assert "qingshi 已记录结论“属实”" in late.text and "白条入账，属实" in late.text
    with ws_store.engine.connect() as conn:
        verdicts = conn.execute(sa.select(tables.dispositions.c.verdict)).scalars().all()
    assert verdicts == ["confirmed"]
    # the refused page now carries the newest mark: sent again knowingly, it supersedes
    again = re.search(r'name="seen" value="(\d+)"', late.text).group(1)
    assert second.post("/cases/decide", data={
        **form, "verdict": "false_alarm", "comment": "已见会议记录", "seen": again,
        "csrf_token": _token(late.text)}, follow_redirects=False).status_code == 303
    with pytest.raises(StaleDecision):
        record_decision(ws_store, case_id=case_id, verdict="explained", comment="迟到",
                        username="qingshi", seen=int(seen))


def test_save_and_next_walks_the_filtered_queue(ws_store, tmp_path):
    client = _client(ws_store, tmp_path, "qingshi")
    listed = [row["case_id"] for row in queue_page(
        ws_store, user=User("qingshi", "inspector", ("青石镇",), True, ""),
        queue_filter=QueueFilter()).rows]
    page = client.get("/case?" + urlencode({"id": listed[0], "status": "todo"})).text
    assert "第 1 / 4 件" in page
    response = client.post("/cases/decide", data={
        "case_id": listed[0], "verdict": "explained", "comment": "已说明", "then": "next",
        "seen": "0", "next_case": listed[1], "f_status": "todo",
        "csrf_token": _token(page)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/case?" + urlencode({"id": listed[1],
                                                                 "status": "todo"})
    before, after, place, size = queue_neighbours(
        ws_store, user=ADMIN, queue_filter=QueueFilter(town="青石镇"), case_id=listed[1])
    assert (before, after, place, size) == (None, listed[2], 1, 3)


def test_bulk_decision_records_each_case_and_skips_stale_ones(ws_store, tmp_path):
    client = _client(ws_store, tmp_path, "qingshi")
    queue = client.get("/queue").text
    ids = re.findall(r'name="case_id" value="([0-9a-f]+)"', queue)
    assert len(ids) == 4
    marks = dict(re.findall(r'name="seen_([0-9a-f]+)" value="(\d+)"', queue))
    record_decision(ws_store, case_id=ids[2], verdict="confirmed", comment="另一人", username="x")
    form = {"csrf_token": _token(queue), "verdict": "false_alarm",
            "comment": "经核对原始凭证均为正常支出", "f_status": "todo", "case_id": ids[:3],
            **{f"seen_{case_id}": marks[case_id] for case_id in ids[:3]}}
    response = client.post("/cases/bulk-decide", data=form)
    assert response.status_code == 200
    assert "已对 2 个案件记录复核结论：误报；1 个案件在您打开页面后已由他人复核" in response.text
    decided = [row.target for row in _trail(ws_store, "case.decide")]
    assert sorted(decided) == sorted(ids[:3])  # two bulk ones and the other person's
    other = client.post("/cases/bulk-decide", data={
        "csrf_token": _token(queue), "verdict": "false_alarm", "comment": "x",
        "case_id": [_case_id(ws_store, "白沙镇/河口村/2023-03/记-1/1")]})
    assert other.status_code == 404


def test_leads_assign_inspectors_investigate_and_both_are_in_the_trail(ws_store, tmp_path):
    case_id = _case_id(ws_store, "青石镇/下坝村/2023-03/记-3/1")
    inspector = _client(ws_store, tmp_path, "qingshi")
    page = inspector.get("/case?" + urlencode({"id": case_id})).text
    assert "分派给" not in page
    refused = inspector.post("/cases/assign", data={"case_id": case_id, "assignee": "qingshi2",
                                                    "csrf_token": _token(page)})
    assert refused.status_code == 400 and "只有管理员和纪检组长可以分派案件" in refused.text
    lead = _client(ws_store, tmp_path, "lead")
    page = lead.get("/case?" + urlencode({"id": case_id})).text
    menu = page.split('id="assignee"')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"', menu)
    assert options == ["", "admin", "lead", "qingshi", "qingshi2"]  # not 白沙镇's inspector
    bad = lead.post("/cases/assign", data={"case_id": case_id, "assignee": "baisha",
                                           "csrf_token": _token(page)})
    assert "用户 baisha 不能复核青石镇的案件" in bad.text
    lead.post("/cases/assign", data={"case_id": case_id, "assignee": "qingshi2",
                                     "csrf_token": _token(page)})
    second = _client(ws_store, tmp_path, "qingshi2")
    mine = second.get("/queue?assignee=@me").text
    assert "共 1 个疑点案件" in mine and "下坝村 2023-03 记-3" in mine
    second.post("/cases/stage", data={"case_id": case_id, "stage": "investigating",
                                      "csrf_token": _token(mine)})
    assert "核查中" in second.get("/case?" + urlencode({"id": case_id})).text
    assert [(row.actor, row.after) for row in _trail(ws_store, "case.assign")] == [
        ("lead", '{"assignee":"qingshi2","stage":"todo"}')]
    assert len(_trail(ws_store, "case.stage")) == 1


def test_evidence_is_checked_kept_by_hash_and_served_only_to_the_cases_town(ws_store, tmp_path):
    case_id = _case_id(ws_store, "青石镇/下坝村/2023-03/记-1/1")
    client = _client(ws_store, tmp_path, "qingshi")
    page = client.get("/case?" + urlencode({"id": case_id})).text

    def upload(name: str, content: bytes):
        return client.post("/cases/evidence", data={"case_id": case_id, "note": "会议记录",
                                                    "csrf_token": _token(page)},
                           files={"file": (name, content, "application/octet-stream")})

    assert "只能上传 PDF、JPG、PNG、Word、Excel 或文本文件" in upload("x.exe", b"MZ").text
    assert "内容与扩展名 .pdf 不符" in upload("会议记录.pdf", b"<html>").text
    stored = upload("../../会议记录.pdf", PDF)
    assert stored.status_code == 200 and "已上传证据材料：会议记录.pdf" in stored.text
    evidence_id = re.search(r'/cases/evidence\?id=(\d+)', stored.text).group(1)
    download = client.get(f"/cases/evidence?id={evidence_id}")
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    digest = hashlib.sha256(PDF).hexdigest()
    kept = [path for path in (tmp_path / "evidence").rglob("*") if path.is_file()]
    assert kept == [tmp_path / "evidence" / digest[:2] / digest]
    trail = _trail(ws_store, "case.evidence")
    assert len(trail) == 1 and '"filename":"会议记录.pdf"' in trail[0].after
    outsider = _client(ws_store, tmp_path, "baisha")
    assert outsider.get(f"/cases/evidence?id={evidence_id}").status_code == 404
    printed = client.get("/case/print?" + urlencode({"id": case_id})).text
    assert "会议记录.pdf" in printed and "核查人（签名）" in printed and "一、疑点说明" in printed


def test_committee_export_lists_a_towns_concluded_cases(ws_store, tmp_path):
    decided = _case_id(ws_store, "青石镇/上坝村/2023-03/记-3/1")
    record_decision(ws_store, case_id=decided, verdict="confirmed", comment="=cmd|' /C calc'!A0",
                    username="qingshi")
    client = _client(ws_store, tmp_path, "qingshi")
    book = client.get("/cases/decided.xlsx?town=青石镇")
    assert book.status_code == 200
    frame = pd.read_excel(io.BytesIO(book.content), sheet_name="已结论案件", dtype=str,
                          engine="calamine")
    assert frame["凭证"].tolist() == ["2023-03 记-3"]
    assert frame["复核结论"].tolist() == ["属实"]
    assert frame["复核说明"].tolist() == ["'=cmd|' /C calc'!A0"]
    assert client.get("/cases/decided.xlsx?town=白沙镇").status_code == 404


def test_run_page_lists_new_changed_and_resolved_cases_with_queue_links(ws_store, tmp_path):
    rows = _rows()
    for row in rows:  # 下坝村 voucher 1 corrected; voucher 3 no longer flagged
        if row["village"] == "下坝村" and row["voucher_number"] == 1:
            row["debit_fen" if row["line_no"] == 1 else "credit_fen"] = 1_200_000
    flagged = {f"{town}/{village}/2023-03/记-{number}/1"
               for town, village in [("青石镇", "下坝村"), ("青石镇", "上坝村"),
                                     ("白沙镇", "河口村")]
               for number in ((1, 4) if village == "下坝村" else (1, 3))}
    _record(ws_store, "run-2", rows, "2026-11-25T08:00:00+00:00", flagged)
    client = _client(ws_store, tmp_path, "qingshi")
    page = client.get("/runs/run-2").text
    links = dict(re.findall(r'<span>([^<]+)</span><strong><a href="([^"]+)">', page))
    counts = dict(re.findall(r'<span>([^<]+)</span><strong><a href="[^"]+">(\d+) 件', page))
    assert counts == {"新增": "1", "更正或重新归并": "1", "已消除": "1"}
    new = client.get(links["新增"].replace("&amp;", "&")).text
    assert "下坝村 2023-03 记-4" in new and "共 1 个疑点案件" in new
    gone = client.get(links["已消除"].replace("&amp;", "&")).text
    assert "下坝村 2023-03 记-3" in gone and "已消除" in gone
    changed = client.get(links["更正或重新归并"].replace("&amp;", "&")).text
    assert "下坝村 2023-03 记-1" in changed


def test_decision_mark_is_the_newest_decision_on_any_line(ws_store):
    case_id = _case_id(ws_store, "青石镇/下坝村/2023-03/记-1/1")
    with ws_store.engine.connect() as conn:
        assert decision_mark(conn, case_id) == 0
    decided = record_decision(ws_store, case_id=case_id, verdict="confirmed", comment="属实",
                              username="x")
    assert decided["verdict"] == "confirmed"
    with ws_store.engine.connect() as conn:
        assert decision_mark(conn, case_id) > 0
