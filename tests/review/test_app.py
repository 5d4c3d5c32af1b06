"""The review app's pages through FastAPI's TestClient: visible Chinese text, access rules,
forms with CSRF tokens, the export and the cookie flags."""

from __future__ import annotations

import io
import logging
import re
import stat
from urllib.parse import urlencode

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from review import tables
from review.app import create_app
from review.security import load_secret_key
from review.store import record_run
from review.users import add_user, update_user
from tests.review.ledgers import ledger_rows, scored_frame

PASSWORD = "correct-horse-9"
QS_ENTRY = "青石镇/下坝村/2023-03/记-1/1"
BS_ENTRY = "白沙镇/河口村/2023-03/记-1/1"


FORMULA = '=HYPERLINK("http://example.com","点击")'


def _record(store, run_id: str, rows: list[dict], **extra) -> None:
    entries = scored_frame(rows)
    # a reason that a spreadsheet would run as a formula, on 下坝村 voucher 1's flagged line
    entries.loc[entries["entry_id"] == QS_ENTRY, "reasons"] = (
        f"{FORMULA}；单笔现金支付超过限额；无村民会议决议编号")
    record_run(
        store,
        run_id=run_id,
        started_at="2026-11-24T08:00:00+00:00",
        finished_at="2026-11-24T08:02:00+00:00",
        inputs=["data/ledgers"],
        out_dir=f"/tmp/out/{run_id}",
        params={},
        entries=entries,
        rule_titles={
            "cash.over_ceiling": "现金支付超限",
            "approval.missing_decision": "大额支出无决议",
        },
        **extra,
    )


@pytest.fixture
def app_store(store):
    rows = ledger_rows()
    rows[0]["summary"] = FORMULA  # 下坝村 voucher 1, line 1
    quarantine = pd.DataFrame(
        {
            # a file that loaded nothing (town unknown) and a file of 白沙镇
            "source_file": ["下坝村.csv", "河口村.xlsx"],
            "source_sheet": ["", ""],
            "source_row": [9, 30],
            "column": ["凭证日期", "借方"],
            "reason": ["日期不存在：2023-02-30", "金额无法识别：12,5OO.00"],
            "raw": ["{}", "{}"],
        }
    )
    _record(store, "run-0001-aaaa", rows, quarantine=quarantine)
    add_user(store, username="admin", password=PASSWORD, role="admin")
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    add_user(store, username="baisha", password=PASSWORD, role="inspector", towns=["白沙镇"])
    add_user(store, username="agency", password=PASSWORD, role="agency", towns=["青石镇"])
    return store


def _client(store, **options) -> TestClient:
    return TestClient(create_app(store, secret_key="test-secret", **options))


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signed_in(store, username: str) -> TestClient:
    client = _client(store)
    token = _token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


def _entry(entry_id: str) -> str:
    return "/entry?" + urlencode({"id": entry_id})


def _case_id(store, entry_id: str) -> str:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(tables.cases.c.case_id)
                            .where(tables.cases.c.entry_id == entry_id)).scalar_one()


def _case(store, entry_id: str) -> str:
    return "/case?" + urlencode({"id": _case_id(store, entry_id)})


