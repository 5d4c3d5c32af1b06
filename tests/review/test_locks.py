"""The review app's locks: sign-in throttling, server-side sessions, the sealed and anchored
audit trail checked against the decisions, landing pages and bad query values.

Each test here fails when the lock it names is taken away; the throttle and the replayed
cookie are also tried in real Chromium (conftest.py: ``browser``, ``page``, ``live_server``).
"""

from __future__ import annotations

import base64
import json
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from flows.cli import EXIT_OK, EXIT_TAMPERED, USER_ROLES, main
from review import tables, throttle
from review.app import create_app
from review.audit_trail import anchor_head, append_action, row_hash, verify_audit_trail
from review.sessions import session_username
from review.store import record_run
from review.throttle import record_failure, sign_in_wait
from review.trail_anchor import TrailAnchor, TrailKeys, load_trail_key
from review.users import ROLES, add_user, get_user, update_user
from tests.review.ledgers import decide_entry, ledger_rows, scored_frame

PASSWORD = "correct-horse-9"
WRONG = "wrong-guess-77"
QS_ENTRY = "青石镇/下坝村/2023-03/记-1/1"
ADDRESS = "testclient"  # TestClient's client address


def _record(store, run_id: str = "run-0001") -> None:
    record_run(
        store,
        run_id=run_id,
        started_at="2026-11-24T08:00:00+00:00",
        finished_at="2026-11-24T08:02:00+00:00",
        inputs=["data/ledgers"],
        out_dir=f"/tmp/out/{run_id}",
        params={},
        entries=scored_frame(ledger_rows()),
        rule_titles={"cash.over_ceiling": "现金支付超限"},
    )


@pytest.fixture
def app_store(store):
    _record(store)
    add_user(store, username="admin", password=PASSWORD, role="admin")
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    add_user(store, username="zuzhang", password=PASSWORD, role="lead", towns=["青石镇"])
    add_user(store, username="agency", password=PASSWORD, role="agency", towns=["青石镇"])
    return store


def _client(store) -> TestClient:
    return TestClient(create_app(store, secret_key="test-secret"))


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/"):
    token = _token(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


def _signed_in(store, username: str) -> TestClient:
    client = _client(store)
    assert _sign_in(client, username).status_code == 303
    return client


def _actions(store, action: str) -> list[sa.Row]:
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(tables.audit_trail)
            .where(tables.audit_trail.c.action == action)
            .order_by(tables.audit_trail.c.seq)
        ).all()


# --- sign-in throttling ---------------------------------------------------------------------


def test_wrong_passwords_then_the_right_one_is_refused_and_recorded(app_store):
    client = _client(app_store)
    answers = [_sign_in(client, "qingshi", WRONG).status_code for _ in range(12)]
    # five checked and refused, then each attempt comes too soon: refused unchecked
    assert answers == [401] * 5 + [429] * 7
    right = _sign_in(client, "qingshi")
    assert right.status_code == 429
    assert "登录失败次数过多" in right.text and "秒后再试" in right.text
    assert client.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    failures = _actions(app_store, "auth.fail")
    assert [row.target for row in failures] == ["qingshi"] * 5
    assert [json.loads(row.after)["failures"] for row in failures] == [1, 2, 3, 4, 5]
    with app_store.engine.connect() as conn:
        trail_text = " ".join(conn.execute(sa.select(tables.audit_trail.c.after)).scalars())
    assert WRONG not in trail_text and PASSWORD not in trail_text
    assert _actions(app_store, "auth.sign_in") == []


