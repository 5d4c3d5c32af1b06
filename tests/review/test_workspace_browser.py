"""The inspectors' workspace in real Chromium, on SQLite and PostgreSQL: deciding cases in a row
from the top of the page, bulk decisions, a stale page, assigning and evidence,
the printable case file, and phone-width screens. Screenshots land in the test's tmp_path."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from review import tables
from review.app import create_app
from review.store import record_run
from review.users import add_user
from tests.review.conftest import serving
from tests.review.ledgers import ledger_rows, scored_frame

PASSWORD = "correct-horse-9"
RULE_TITLES = {"cash.over_ceiling": "现金支付超限", "approval.missing_decision": "大额支出无决议"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def live_store(store):
    started = "2026-11-24T08:00:00+00:00"
    record_run(store, run_id="run-1", started_at=started, finished_at=started,
               inputs=["data/ledgers"], out_dir="/tmp/out/run-1", params={},
               entries=scored_frame(ledger_rows()), rule_titles=RULE_TITLES)
    for name, role in (("qingshi", "inspector"), ("qingshi2", "inspector"), ("lead", "lead")):
        add_user(store, username=name, password=PASSWORD, role=role, towns=["青石镇"])
    return store


@pytest.fixture
def live_server(live_store, tmp_path):
    app = create_app(live_store, secret_key="browser-test-secret",
                     evidence_dir=tmp_path / "evidence")
    with serving(app) as base:
        yield base


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login?next=/queue")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "疑点队列"


def _case_path(store, entry_id: str) -> str:
    with store.engine.connect() as conn:
        case_id = conn.execute(sa.select(tables.cases.c.case_id)
                               .where(tables.cases.c.entry_id == entry_id)).scalar_one()
    return "/case?" + urlencode({"id": case_id})


def test_cases_are_decided_in_a_row_from_the_top_of_the_page(page, live_server, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    _sign_in(page, live_server, "qingshi")
    assert page.locator("table.queue tbody tr").count() == 4
    page.screenshot(path=tmp_path / "queue.png")
    page.locator("table.queue tbody tr td.subject a").first.click()
    page.wait_for_load_state()
    seen = []
    while True:
        assert page.locator("form.decision textarea").bounding_box()["y"] < 768  # no scrolling
        seen.append(page.locator("h1").inner_text())
        page.get_by_label("已说明", exact=True).check()
        page.get_by_label("说明（必填）").fill(f"已核对原始凭证 {len(seen)}")
        page.get_by_role("button", name="保存并转下一件").click()
        page.wait_for_load_state()
        if page.locator("h1").inner_text() == "疑点队列":
            break
        assert page.get_by_text("已记录复核结论：已说明").is_visible()
    assert len(seen) == len(set(seen)) == 4
    assert "当前筛选条件下已没有下一个案件" in page.content()
    assert page.locator("p.empty").inner_text() == "没有符合条件的疑点案件。"


def test_bulk_decision_from_the_queue(page, live_server):
    _sign_in(page, live_server, "qingshi")
    boxes = page.locator("table.queue tbody input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    bar = page.locator("fieldset.bulk-bar")
    bar.get_by_label("误报").check()
    bar.get_by_label("说明（必填，逐件记入复核记录）").fill("经核对原始凭证，均为正常支出")
    bar.get_by_role("button", name="对所选案件记录结论").click()
    page.wait_for_load_state()
    assert page.get_by_text("已对 2 个案件记录复核结论：误报").is_visible()
    assert page.locator("table.queue tbody tr").count() == 2
    assert "已结论 2" in page.locator("nav.tabs").inner_text()


def test_a_stale_page_cannot_overwrite_a_colleagues_decision(browser, live_server, live_store):
    path = _case_path(live_store, "青石镇/下坝村/2023-03/记-1/1")
    pages = []
    for name in ("qingshi", "qingshi2"):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        opened = context.new_page()
        _sign_in(opened, live_server, name)
        opened.goto(live_server + path)
        pages.append(opened)
    first, second = pages
    first.get_by_label("属实", exact=True).check()
    first.get_by_label("说明（必填）").fill("白条入账，属实")
    first.get_by_role("button", name="保存结论", exact=True).click()
    first.wait_for_load_state()
    second.get_by_label("误报", exact=True).check()
    second.get_by_label("说明（必填）").fill("已见会议记录")
    second.get_by_role("button", name="保存结论", exact=True).click()
    second.wait_for_load_state()
    alert = second.locator("section.decide .error")
    assert alert.is_visible() and alert.bounding_box()["y"] < 900
    assert "qingshi 已记录结论“属实”" in alert.inner_text()
    assert "白条入账，属实" in alert.inner_text()
    assert second.locator(".heading .status").inner_text() == "属实"
    for opened in pages:
        opened.context.close()


def test_lead_assigns_an_inspector_attaches_evidence_and_prints_the_case(
    page, live_server, live_store, tmp_path
):
    path = _case_path(live_store, "青石镇/上坝村/2023-03/记-3/1")
    _sign_in(page, live_server, "lead")
    page.goto(live_server + path)
    page.get_by_label("分派给").select_option("qingshi")
    page.get_by_role("button", name="分派", exact=True).click()
    page.wait_for_load_state()
    assert "承办人：qingshi" in page.locator("#work").inner_text()
    evidence = tmp_path / "会议记录.pdf"
    evidence.write_bytes(PDF)
    page.locator("#evidence input[type=file]").set_input_files(str(evidence))
    page.locator("#evidence").get_by_label("说明").fill("村民代表会议记录扫描件")
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert page.get_by_text("已上传证据材料：会议记录.pdf").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="会议记录.pdf").click()
    assert download.value.suggested_filename == "会议记录.pdf"
    page.get_by_role("button", name="开始核查").click()
    page.wait_for_load_state()
    assert page.locator(".heading .status").inner_text() == "核查中"
    page.get_by_role("link", name="打印案件材料").click()
    page.wait_for_load_state()
    text = page.locator("article.case-file").inner_text()
    assert "四、证据材料清单" in text and "会议记录.pdf" in text and "纪委负责人（签名）" in text
    page.emulate_media(media="print")
    page.screenshot(path=tmp_path / "case-file.png", full_page=True)


@pytest.mark.parametrize("path", ["/queue", "case"])
def test_queue_and_case_fit_a_phone_screen(browser, live_server, live_store, tmp_path, path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, live_server, "qingshi")
    if path == "case":
        page.goto(live_server + _case_path(live_store, "青石镇/下坝村/2023-03/记-1/1"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    if path == "case":  # the decision comes first on a phone
        assert page.locator("form.decision textarea").bounding_box()["y"] < 844
    page.screenshot(path=tmp_path / f"phone-{path.strip('/')}.png", full_page=True)
    context.close()
