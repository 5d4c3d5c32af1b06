"""The inspectors' review web app: server-rendered pages in Simplified Chinese, no JavaScript.

Thin routes over the store's query functions; who may see what is decided by named
dependencies (signed-in user, role) and by the town filter every query applies. An inspector
asking for another town's entry gets 404, as if it did not exist.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from review.audit_trail import trail_rows, verify_audit_trail
from review.case_page import case_detail
from review.dispositions import VERDICTS, DispositionError, record_decision
from review.entry import entry_detail
from review.export import queue_workbook
from review.formatting import format_time, format_yuan
from review.queue import STATUS_LABELS, QueueFilter, filter_choices, queue_page, queue_rows
from review.runs import run_detail, run_history
from review.security import CSRF_FIELD, csrf_token, csrf_valid, security_headers
from review.store import Store
from review.users import ROLES, User, UserError, add_user, authenticate, get_user, list_users
from review.users import update_user as change_user
from review.village_summary import (
    bar_chart_svg,
    monthly_chart_svg,
    village_summary,
    visible_villages,
)

PACKAGE_DIR = Path(__file__).parent
SESSION_COOKIE = "sanzi_review"
logger = logging.getLogger(__name__)

templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
templates.env.filters["yuan"] = format_yuan
templates.env.filters["time"] = format_time
templates.env.globals.update(
    ROLES=ROLES, VERDICTS=VERDICTS, STATUS_LABELS=STATUS_LABELS, CSRF_FIELD=CSRF_FIELD
)


class SignInRequired(Exception):
    """Raised by :func:`current_user`; answered with a redirect to the sign-in page."""


def get_store(request: Request) -> Store:
    return request.app.state.store


def current_user(request: Request, store: Annotated[Store, Depends(get_store)]) -> User:
    """The signed-in, still active user whose password has not changed since sign-in."""
    username = request.session.get("username")
    user = get_user(store, username=username) if username else None
    if user is None or not user.active or request.session.get("tag") != user.credential_tag:
        request.session.pop("username", None)
        raise SignInRequired
    return user


def _role_guard(*roles: str):
    def guard(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="您的角色无权访问此页面")
        return user

    return guard


Reviewer = Annotated[User, Depends(_role_guard("inspector", "admin"))]
Admin = Annotated[User, Depends(_role_guard("admin"))]
AnyUser = Annotated[User, Depends(current_user)]
StoreDep = Annotated[Store, Depends(get_store)]


async def _check_csrf(request: Request) -> None:
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        raise HTTPException(status_code=403, detail="表单已过期或来源不明，请刷新页面后重试")


CsrfChecked = Depends(_check_csrf)


def _render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    flashes = request.session.pop("flash", []) if "flash" in request.session else []
    return templates.TemplateResponse(
        request,
        name,
        {"csrf_token": csrf_token(request), "flashes": flashes, **context},
        status_code=status_code,
    )


def _flash(request: Request, message: str) -> None:
    request.session["flash"] = [*request.session.get("flash", []), message]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def entry_url(entry_id: str) -> str:
    return "/entry?" + urlencode({"id": entry_id})


def case_url(case_id: str) -> str:
    return "/case?" + urlencode({"id": case_id})


def _safe_next(target: str | None) -> str:
    """Only paths inside this app; never another site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


templates.env.globals.update(entry_url=entry_url, case_url=case_url)


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
        return _redirect("/login?" + urlencode({"next": target}))

    @app.exception_handler(StarletteHTTPException)
    async def _error_page(request: Request, error: StarletteHTTPException) -> Response:
        messages = {404: "页面不存在，或您无权查看。", 403: "您无权执行此操作。"}
        detail = error.detail if isinstance(error.detail, str) and error.status_code != 404 else ""
        message = detail or messages.get(error.status_code, "请求无法完成。")
        return _render(
            request, "error.html", {"message": message, "user": None}, status_code=error.status_code
        )

    app.include_router(router)
    return app


router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _render(request, "login.html", {"next": _safe_next(next), "user": None})


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
        return _render(
            request,
            "login.html",
            {"next": _safe_next(next), "user": None, "error": "用户名或密码错误，或账号已停用"},
            status_code=401,
        )
    request.session.clear()  # a fresh session (and CSRF token) after sign-in
    request.session.update({"username": user.username, "tag": user.credential_tag})
    return _redirect(_safe_next(next))


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    request.session.clear()
    return _redirect("/login")