def test_waits_double_then_the_account_locks_until_an_admin_unlocks_it(app_store):
    start = datetime.now(UTC) - timedelta(minutes=5)
    moment, waits = start, []
    for _ in range(10):
        wait = record_failure(app_store, username="qingshi", address="10.0.0.8", now=moment)
        waits.append(wait.seconds)
        moment += timedelta(seconds=wait.seconds + 1)  # each attempt waits its turn
    assert waits[:9] == [0, 0, 0, 0, 2, 4, 8, 16, 32]
    assert waits[9] == throttle.LOCKOUT.total_seconds()
    locked = sign_in_wait(app_store, username="qingshi", address="10.0.0.9")
    assert locked.locked and locked.seconds > 0 and "已被锁定" in locked.message()
    assert [row.target for row in _actions(app_store, "auth.lock")] == ["qingshi"]

    # the right password during the lockout does not sign in
    client = _client(app_store)
    refused = _sign_in(client, "qingshi")
    assert refused.status_code == 429 and "已被锁定" in refused.text

    admin = _signed_in(app_store, "admin")
    page = admin.get("/admin/users").text
    assert "登录锁定" in page and "解锁 qingshi" in page
    unlocked = admin.post(
        "/admin/users/unlock", data={"username": "qingshi", "csrf_token": _token(page)}
    )
    assert "已解除 qingshi 的登录锁定" in unlocked.text and "当前没有被锁定的账号" in unlocked.text
    assert [row.actor for row in _actions(app_store, "auth.unlock")] == ["admin"]
    assert _sign_in(client, "qingshi").headers["location"] == "/queue"
    assert [row.target for row in _actions(app_store, "auth.sign_in")] == ["admin", "qingshi"]


def test_one_address_trying_many_names_is_throttled_too(app_store):
    now = datetime.now(UTC)
    for number in range(throttle.ADDRESS_FREE_FAILURES):
        record_failure(app_store, username=f"guess{number}", address="10.9.9.9", now=now)
    wait = sign_in_wait(app_store, username="qingshi", address="10.9.9.9")
    assert wait.seconds > 0 and wait.scope == "address"
    assert sign_in_wait(app_store, username="qingshi", address="10.1.1.1").seconds == 0


# --- server-side sessions -------------------------------------------------------------------


def test_a_cookie_copied_before_sign_out_no_longer_works(app_store):
    client = _signed_in(app_store, "qingshi")
    copied = dict(client.cookies)
    assert client.get("/queue").status_code == 200
    client.post("/logout", data={"csrf_token": _token(client.get("/runs").text)})
    replay = _client(app_store)
    replay.cookies.update(copied)
    response = replay.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    with app_store.engine.connect() as conn:
        ended = conn.execute(sa.select(tables.sessions.c.ended_reason)).scalars().all()
    assert ended == ["sign_out"]
    assert [row.actor for row in _actions(app_store, "auth.sign_out")] == ["qingshi"]


