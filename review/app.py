"""The inspectors' review web app: server-rendered pages in Simplified Chinese.

Thin routes over the store's query functions; who may see what is decided by named
dependencies (signed-in user, role, review/web.py) and by the town filter every query applies.
An inspector asking for another town's case gets 404, as if it did not exist. This module
makes the app and holds signing in, runs, villages and administration; the inspectors' pages
are in review/case_routes.py. Signing in is throttled (review/throttle.py) and makes a session
kept in the database (review/sessions.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from review.audit_trail import anchor_head, append_action, trail_rows, verify_audit_trail
from review.case_routes import router as case_router
from review.db import Store
from review.formatting import DEFAULT_ZONE
from review.runs import run_detail, run_history
from review.scorecards_routes import router as scorecard_router
from review.security import security_headers
from review.sessions import end_session, start_session
from review.throttle import (
    locked_accounts,
    record_failure,
    record_success,
    sign_in_wait,
    unlock_account,
)
from review.users import User, UserError, add_user, authenticate, list_users
from review.users import update_user as change_user
from review.village_summary import (
    bar_chart_svg,
    monthly_chart_svg,
    village_summary,
    visible_villages,
)
from review.web import (
    PACKAGE_DIR,
    SESSION_COOKIE,
    SESSION_ID,
    Admin,
    AnyUser,
    CsrfChecked,
    SignInRequired,
    StoreDep,
    flash,
    home_path,
    landing,
    redirect,
    render,
    safe_next,
)

logger = logging.getLogger(__name__)


def create_app(
    store: Store,
    *,
    secret_key: str,
    secure_cookies: bool = False,
    session_hours: int = 8,
    evidence_dir: Path | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> FastAPI:
    """The review app over ``store``; ``secure_cookies`` when it is served over HTTPS;
    a session ends ``session_hours`` after sign-in; evidence attached to cases is kept in
    ``evidence_dir`` (none: uploads are refused); times are shown in ``zone``. Anchors the
    audit trail's head. Takes values, reads no environment: the program's settings are read
    at its edge (flows/review_app.py)."""
    app = FastAPI(title="三资审计复核", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.evidence_dir = evidence_dir
    app.state.session_hours = session_hours
    app.state.zone = zone
    anchor_head(store)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=session_hours * 3600,
        same_site="lax",
        https_only=secure_cookies,
    )
    app.middleware("http")(security_headers)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")

    @app.exception_handler(SignInRequired)
    async def _to_sign_in(request: Request, _error: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":  # a form posted after the session ended: start afresh
            target = "/"
        return redirect("/login?" + urlencode({"next": target}))

    @app.exception_handler(StarletteHTTPException)
    async def _error_page(request: Request, error: StarletteHTTPException) -> Response:
        messages = {404: "页面不存在，或您无权查看。", 403: "您无权执行此操作。"}
        detail = error.detail if isinstance(error.detail, str) and error.status_code != 404 else ""
        message = detail or messages.get(error.status_code, "请求无法完成。")
        return render(
            request, "error.html", {"message": message, "user": None}, status_code=error.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, error: RequestValidationError) -> Response:
        names = sorted({str(problem["loc"][-1]) for problem in error.errors() if problem["loc"]})
        message = f"请求中的参数无效（{'、'.join(names)}），请检查链接或返回上一页重试。"
        return render(request, "error.html", {"message": message, "user": None}, status_code=400)

    app.state.pages = []
    for part in (router, case_router, scorecard_router):
        app.include_router(part)
        app.state.pages.extend(part.routes)
    return app


router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(next), "user": None})


def _address(request: Request) -> str:
    return request.client.host[:64] if request.client else "unknown"


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    store: StoreDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = _address(request)
    wait = sign_in_wait(store, username=username, address=address)
    if wait.seconds:  # refused without checking the password
        logger.info("sign-in refused for %d s (%s throttled)", wait.seconds, wait.scope)
        return _sign_in_refused(request, next, wait.message(), status_code=429)
    user = authenticate(store, username=username, password=password)
    if user is None:
        logger.info("sign-in failed for a user name of %d characters", len(username))
        wait = record_failure(store, username=username, address=address)
        message = "用户名或密码错误，或账号已停用。" + (wait.message() if wait.seconds else "")
        return _sign_in_refused(request, next, message, status_code=401)
    with store.engine.begin() as conn:
        record_success(conn, anchor=store.trail.anchor(), username=user.username,
                       address=address)
        session_id = start_session(
            conn, username=user.username, hours=request.app.state.session_hours
        )
    request.session.clear()  # a fresh session (and CSRF token) after sign-in
    request.session.update({SESSION_ID: session_id, "tag": user.credential_tag})
    return redirect(landing(request.app, user, next))


def _sign_in_refused(request: Request, next: str, message: str, *, status_code: int) -> Response:
    return render(
        request,
        "login.html",
        {"next": safe_next(next), "user": None, "error": message},
        status_code=status_code,
    )


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, store: StoreDep) -> Response:
    session_id = request.session.get(SESSION_ID)
    username = end_session(store, session_id=session_id) if session_id else None
    if username:
        with store.engine.begin() as conn:
            append_action(conn, anchor=store.trail.anchor(), actor=username,
                          action="auth.sign_out", target=username)
    request.session.clear()
    return redirect("/login")


@router.get("/")
def home(user: AnyUser) -> Response:
    return redirect(home_path(user))


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request, store: StoreDep, user: AnyUser) -> HTMLResponse:
    return render(request, "runs.html", {"user": user, "runs": run_history(store, user=user)})


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run(request: Request, store: StoreDep, user: AnyUser, run_id: str) -> HTMLResponse:
    detail = run_detail(store, user=user, run_id=run_id)
    if detail is None:
        raise HTTPException(status_code=404)
    return render(request, "run.html", {"user": user, **detail})


@router.get("/villages", response_class=HTMLResponse)
def villages(request: Request, store: StoreDep, user: AnyUser) -> HTMLResponse:
    listed = visible_villages(store, user=user)
    return render(request, "villages.html", {"user": user, "villages": listed})


@router.get("/villages/summary", response_class=HTMLResponse)
def summary(
    request: Request, store: StoreDep, user: AnyUser, town: str = "", village: str = ""
) -> HTMLResponse:
    result = village_summary(store, user=user, town=town, village=village)
    if result is None:
        raise HTTPException(status_code=404)
    charts = {
        "spending": bar_chart_svg(result.spending_mix, colour="#c0623b"),
        "income": bar_chart_svg(result.income_mix, colour="#3b8a4a"),
        "monthly": monthly_chart_svg(result.monthly),
        "rules": bar_chart_svg(result.findings_by_rule, unit_fen=False),
    }
    return render(request, "summary.html", {"user": user, "s": result, "charts": charts})


def _users_page(store: Store, user: User, **extra: object) -> dict[str, object]:
    return {"user": user, "users": list_users(store), "locked": locked_accounts(store), **extra}


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, store: StoreDep, user: Admin) -> HTMLResponse:
    return render(request, "users.html", _users_page(store, user))


@router.post("/admin/users/unlock", dependencies=[CsrfChecked])
def unlock(
    request: Request, store: StoreDep, user: Admin, username: Annotated[str, Form()]
) -> Response:
    unlock_account(store, username=username, actor=user.username)
    flash(request, f"已解除 {username} 的登录锁定")
    return redirect("/admin/users")


@router.post("/admin/users", dependencies=[CsrfChecked])
def create_user(
    request: Request,
    store: StoreDep,
    user: Admin,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    towns: Annotated[str, Form()] = "",
) -> Response:
    try:
        add_user(
            store,
            username=username,
            password=password,
            role=role,
            towns=_split_towns(towns),
            actor=user.username,
        )
    except UserError as error:
        return render(
            request,
            "users.html",
            _users_page(store, user, error=str(error)),
            status_code=400,
        )
    flash(request, f"已添加用户 {username.strip()}")
    return redirect("/admin/users")


@router.post("/admin/users/update", dependencies=[CsrfChecked])
def update_user(
    request: Request,
    store: StoreDep,
    user: Admin,
    username: Annotated[str, Form()],
    role: Annotated[str, Form()],
    towns: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    try:
        change_user(
            store,
            username=username,
            actor=user.username,
            role=role,
            towns=_split_towns(towns),
            password=password or None,
            active=active == "on",
        )
    except UserError as error:
        return render(
            request,
            "users.html",
            _users_page(store, user, error=str(error)),
            status_code=400,
        )
    flash(request, f"已更新用户 {username}")
    return redirect("/admin/users")


@router.get("/admin/trail", response_class=HTMLResponse)
def trail(request: Request, store: StoreDep, user: Admin) -> HTMLResponse:
    return render(
        request,
        "trail.html",
        {"user": user, "rows": trail_rows(store), "check": verify_audit_trail(store)},
    )


def _split_towns(text: str) -> list[str]:
    """Towns typed as one line, separated by commas (either width), 、 or spaces."""
    for separator in ("，", "、", " ", "\u3000"):
        text = text.replace(separator, ",")
    return [town for town in text.split(",") if town.strip()]