def test_pages_need_sign_in_and_a_wrong_password_is_refused(app_store):
    client = _client(app_store)
    response = client.get("/queue?town=青石镇", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fqueue")
    token = _token(client.get("/login").text)
    refused = client.post(
        "/login", data={"username": "qingshi", "password": "wrong-password", "csrf_token": token}
    )
    assert refused.status_code == 401
    assert "用户名或密码错误" in refused.text


def test_sign_in_without_the_forms_token_is_refused(app_store):
    client = _client(app_store)
    client.get("/login")
    response = client.post("/login", data={"username": "qingshi", "password": PASSWORD})
    assert response.status_code == 403
    assert "表单已过期" in response.text


def test_session_cookie_is_httponly_lax_and_secure_when_configured(app_store):
    plain = _client(app_store).get("/login").headers["set-cookie"]
    assert "httponly" in plain.lower() and "samesite=lax" in plain.lower()
    assert "secure" not in plain.lower()
    secure = _client(app_store, secure_cookies=True).get("/login").headers["set-cookie"]
    assert "; secure" in secure.lower()


def test_inspector_queue_shows_only_their_town_with_chinese_text_and_yuan(app_store):
    page = _signed_in(app_store, "qingshi").get("/queue")
    assert page.status_code == 200
    assert "疑点队列" in page.text and "共 4 个疑点案件" in page.text
    assert "下坝村" in page.text and "上坝村" in page.text
    assert "河口村" not in page.text
    assert "12,500.05" in page.text  # voucher 1: 1,250,005 fen
    assert "待复核" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_queue_filters_by_village_rule_score_and_status(app_store):
    client = _signed_in(app_store, "qingshi")
    village = client.get("/queue", params={"village": "上坝村"})
    assert "共 2 个疑点案件" in village.text and "下坝村 /" not in village.text
    rule = client.get("/queue", params={"rule": "cash.over_ceiling"})
    assert "共 4 个疑点案件" in rule.text
    no_rule = client.get("/queue", params={"rule": "no.such_rule"})
    assert "没有符合条件的疑点" in no_rule.text
    # a case of one line with two rules and a signal agreeing: 1 - (1 - 0.89) * 0.9 ** 2 = 0.9109
    # for voucher 1, 0.8947 for voucher 3
    high = client.get("/queue", params={"min_score": "0.9"})
    assert "共 2 个疑点案件" in high.text
    period = client.get("/queue", params={"period": "2023-03"})
    assert "共 4 个疑点案件" in period.text
    resolved = client.get("/queue", params={"status": "resolved"})
    assert "没有符合条件的疑点" in resolved.text


def test_entry_page_shows_reasons_voucher_payee_and_original_row(app_store):
    page = _signed_in(app_store, "qingshi").get(_entry(QS_ENTRY))
    assert page.status_code == 200
    text = page.text
    assert "单笔现金支付超过限额" in text and "现金支付超限" in text
    assert "整张凭证（记-1，共 2 行）" in text
    assert "102 银行存款" in text  # the voucher's other line
    assert "往来单位历史：张三建筑队" in text
    # the payee is named on both lines of each voucher: what was paid is counted once
    assert "共 8 张凭证涉及该单位：付给 250,000.40 元，收到 0.00 元。" in text
    assert "下坝村.xlsx" in text and "第 <strong>4</strong> 行" in text
    assert "=HYPERLINK(&#34;http" in text or "=HYPERLINK(&quot;http" in text  # escaped, inert


def test_entry_page_of_a_rerun_shows_the_voucher_it_left_where_it_was_stored(app_store):
    rows = ledger_rows()
    rows[0]["summary"] = '=HYPERLINK("http://example.com","点击")'  # as the first run saw it
    _record(app_store, "run-0002-bbbb", rows)  # nothing changed: its rows are copied
    with app_store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(
            tables.voucher_lines.c.run_id == "run-0002-bbbb")).scalar_one() == 0
    page = _signed_in(app_store, "qingshi").get(_entry(QS_ENTRY))
    assert "整张凭证（记-1，共 2 行）" in page.text
    assert "102 银行存款" in page.text


def test_case_page_shows_reasons_lines_and_whole_vouchers(app_store):
    client = _signed_in(app_store, "qingshi")
    queue = client.get("/queue").text
    assert _case(app_store, QS_ENTRY).replace("/case?", "") in queue  # linked from the queue
    page = client.get(_case(app_store, QS_ENTRY))
    assert page.status_code == 200
    text = page.text
    assert "下坝村 · 凭证 2023-03 记-1" in text and "涉及 1 张凭证、1 条疑点分录" in text
    assert "单笔现金支付超过限额" in text and "现金支付超限" in text
    assert "整张凭证（2023-03 记-1，2023-03-02，共 2 行）" in text
    assert "102 银行存款" in text and _entry(QS_ENTRY).replace("&", "&amp;") in text
    assert "=HYPERLINK(&#34;http" in text or "=HYPERLINK(&quot;http" in text  # escaped, inert
    entry = client.get(_entry(QS_ENTRY)).text
    assert "复核结论在案件页面按案件记录" in entry and 'action="/cases/decide"' not in entry


