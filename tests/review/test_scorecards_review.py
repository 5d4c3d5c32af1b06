"""Village scorecards in the store and the review app: the cases they count from inspectors'
decisions, kept and replaced by village (SQLite and PostgreSQL), and the town overview and
village page in a real browser, each town to its own inspectors."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import pytest

from checks.scorecard_params import ScorecardParams
from models.scorecard_status import coloured
from models.scorecards import case_counts, with_cases, with_changes
from review.scorecards_store import (
    SCORECARD_COLUMNS,
    read_scorecard_cases,
    read_scorecards,
    store_scorecards,
)
from review.store import record_run
from review.users import User, add_user
from tests.review.ledgers import decide_entry, ledger_rows, scored_frame

PASSWORD = "correct-horse-9"
ADMIN = User("admin", "admin", (), True, "")
DECIDED = "青石镇/下坝村/2023-03/记-1/1"


def _record(store, run_id: str = "run-1") -> None:
    record_run(store, run_id=run_id, started_at="2026-12-10T08:00:00+00:00",
               finished_at="2026-12-10T08:01:00+00:00", inputs=["data/ledgers"],
               out_dir=f"/tmp/out/{run_id}", params={"scorecards": {"income_line": "150000"}},
               entries=scored_frame(ledger_rows()), rule_titles={})


def _indicators() -> pd.DataFrame:
    rows = []
    for town, village, incomes in (("青石镇", "下坝村", (18_000_000, 20_000_000)),
                                   ("青石镇", "上坝村", (12_000_000, 9_000_000)),
                                   ("青石镇", "坳山村", (30_000_000, 31_000_000)),
                                   ("白沙镇", "河口村", (16_000_000, 17_000_000))):
        for year, income in zip((2023, 2024), incomes, strict=True):
            rows.append({"town": town, "village": village, "year": year,
                         "income_fen": income + 2_000_000, "operating_income_fen": income,
                         "expense_fen": 5_000_000, "admin_expense_fen": 2_000_000,
                         "admin_expense_share": 0.4, "cadre_pay_fen": 1_000_000,
                         "cash_payment_share": 0.05,
                         "debt_ratio": 0.62 if village == "坳山村" else 0.2,
                         "rent_due_fen": 1_000_000 if village == "下坝村" else None,
                         "rent_received_fen": 1_000_000 if village == "下坝村" else None})
    return pd.DataFrame(rows).astype({"rent_due_fen": "Int64", "rent_received_fen": "Int64"})


def scorecards(cases: pd.DataFrame) -> pd.DataFrame:
    return coloured(with_changes(with_cases(_indicators(), case_counts(cases))),
                    ScorecardParams())


def test_cases_are_counted_from_decisions_and_scorecards_round_trip(store):
    _record(store)
    decide_entry(store, entry_id=DECIDED, verdict="confirmed", comment="属实，已责令退回",
                 username="lead")
    cases = read_scorecard_cases(store, towns=["青石镇", "白沙镇"], county=None)
    assert set(cases["status"]) >= {"confirmed", "open"}
    assert set(cases["year"]) == {2023}
    frame = scorecards(cases)
    xiaba = frame[(frame["village"] == "下坝村") & (frame["year"] == 2023)].iloc[0]
    assert xiaba["confirmed_cases"] == 1 and xiaba["status"] == "red"
    store_scorecards(store, run_id="run-1", scorecards=frame)
    stored = read_scorecards(store, user=ADMIN, town="青石镇")
    expected = frame[frame["town"] == "青石镇"].sort_values(["village", "year"])
    assert stored["run_id"].unique().tolist() == ["run-1"]
    pd.testing.assert_frame_equal(
        stored[SCORECARD_COLUMNS].astype(expected[SCORECARD_COLUMNS].dtypes.to_dict()),
        expected[SCORECARD_COLUMNS].reset_index(drop=True), check_exact=False)
    # a later run replaces a village's rows whole, and leaves the others
    _record(store, "run-2")
    later = frame[frame["village"] == "上坝村"].iloc[:1].assign(status="green",
                                                              status_reasons="")
    store_scorecards(store, run_id="run-2", scorecards=later)
    again = read_scorecards(store, user=ADMIN, town="青石镇")
    assert again.groupby("village")["year"].apply(list).to_dict() == {
        "上坝村": [2023], "下坝村": [2023, 2024], "坳山村": [2023, 2024]}
    baisha = User("baisha", "inspector", ("白沙镇",), True, "")
    assert read_scorecards(store, user=baisha, town="青石镇").empty


@pytest.fixture
def live_store(store):
    """A run with its scorecards, an inspector per town and the agency of 青石镇."""
    _record(store)
    decide_entry(store, entry_id=DECIDED, verdict="confirmed", comment="属实", username="lead")
    store_scorecards(store, run_id="run-1", scorecards=scorecards(
        read_scorecard_cases(store, towns=["青石镇", "白沙镇"])))
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    add_user(store, username="baisha", password=PASSWORD, role="inspector", towns=["白沙镇"])
    add_user(store, username="agency", password=PASSWORD, role="agency", towns=["青石镇"])
    return store


def _sign_in(page, base: str, username: str, start: str) -> None:
    page.goto(base + start)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_town_overview_and_village_page_in_a_browser(page, live_server, live_store, tmp_path):
    town = "/scorecards/town?" + urlencode({"town": "青石镇"})
    _sign_in(page, live_server, "qingshi", town)
    assert page.locator("h1").inner_text() == "青石镇 · 2024 年村级考核计分卡"
    cards = page.locator(".cards").inner_text()
    assert "2 / 3 个（67%）" in cards  # 上坝村 is below the 15 万元 line
    villages = page.locator("table.scorecards tbody tr td:nth-child(2)").all_inner_texts()
    assert villages == ["坳山村", "上坝村", "下坝村"]  # yellow, yellow, green in 2024
    rows = page.locator("table.scorecards tbody").inner_text()
    assert "资产负债率 62.0%，达到警戒线 50%" in rows and "↓ 25.0%" in rows
    page.screenshot(path=str(tmp_path / "town.png"), full_page=True)
    page.get_by_role("link", name="经营性收入").click()
    page.wait_for_load_state()
    assert page.locator("table.scorecards tbody tr td:nth-child(2)").all_inner_texts() == [
        "坳山村", "下坝村", "上坝村"]  # highest first
    page.get_by_role("link", name="2023").click()
    page.wait_for_load_state()
    assert "2023 年" in page.locator("h1").inner_text()
    assert "有 1 件经复核属实的违规案件" in page.locator("table.scorecards").inner_text()
    page.get_by_role("link", name="下坝村").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "青石镇下坝村 · 村级考核计分卡"
    assert page.locator("svg.chart").count() == 4
    assert "达线 15 万元" in page.locator("svg.chart").first.inner_html()
    table = page.locator("table.grid.compact").inner_text()
    assert "10,000.00" in table and "有 1 件经复核属实的违规案件" in table
    page.screenshot(path=str(tmp_path / "village.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(tmp_path / "village-print.png"), full_page=True)
    assert page.locator("svg.chart").first.is_visible()


def test_open_cases_link_and_who_sees_which_town(page, live_server, live_store):
    village = "/scorecards/village?" + urlencode({"town": "青石镇", "village": "上坝村"})
    _sign_in(page, live_server, "qingshi", village)
    link = page.get_by_role("link", name="查看本村待复核的案件")
    link.click()
    page.wait_for_load_state()
    assert "/queue" in page.url and "village=%E4%B8%8A%E5%9D%9D%E6%9D%91" in page.url
    assert page.locator("table").first.inner_text().count("上坝村") >= 1
    page.context.clear_cookies()
    _sign_in(page, live_server, "baisha", village)
    assert "页面不存在" in page.locator("main").inner_text()
    page.goto(live_server + "/scorecards")
    assert page.locator("table").inner_text().count("白沙镇") == 1
    assert "青石镇" not in page.locator("main").inner_text()
    page.context.clear_cookies()
    _sign_in(page, live_server, "agency", "/scorecards/town?" + urlencode({"town": "青石镇"}))
    assert "村级考核计分卡" in page.locator("h1").inner_text()
    page.goto(live_server + village)
    assert "查看本村待复核的案件" not in page.locator("main").inner_text()  # no queue
