"""The review app in a real browser: Debian's headless Chromium driven by Playwright.

The app runs under uvicorn in a background thread on a free 127.0.0.1 port (conftest.py); the
store is a fresh SQLite file, then PostgreSQL. Screenshots of the pages land in the test's
tmp_path for a person to look at.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from review import tables
from review.store import record_run
from review.users import add_user
from tests.review.ledgers import ledger_rows, scored_frame

PASSWORD = "correct-horse-9"
RULE_TITLES = {"cash.over_ceiling": "现金支付超限", "approval.missing_decision": "大额支出无决议"}
DECIDED = "青石镇/下坝村/2023-03/记-1/1"
CORRECTED = "青石镇/上坝村/2023-03/记-1/1"
OTHER_TOWN = "白沙镇/河口村/2023-03/记-1/1"


def _record(store, run_id: str, rows: list[dict], started: str) -> None:
    record_run(
        store,
        run_id=run_id,
        started_at=started,
        finished_at=started,
        inputs=["data/ledgers"],
        out_dir=f"/tmp/out/{run_id}",
        params={},
        entries=scored_frame(rows),
        rule_titles=RULE_TITLES,
    )


@pytest.fixture
def live_store(store):
    """The review store (SQLite, then PostgreSQL) with one run and an inspector per town."""
    _record(store, "2f1c9a7e-first-run", ledger_rows(), "2026-11-24T08:00:00+00:00")
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    add_user(store, username="baisha", password=PASSWORD, role="inspector", towns=["白沙镇"])
    return store


def _sign_in(page, base: str, username: str, start: str = "/queue") -> None:
    page.goto(base + start)
    assert page.locator("h1").inner_text() == "登录"
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _entry_path(entry_id: str) -> str:
    return "/entry?" + urlencode({"id": entry_id})


def _case_path(store, entry_id: str) -> str:
    with store.engine.connect() as conn:
        case_id = conn.execute(
            sa.select(tables.cases.c.case_id).where(tables.cases.c.entry_id == entry_id)
        ).scalar_one()
    return "/case?" + urlencode({"id": case_id})


def _decide(page, verdict: str, comment: str) -> None:
    page.get_by_label(verdict, exact=True).check()
    page.get_by_label("说明（必填）").fill(comment)
    page.get_by_role("button", name="保存结论", exact=True).click()
    page.wait_for_load_state()


def test_inspector_filters_decides_and_the_decision_survives_a_rerun(
    page, live_server, live_store, tmp_path
):
    _sign_in(page, live_server, "qingshi")
    assert page.locator("h1").inner_text() == "疑点队列"
    assert page.locator("table.queue tbody tr").count() == 4
    assert "河口村" not in page.content()

    page.get_by_label("村", exact=True).select_option("上坝村")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    subjects = page.locator("table.queue tbody tr td.subject a").all_inner_texts()
    assert subjects == ["上坝村 2023-03 记-1", "上坝村 2023-03 记-3"]
    page.get_by_role("link", name="清除").click()
    page.screenshot(path=tmp_path / "queue.png", full_page=True)

    # decide the 上坝村 case that the agency will correct, then the 下坝村 one
    page.goto(live_server + _case_path(live_store, CORRECTED))
    _decide(page, "误报", "已见村民代表会议记录")
    page.goto(live_server + "/queue?" + urlencode({"village": "下坝村"}))
    page.locator("table.queue tbody tr td.subject a").first.click()
    page.wait_for_load_state()
    assert "整张凭证（2023-03 记-1，2023-03-02，共 2 行）" in page.content()
    assert page.locator("table.voucher tbody tr").count() == 2
    _decide(page, "属实", "经核实为白条入账，已移交纪委")
    assert page.get_by_text("已记录复核结论：属实").is_visible()
    assert page.locator(".heading .status").inner_text() == "属实"
    page.screenshot(path=tmp_path / "case.png", full_page=True)

    # the agency corrects 上坝村's voucher 1; the county is audited again
    rows = ledger_rows()
    for row in rows:
        if row["village"] == "上坝村" and row["voucher_number"] == 1:
            row["debit_fen" if row["line_no"] == 1 else "credit_fen"] = 1_000_000
    _record(live_store, "8d03b5c4-second-run", rows, "2026-11-25T08:00:00+00:00")

    page.goto(live_server + _case_path(live_store, DECIDED))
    assert page.locator(".heading .status").inner_text() == "属实"
    assert "当前有效" in page.locator("#history").inner_text()

    page.goto(live_server + _case_path(live_store, CORRECTED))
    assert page.locator(".heading .status").inner_text() == "更正后重新打开"
    decide_text = page.locator("#history").inner_text()
    assert "针对更正前的内容（历史）" in decide_text and "已见村民代表会议记录" in decide_text
    page.screenshot(path=tmp_path / "case-corrected.png", full_page=True)
    page.locator("table.case-entries a").first.click()  # the case's line: its entry page
    page.wait_for_load_state()
    assert page.locator(".heading .status").inner_text() == "更正后重新打开"
    assert "更正前后对比" in page.content()
    page.screenshot(path=tmp_path / "entry-corrected.png", full_page=True)

    page.goto(live_server + "/runs")
    second = page.locator("table tbody tr").first.locator("td").all_inner_texts()
    # 村数 分录数 疑点数 新增 已消除 内容更正 未变 (counts in 青石镇 only)
    assert second[2:9] == ["2", "16", "4", "0", "0", "1", "3"]
    page.goto(
        live_server + "/villages/summary?" + urlencode({"town": "青石镇", "village": "下坝村"})
    )
    page.screenshot(path=tmp_path / "summary.png", full_page=True)


def test_inspector_cannot_reach_another_towns_entry_by_url(page, live_server):
    _sign_in(page, live_server, "baisha", start="/")
    response = page.goto(live_server + _entry_path(DECIDED))
    assert response.status == 404
    assert "页面不存在，或您无权查看" in page.content()
    own = page.goto(live_server + _entry_path(OTHER_TOWN))
    assert own.status == 200
