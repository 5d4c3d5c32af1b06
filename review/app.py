"""The inspectors' review web app: server-rendered pages in Simplified Chinese.

Thin routes over the store's query functions; who may see what is decided by named
dependencies (signed-in user, role, review/web.py) and by the town filter every query applies.
An inspector asking for another town's case gets 404, as if it did not exist. This module
makes the app and holds signing in, runs, villages and administration; the inspectors' pages
are in review/case_routes.py.
"""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from review.audit_trail import trail_rows, verify_audit_trail
from review.case_routes import router as case_router
from review.runs import run_detail, run_history
from review.security import security_headers
from review.store import Store
from review.users import UserError, add_user, authenticate, list_users
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
    Admin,
    AnyUser,
    CsrfChecked,
    SignInRequired,
    StoreDep,
    flash,
    redirect,
    render,
    safe_next,
)

logger = logging.getLogger(__name__)


def create_app(
    store: Store, *, secret_key: str, secure_cookies: bool = False, session_hours: int = 8
) -> FastAPI:
    """The review app over ``store``; ``secure_cookies`` when it is served over HTTPS."""
    app = FastAPI(title="三资审计复核", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
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

    app.include_router(router)
    app.include_router(case_router)
    return app


router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(next), "user": None})


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    store: StoreDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = authenticate(store, username=username, password=password)
    if user is None:
        logger.info("sign-in refused for a user name of %d characters", len(username))
        return render(
            request,
            "login.html",
            {"next": safe_next(next), "user": None, "error": "用户名或密码错误，或账号已停用"},
            status_code=401,
        )
    request.session.clear()  # a fresh session (and CSRF token) after sign-in
    request.session.update({"username": user.username, "tag": user.credential_tag})
    return redirect(safe_next(next))


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect("/login")


@router.get("/")
def home(user: AnyUser) -> Response:
    return redirect("/queue" if user.sees_dispositions else "/runs")


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


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, store: StoreDep, user: Admin) -> HTMLResponse:
    return render(request, "users.html", {"user": user, "users": list_users(store)})


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
            {"user": user, "users": list_users(store), "error": str(error)},
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
            {"user": user, "users": list_users(store), "error": str(error)},
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