@router.get("/")
def home(user: AnyUser) -> Response:
    return _redirect("/queue" if user.sees_dispositions else "/runs")


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, store: StoreDep, user: Reviewer, page: int = 1) -> HTMLResponse:
    queue_filter = QueueFilter.from_query(dict(request.query_params))
    result = queue_page(store, user=user, queue_filter=queue_filter, page=page)
    params = queue_filter.query_params()
    return _render(
        request,
        "queue.html",
        {
            "user": user,
            "filter": queue_filter,
            "choices": filter_choices(store, user=user, town=queue_filter.town),
            "result": result,
            "query": urlencode(params),
            "export_url": "/queue/export.xlsx?" + urlencode(params),
        },
    )


@router.get("/queue/export.xlsx")
def export_queue(request: Request, store: StoreDep, user: Reviewer) -> Response:
    queue_filter = QueueFilter.from_query(dict(request.query_params))
    rows = queue_rows(store, user=user, queue_filter=queue_filter)
    filename = quote("疑点清单.xlsx")
    return Response(
        queue_workbook(rows, VERDICTS),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


def _entry_page(
    request: Request, store: Store, user: User, entry_id: str, **extra: Any
) -> HTMLResponse:
    detail = entry_detail(store, user=user, entry_id=entry_id)
    if detail is None:
        raise HTTPException(status_code=404)
    status = extra.pop("status_code", 200)
    return _render(request, "entry.html", {"user": user, "d": detail, **extra}, status_code=status)


@router.get("/entry", response_class=HTMLResponse)
def entry(request: Request, store: StoreDep, user: Reviewer, id: str = "") -> HTMLResponse:
    return _entry_page(request, store, user, id)


def _case_page(
    request: Request, store: Store, user: User, case_id: str, **extra: Any
) -> HTMLResponse:
    detail = case_detail(store, user=user, case_id=case_id)
    if detail is None:
        raise HTTPException(status_code=404)
    status = extra.pop("status_code", 200)
    return _render(request, "case.html", {"user": user, "d": detail, **extra}, status_code=status)


@router.get("/case", response_class=HTMLResponse)
def case(request: Request, store: StoreDep, user: Reviewer, id: str = "") -> HTMLResponse:
    return _case_page(request, store, user, id)


@router.post("/cases/decide", dependencies=[CsrfChecked])
def decide(
    request: Request,
    store: StoreDep,
    user: Reviewer,
    case_id: Annotated[str, Form()],
    verdict: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    if case_detail(store, user=user, case_id=case_id) is None:
        raise HTTPException(status_code=404)
    try:
        decided = record_decision(
            store, case_id=case_id, verdict=verdict, comment=comment, username=user.username
        )
    except DispositionError as error:
        return _case_page(
            request,
            store,
            user,
            case_id,
            error=str(error),
            verdict=verdict,
            comment=comment,
            status_code=400,
        )
    _flash(request, f"已记录复核结论：{VERDICTS[verdict]}（涉及 {decided['n_entries']} 条分录）")
    return _redirect(case_url(case_id))


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request, store: StoreDep, user: AnyUser) -> HTMLResponse:
    return _render(request, "runs.html", {"user": user, "runs": run_history(store, user=user)})


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run(request: Request, store: StoreDep, user: AnyUser, run_id: str) -> HTMLResponse:
    detail = run_detail(store, user=user, run_id=run_id)
    if detail is None:
        raise HTTPException(status_code=404)
    return _render(request, "run.html", {"user": user, **detail})


@router.get("/villages", response_class=HTMLResponse)
def villages(request: Request, store: StoreDep, user: AnyUser) -> HTMLResponse:
    listed = visible_villages(store, user=user)
    return _render(request, "villages.html", {"user": user, "villages": listed})


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
    return _render(request, "summary.html", {"user": user, "s": result, "charts": charts})


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, store: StoreDep, user: Admin) -> HTMLResponse:
    return _render(request, "users.html", {"user": user, "users": list_users(store)})


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
        return _render(
            request,
            "users.html",
            {"user": user, "users": list_users(store), "error": str(error)},
            status_code=400,
        )
    _flash(request, f"已添加用户 {username.strip()}")
    return _redirect("/admin/users")


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
        return _render(
            request,
            "users.html",
            {"user": user, "users": list_users(store), "error": str(error)},
            status_code=400,
        )
    _flash(request, f"已更新用户 {username}")
    return _redirect("/admin/users")


@router.get("/admin/trail", response_class=HTMLResponse)
def trail(request: Request, store: StoreDep, user: Admin) -> HTMLResponse:
    return _render(
        request,
        "trail.html",
        {"user": user, "rows": trail_rows(store), "check": verify_audit_trail(store)},
    )


def _split_towns(text: str) -> list[str]:
    """Towns typed as one line, separated by commas (either width), 、 or spaces."""
    for separator in ("，", "、", " ", "\u3000"):
        text = text.replace(separator, ",")
    return [town for town in text.split(",") if town.strip()]