def test_deactivation_and_password_change_end_sessions_for_good(app_store):
    inspector, lead = _signed_in(app_store, "qingshi"), _signed_in(app_store, "zuzhang")
    update_user(app_store, username="qingshi", actor="admin", active=False)
    update_user(app_store, username="qingshi", actor="admin", active=True)  # back, but...
    update_user(app_store, username="zuzhang", actor="admin", password="another-pass-1")
    for client in (inspector, lead):  # ...the sessions made before stay ended
        response = client.get("/queue", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    with app_store.engine.connect() as conn:
        reasons = dict(
            conn.execute(
                sa.select(tables.sessions.c.username, tables.sessions.c.ended_reason)
            ).all()
        )
    assert reasons == {"qingshi": "deactivated", "zuzhang": "password"}


def test_a_session_expires_after_the_configured_hours(app_store):
    client = TestClient(create_app(app_store, secret_key="test-secret", session_hours=2))
    assert _sign_in(client, "qingshi").status_code == 303
    session_id = _cookie_session(client)["sid"]
    assert "username" not in _cookie_session(client)  # the cookie names nobody
    now = datetime.now(UTC)
    assert session_username(app_store, session_id=session_id, now=now) == "qingshi"
    later = now + timedelta(hours=2, minutes=1)
    assert session_username(app_store, session_id=session_id, now=later) is None


def _cookie_session(client: TestClient) -> dict:
    payload = client.cookies["sanzi_review"].split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


# --- roles, landing and bad query values ----------------------------------------------------


def test_each_role_lands_on_a_page_it_may_see(app_store):
    client = _client(app_store)
    landed = _sign_in(client, "agency", next="/queue")
    assert landed.headers["location"] == "/runs"
    assert client.get("/runs").status_code == 200
    assert _sign_in(_client(app_store), "qingshi", next="/admin/users").headers["location"] == (
        "/queue"
    )
    assert _sign_in(_client(app_store), "agency", next="/villages").headers["location"] == (
        "/villages"
    )
    assert _sign_in(_client(app_store), "admin", next="/admin/trail").headers["location"] == (
        "/admin/trail"
    )


def test_the_group_leader_reviews_cases_and_may_assign(app_store):
    lead = _signed_in(app_store, "zuzhang")
    assert lead.get("/queue").status_code == 200
    assert lead.get("/admin/users").status_code == 403
    assert ROLES["lead"] == "纪检组长" and list(ROLES) == USER_ROLES
    admin = _signed_in(app_store, "admin")
    assert "纪检组长" in admin.get("/admin/users").text
    assert [
        get_user(app_store, username=name).may_assign
        for name in ("qingshi", "zuzhang", "admin", "agency")
    ] == [False, True, True, False]


def test_a_bad_value_gives_a_chinese_page_not_json(app_store):
    client = _signed_in(app_store, "qingshi")
    queue = client.get("/queue?page=abc")
    assert queue.headers["content-type"].startswith("text/html") and "疑点" in queue.text
    # a value FastAPI itself refuses (a form without its password)
    token = _token(client.get("/runs").text)
    response = client.post("/login", data={"username": "qingshi", "csrf_token": token})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "参数无效（password）" in response.text and "返回首页" in response.text


# --- the audit trail: decisions, seals and anchors ------------------------------------------


@contextmanager
def _around_the_triggers(store):
    """A connection that may update and delete trail rows, as someone with database access."""
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_trail DISABLE TRIGGER audit_trail_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_trail_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_trail_no_delete"))
        yield conn
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_trail ENABLE TRIGGER audit_trail_append_only"))


def _decided(store) -> str:
    _record(store)
    decide_entry(store, entry_id=QS_ENTRY, verdict="explained", comment="先说明", username="a")
    decided = decide_entry(
        store, entry_id=QS_ENTRY, verdict="confirmed", comment="属实", username="b"
    )
    assert verify_audit_trail(store).ok
    return decided["case_id"]


def test_a_decision_edited_in_the_database_is_reported_with_its_case(store):
    case_id = _decided(store)
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(tables.dispositions)
            .where(tables.dispositions.c.verdict == "confirmed")
            .values(verdict="false_alarm")
        )
    check = verify_audit_trail(store)
    assert not check.ok and check.first_bad_seq is None
    assert case_id in check.message() and QS_ENTRY in check.message()
    assert "「误报」" in check.message() and "「属实」" in check.message()


@pytest.mark.parametrize("change", ["insert", "delete", "reorder"])
def test_decisions_added_removed_or_reordered_in_the_database_are_reported(store, change):
    case_id = _decided(store)
    with store.engine.begin() as conn:
        rows = conn.execute(
            sa.select(tables.dispositions).order_by(tables.dispositions.c.disposition_id)
        ).all()
        if change == "insert":
            added = {**rows[-1]._asdict(), "verdict": "false_alarm"}
            del added["disposition_id"]
            conn.execute(sa.insert(tables.dispositions), [added])
        elif change == "delete":
            conn.execute(
                sa.delete(tables.dispositions).where(
                    tables.dispositions.c.disposition_id == rows[-1].disposition_id
                )
            )
        else:  # the earlier decision made the one in force
            for row, other in ((rows[0], rows[-1]), (rows[-1], rows[0])):
                conn.execute(
                    sa.update(tables.dispositions)
                    .where(tables.dispositions.c.disposition_id == row.disposition_id)
                    .values(verdict=other.verdict, comment=other.comment, username=other.username)
                )
    check = verify_audit_trail(store)
    assert not check.ok and case_id in check.message()