def test_a_reason_links_the_entry_it_names_only_when_the_store_can_show_it(store):
    flagged_other = "青石镇/下坝村/2023-03/记-3/1"  # flagged too: it has an entry page
    unflagged = "青石镇/下坝村/2023-03/记-2/1"  # in no finding nor register: no page
    entries = scored_frame(ledger_rows())
    entries.loc[entries["entry_id"] == QS_ENTRY, "reasons"] = (
        f"收款方「张三建筑队」另在凭证 本村 2023-03 记-3〔分录 {flagged_other}〕收款；"
        f"凭证 本村 2023-03 记-2〔分录 {unflagged}〕以红字冲销同额 12,500.05 元后重新入账")
    record_run(store, run_id="run-0001-aaaa", started_at="2026-11-24T08:00:00+00:00",
               finished_at="2026-11-24T08:02:00+00:00", inputs=["data/ledgers"],
               out_dir="/tmp/out/run-0001-aaaa", params={}, entries=entries, rule_titles={})
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    client = _signed_in(store, "qingshi")
    for page in (client.get(_entry(QS_ENTRY)).text, client.get(_case(store, QS_ENTRY)).text):
        linked = _entry(flagged_other).replace("&", "&amp;")
        assert f'<a href="{linked}">〔分录 {flagged_other}〕</a>' in page
        assert f"〔分录 {unflagged}〕以红字冲销" in page  # said, naming its voucher, not linked
        assert _entry(unflagged).replace("&", "&amp;") not in page
    assert client.get(_entry(flagged_other)).status_code == 200
    assert client.get(_entry(unflagged)).status_code == 404


def test_inspector_cannot_open_or_decide_another_towns_case(app_store):
    client = _signed_in(app_store, "qingshi")
    assert client.get(_entry(BS_ENTRY)).status_code == 404
    assert client.get(_entry("no-such-entry")).status_code == 404
    assert client.get(_case(app_store, BS_ENTRY)).status_code == 404
    assert client.get("/case?id=no-such-case").status_code == 404
    token = _token(client.get("/queue").text)
    post = client.post(
        "/cases/decide",
        data={"case_id": _case_id(app_store, BS_ENTRY), "verdict": "confirmed",
              "comment": "越权", "csrf_token": token},
    )
    assert post.status_code == 404


