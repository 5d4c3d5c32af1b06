"""Benchmark: an inspector's day in the review app, measured in a real browser.

Against a copy of a store that holds an audit run (``--db``, a SQLite file; the default is
made by auditing a generated 40-village county, see bench/README.md), it signs in a new
inspector in Debian's headless Chromium and prints:

- how many cases of the queue fit on a 1366×768 screen (rows whose bottom is within the
  first screen, below the header and filters);
- how far down the case page the decision form starts (pixels from the top of the page);
- the wall time and page loads to decide 20 cases in a row, the way the app lets a person do
  it: from the queue open the first case, choose a verdict, write a comment, save; then the
  next case (the case page's "save and go to the next case" where there is one, else back to
  the queue and its first case).

Wall times are machine time, not a person's: they count page loads and queries, not reading.
Run: ``.venv/bin/python -m bench.bench_review --db /path/review.sqlite3``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from review.app import create_app
from review.db import open_store
from review.trail_anchor import TrailKeys
from review.users import add_user
from tests.review.conftest import CHROMIUM, CHROMIUM_ARGS, serving

PASSWORD = "bench-password-1"
SCREEN = {"width": 1366, "height": 768}
DECISIONS = 20


def _sign_in(page, base: str) -> None:
    page.goto(base + "/login?next=/queue")
    page.get_by_label("用户名").fill("bench")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _rows_on_first_screen(page) -> int:
    bottoms = page.eval_on_selector_all(
        "table.queue tbody tr", "rows => rows.map(r => r.getBoundingClientRect().bottom)"
    )
    return sum(1 for bottom in bottoms if bottom <= SCREEN["height"])


def _open_first_case(page) -> None:
    page.locator("table.queue tbody tr a[href^='/case']").first.click()
    page.wait_for_load_state()


def _decide_in_a_row(page, base: str) -> tuple[float, int]:
    loads = 0
    started = time.perf_counter()
    page.goto(base + "/queue")
    _open_first_case(page)
    loads += 2
    for number in range(DECISIONS):
        page.locator("form input[value='explained']").first.check()
        page.locator("textarea[name='comment']").first.fill(f"已核对原始凭证（第 {number + 1} 件）")
        next_button = page.get_by_role("button", name="保存并转下一件")
        if next_button.count():
            next_button.click()
            page.wait_for_load_state()
            loads += 1
        else:
            page.get_by_role("button", name="保存结论").click()
            page.wait_for_load_state()
            page.goto(base + "/queue")
            _open_first_case(page)
            loads += 3
    return time.perf_counter() - started, loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a SQLite store with a run")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "review.sqlite3"
        shutil.copyfile(args.db, copy)
        store = open_store(f"sqlite:///{copy}", trail=TrailKeys(Path(scratch)))
        add_user(store, username="bench", password=PASSWORD, role="admin")
        with serving(create_app(store, secret_key="bench")) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_context(locale="zh-CN", viewport=SCREEN).new_page()
            _sign_in(page, base)
            rows = _rows_on_first_screen(page)
            _open_first_case(page)
            form_top = page.eval_on_selector(
                "textarea[name='comment']", "e => e.getBoundingClientRect().top + window.scrollY"
            )
            seconds, loads = _decide_in_a_row(page, base)
            browser.close()
        store.dispose()
    print(f"队列首屏（1366×768）可见案件：{rows} 件")
    print(f"案件页复核表单位置：距页顶 {form_top:.0f} 像素")
    print(f"连续复核 {DECISIONS} 件：{seconds:.1f} 秒，页面加载 {loads} 次")


if __name__ == "__main__":
    main()