def _rewrite_from(conn, k: int, *, seal: str) -> None:
    """Alter the rows from ``k`` on and recompute the hashes with the plain chain formula;
    ``seal``: keep the old seals or clear them."""
    rows = conn.execute(
        sa.select(tables.audit_trail)
        .where(tables.audit_trail.c.seq >= k - 1)
        .order_by(tables.audit_trail.c.seq)
    ).all()
    prev_hash = rows[0].hash if k > 1 else None
    for row in rows[1:] if k > 1 else rows:
        fields = row._asdict()
        fields.pop("hash")
        old_seal = fields.pop("seal")
        after = fields["after"].replace("属实", "误报")
        fields["after"] = after.replace("confirmed", "false_alarm")
        fields["actor"] += "·"
        fields["prev_hash"] = prev_hash or fields["prev_hash"]
        new_hash = row_hash(**fields)
        conn.execute(
            sa.update(tables.audit_trail)
            .where(tables.audit_trail.c.seq == row.seq)
            .values(
                after=fields["after"],
                actor=fields["actor"],
                prev_hash=fields["prev_hash"],
                hash=new_hash,
                seal=old_seal if seal == "keep" else None,
            )
        )
        prev_hash = new_hash


@pytest.mark.parametrize("seal", ["keep", "clear"])
def test_a_trail_rewritten_from_a_row_on_with_recomputed_hashes_is_detected(store, seal):
    _decided(store)
    with _around_the_triggers(store) as conn:
        conn.execute(
            sa.update(tables.dispositions)
            .where(tables.dispositions.c.verdict == "confirmed")
            .values(verdict="false_alarm")
        )
        _rewrite_from(conn, 3, seal=seal)
    check = verify_audit_trail(store)
    assert not check.ok and check.first_bad_seq == 3
    assert "印章" in check.message()


def test_rows_deleted_from_the_end_of_the_trail_are_detected(store):
    _decided(store)
    with store.engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(tables.audit_trail.c.seq))).scalar_one()
    with _around_the_triggers(store) as conn:
        conn.execute(
            sa.delete(tables.dispositions).where(tables.dispositions.c.verdict == "confirmed")
        )
        conn.execute(sa.delete(tables.audit_trail).where(tables.audit_trail.c.seq == last))
    check = verify_audit_trail(store)
    assert not check.ok and "末尾记录被删除" in check.message()


def _legacy_trail(store, count: int) -> None:
    """Rows as written before seals existed (migration 0008): hash-chained, no seal."""
    prev_hash = "0" * 64
    with store.engine.begin() as conn:
        for seq in range(1, count + 1):
            record = {
                "seq": seq,
                "at": f"2026-11-2{seq}T08:00:00.000000+00:00",
                "actor": "system",
                "action": "run.record",
                "target": f"run-{seq}",
                "before": "null",
                "after": json.dumps({"n": seq}),
                "prev_hash": prev_hash,
            }
            prev_hash = row_hash(**record)
            conn.execute(sa.insert(tables.audit_trail), [{**record, "hash": prev_hash}])


def test_rows_from_before_the_seals_are_counted_and_anchored_at_first_use(store, tmp_path):
    anchor = TrailAnchor(key=b"k" * 32, anchor_path=tmp_path / "trail_anchors.log")
    _legacy_trail(store, 3)
    check = verify_audit_trail(store, anchor=anchor)  # the first use anchors the head
    assert check.ok and check.unsealed == 3 and "前 3 条记录写于启用密钥印章之前" in check.message()
    with _around_the_triggers(store) as conn:
        _rewrite_from(conn, 2, seal="clear")
    rewritten = verify_audit_trail(store, anchor=anchor)
    assert not rewritten.ok and "与链外锚点记录的哈希不符" in rewritten.message()


def test_the_whole_unsealed_trail_replaced_is_detected(store, tmp_path):
    anchor = TrailAnchor(key=b"k" * 32, anchor_path=tmp_path / "trail_anchors.log")
    _legacy_trail(store, 2)
    anchor_head(store, anchor=anchor)
    with _around_the_triggers(store) as conn:
        _rewrite_from(conn, 1, seal="clear")
    check = verify_audit_trail(store, anchor=anchor)
    assert not check.ok and "整个日志被替换" in check.message()