def test_a_decision_needs_csrf_and_comment_then_shows_as_in_force(app_store):
    client = _signed_in(app_store, "qingshi")
    case_id = _case_id(app_store, QS_ENTRY)
    token = _token(client.get(_case(app_store, QS_ENTRY)).text)
    no_token = client.post(
        "/cases/decide", data={"case_id": case_id, "verdict": "confirmed", "comment": "x"}
    )
    assert no_token.status_code == 403
    no_comment = client.post(
        "/cases/decide",
        data={"case_id": case_id, "verdict": "confirmed", "comment": " ", "csrf_token": token},
    )
    assert no_comment.status_code == 400 and "请填写说明" in no_comment.text
    saved = client.post(
        "/cases/decide",
        data={
            "case_id": case_id,
            "verdict": "confirmed",
            "comment": "经核实为白条入账",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 200  # after the redirect
    assert "已记录复核结论：属实（涉及 1 条分录）" in saved.text
    assert "经核实为白条入账" in saved.text and "当前有效" in saved.text
    assert "共 3 个疑点案件" in client.get("/queue").text  # decided cases leave the to-do queue
    entry = client.get(_entry(QS_ENTRY)).text
    assert "经核实为白条入账" in entry and "当前有效" in entry


def test_agency_sees_runs_quarantine_and_summaries_but_no_decisions(app_store):
    inspector = _signed_in(app_store, "qingshi")
    token = _token(inspector.get("/queue").text)
    inspector.post(
        "/cases/decide",
        data={
            "case_id": _case_id(app_store, QS_ENTRY),
            "verdict": "false_alarm",
            "comment": "有合同",
            "csrf_token": token,
        },
    )
    agency = _signed_in(app_store, "agency")
    assert agency.get("/queue").status_code == 403
    assert agency.get(_entry(QS_ENTRY)).status_code == 403
    assert agency.get(_case(app_store, QS_ENTRY)).status_code == 403
    runs = agency.get("/runs")
    assert "运行记录" in runs.text and "run-0001" in runs.text
    run = agency.get("/runs/run-0001-aaaa")
    assert "日期不存在：2023-02-30" in run.text and "白沙镇" not in run.text
    assert "金额无法识别" not in run.text and "隔离行（共 1 行）" in run.text
    admin_run = _signed_in(app_store, "admin").get("/runs/run-0001-aaaa")
    assert "金额无法识别" in admin_run.text and "隔离行（共 2 行）" in admin_run.text
    summary = agency.get("/villages/summary", params={"town": "青石镇", "village": "下坝村"})
    assert summary.status_code == 200
    assert "未消除" in summary.text
    assert "误报" not in summary.text and "有合同" not in summary.text


def test_village_summary_shows_income_spending_and_charts(app_store):
    client = _signed_in(app_store, "qingshi")
    listing = client.get("/villages")
    assert "下坝村" in listing.text and "河口村" not in listing.text
    page = client.get("/villages/summary", params={"town": "青石镇", "village": "下坝村"})
    assert "收支与疑点概况" in page.text
    # 541 管理费用 debits: 12,500.05 + 25,000.05 + 37,500.05 + 50,000.05
    assert "125,000.20 元" in page.text and "管理费用" in page.text
    # monthly, spending mix, findings by rule; the ledger books no income, so no income chart
    assert page.text.count("<svg") == 3
    assert re.search(r"收入构成</h2><p class=\"muted\">无数据", page.text)
    assert "现金支付超限" in page.text
    other = client.get("/villages/summary", params={"town": "白沙镇", "village": "河口村"})
    assert other.status_code == 404


def test_export_lists_cases_neutralises_formulas_and_keeps_the_filter(app_store):
    client = _signed_in(app_store, "qingshi")
    response = client.get("/queue/export.xlsx", params={"village": "下坝村"})
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = pd.read_excel(io.BytesIO(response.content), sheet_name="疑点清单", engine="calamine")
    assert len(sheet) == 2 and set(sheet["村"]) == {"下坝村"}
    assert list(sheet["凭证"]) == ["2023-03 记-1", "2023-03 记-3"]
    assert list(sheet["涉及金额（元）"]) == [12500.05, 37500.05]  # numbers, not text
    assert list(sheet["风险分"]) == [0.91, 0.89]
    assert sheet["疑点说明"][0].startswith("'=HYPERLINK(")
    assert set(sheet["违反规则"]) == {"现金支付超限、大额支出无决议"}


def test_admin_manages_users_and_others_cannot(app_store):
    inspector = _signed_in(app_store, "qingshi")
    assert inspector.get("/admin/users").status_code == 403
    admin = _signed_in(app_store, "admin")
    token = _token(admin.get("/admin/users").text)
    added = admin.post(
        "/admin/users",
        data={
            "username": "zhao",
            "password": "short",
            "role": "inspector",
            "towns": "白沙镇",
            "csrf_token": token,
        },
    )
    assert added.status_code == 400 and "密码至少 8 位" in added.text
    added = admin.post(
        "/admin/users",
        data={
            "username": "zhao",
            "password": PASSWORD,
            "role": "inspector",
            "towns": "白沙镇，青石镇",
            "csrf_token": token,
        },
    )
    assert "已添加用户 zhao" in added.text
    trail = admin.get("/admin/trail")
    assert "哈希链校验通过" in trail.text and "添加用户" in trail.text
    assert "scrypt$" not in trail.text


def test_changing_a_password_ends_that_users_sessions(app_store):
    client = _signed_in(app_store, "baisha")
    assert client.get("/queue").status_code == 200
    update_user(app_store, username="baisha", actor="admin", password="another-pass-1")
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sign_in_never_redirects_to_another_site(app_store):
    client = _client(app_store)
    token = _token(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": "qingshi",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example.com/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue"  # an inspector's first page


def test_secret_key_comes_from_the_settings_or_a_private_file(tmp_path):
    assert load_secret_key(tmp_path, "from-settings") == "from-settings"
    first = load_secret_key(tmp_path)
    assert len(first) >= 40 and load_secret_key(tmp_path) == first
    mode = stat.S_IMODE((tmp_path / "review_secret_key").stat().st_mode)
    assert mode == 0o600


def test_sign_in_and_decisions_leave_no_password_or_secret_in_the_logs(app_store, caplog):
    caplog.set_level(logging.DEBUG)
    client = _client(app_store)
    token = _token(client.get("/login").text)
    client.post(
        "/login", data={"username": "qingshi", "password": "wrong-guess-77", "csrf_token": token}
    )
    client.post("/login", data={"username": "qingshi", "password": PASSWORD, "csrf_token": token})
    client.get(_entry(QS_ENTRY))
    logged = caplog.text
    assert "wrong-guess-77" not in logged and PASSWORD not in logged
    assert "test-secret" not in logged and "scrypt$" not in logged


def test_app_from_settings_uses_the_data_dir_for_store_and_secret(tmp_path, monkeypatch):
    from flows.review_app import review_app
    from flows.settings import load_settings

    monkeypatch.setenv("SANZI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SANZI_DB_URL", raising=False)
    monkeypatch.delenv("SANZI_SECRET_KEY", raising=False)
    app = review_app(load_settings())
    client = TestClient(app)
    assert "登录" in client.get("/login").text
    assert (tmp_path / "review.sqlite3").exists()
    assert (tmp_path / "review_secret_key").exists()
    app.state.store.dispose()