def test_a_new_action_seals_the_rows_before_it(store, tmp_path):
    anchor = TrailAnchor(key=b"k" * 32, anchor_path=tmp_path / "other.log")  # no anchors
    _legacy_trail(store, 3)
    with store.engine.begin() as conn:
        append_action(conn, actor="system", action="run.record", target="run-4", anchor=anchor)
    with _around_the_triggers(store) as conn:
        _rewrite_from(conn, 2, seal="keep")
    fresh = TrailAnchor(key=b"k" * 32, anchor_path=tmp_path / "fresh.log")
    check = verify_audit_trail(store, anchor=fresh)
    assert not check.ok and check.first_bad_seq == 4


def test_the_trail_key_is_kept_private_or_taken_from_the_settings(tmp_path):
    given = TrailKeys(tmp_path, "from-settings").anchor()
    assert given.key == b"from-settings" and not (tmp_path / "trail_key").exists()
    assert TrailKeys(tmp_path).anchor(create=False).key is None
    assert load_trail_key(tmp_path, create=False) is None
    key = TrailKeys(tmp_path).anchor().key
    assert len(key) >= 40 and load_trail_key(tmp_path, create=False) == key
    assert (tmp_path / "trail_key").stat().st_mode & 0o777 == 0o600


def test_verify_trail_command_says_what_is_wrong_and_exits_non_zero(store, monkeypatch, capsys):
    _decided(store)
    monkeypatch.setenv("SANZI_DB_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SANZI_DATA_DIR", str(store.trail.data_dir))  # the key that sealed it
    assert main(["verify-trail"]) == EXIT_OK
    assert "哈希链校验通过" in capsys.readouterr().out
    with store.engine.begin() as conn:
        conn.execute(sa.update(tables.dispositions).values(verdict="false_alarm"))
    assert main(["verify-trail"]) == EXIT_TAMPERED
    out = capsys.readouterr().out
    assert "复核结论与审计日志不符" in out and QS_ENTRY in out


def test_the_admin_trail_page_shows_the_same_check(app_store):
    decide_entry(
        app_store, entry_id=QS_ENTRY, verdict="confirmed", comment="属实", username="qingshi"
    )
    with app_store.engine.begin() as conn:
        conn.execute(sa.update(tables.dispositions).values(verdict="false_alarm"))
    page = _signed_in(app_store, "admin").get("/admin/trail").text
    assert "复核结论与审计日志不符" in page and "结论被直接修改" in page


# --- in Chromium ------------------------------------------------------------------------------


@pytest.fixture
def live_store(store):
    """The review store (SQLite, then PostgreSQL) with one run and an inspector."""
    _record(store)
    add_user(store, username="qingshi", password=PASSWORD, role="inspector", towns=["青石镇"])
    return store


def _browser_sign_in(page, base: str, password: str) -> None:
    page.goto(base + "/queue")
    page.get_by_label("用户名").fill("qingshi")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_browser_wrong_passwords_lock_out_the_right_one(page, live_server, live_store):
    for _ in range(6):
        _browser_sign_in(page, live_server, WRONG)
        assert page.locator("h1").inner_text() == "登录"
    assert "登录失败次数过多" in page.get_by_role("alert").inner_text()
    _browser_sign_in(page, live_server, PASSWORD)
    assert page.locator("h1").inner_text() == "登录"
    assert "秒后再试" in page.get_by_role("alert").inner_text()


def test_browser_a_copied_cookie_is_refused_after_sign_out(browser, page, live_server):
    _browser_sign_in(page, live_server, PASSWORD)
    assert page.locator("h1").inner_text() != "登录"
    copied = page.context.cookies()
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    other = browser.new_context(locale="zh-CN")
    other.add_cookies(copied)
    replay = other.new_page()
    replay.goto(live_server + "/queue")
    assert replay.locator("h1").inner_text() == "登录"
    other.close()
