"""What every page of the review app shares: templates, rendering, the signed-in user and
role guards, CSRF checking, where a user lands, and URLs of cases and entries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from review.db import Store
from review.dispositions import VERDICTS
from review.formatting import format_time, format_yuan
from review.queue import STATUS_LABELS
from review.register_panel import SUBJECT_KINDS
from review.security import CSRF_FIELD, csrf_token, csrf_valid
from review.sessions import session_username
from review.users import REVIEW_ROLES, ROLES, User, get_user

PACKAGE_DIR = Path(__file__).parent
SESSION_COOKIE = "sanzi_review"
SESSION_ID = "sid"  # the cookie's key for the session id (review/sessions.py)



@pass_context
def _time(context: Context, moment: Any) -> str:
    """A stored time in the app's zone (``create_app``'s ``zone``)."""
    return format_time(moment, context["request"].app.state.zone)


templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")
templates.env.filters["yuan"] = format_yuan
templates.env.filters["time"] = _time
templates.env.globals.update(
    ROLES=ROLES, VERDICTS=VERDICTS, STATUS_LABELS=STATUS_LABELS, CSRF_FIELD=CSRF_FIELD
)


class SignInRequired(Exception):
    """Raised by :func:`current_user`; answered with a redirect to the sign-in page."""


def get_store(request: Request) -> Store:
    return request.app.state.store


def current_user(request: Request, store: Annotated[Store, Depends(get_store)]) -> User:
    """The user of the cookie's live session (not ended, not expired), still active, whose
    password has not changed since sign-in."""
    session_id = request.session.get(SESSION_ID)
    username = session_username(store, session_id=session_id) if session_id else None
    user = get_user(store, username=username) if username else None
    if user is None or not user.active or request.session.get("tag") != user.credential_tag:
        for key in (SESSION_ID, "tag"):
            request.session.pop(key, None)
        raise SignInRequired
    return user


def role_guard(*roles: str):
    def guard(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="您的角色无权访问此页面")
        return user

    guard.roles = frozenset(roles)  # read by page_roles: where a user may land
    return guard


Reviewer = Annotated[User, Depends(role_guard(*sorted(REVIEW_ROLES)))]
Admin = Annotated[User, Depends(role_guard("admin"))]
AnyUser = Annotated[User, Depends(current_user)]
StoreDep = Annotated[Store, Depends(get_store)]


async def check_csrf(request: Request) -> None:
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        raise HTTPException(status_code=403, detail="表单已过期或来源不明，请刷新页面后重试")


CsrfChecked = Depends(check_csrf)


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    flashes = request.session.pop("flash", []) if "flash" in request.session else []
    return templates.TemplateResponse(
        request,
        name,
        {"csrf_token": csrf_token(request), "flashes": flashes, **context},
        status_code=status_code,
    )


def flash(request: Request, message: str) -> None:
    request.session["flash"] = [*request.session.get("flash", []), message]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def entry_url(entry_id: str) -> str:
    return "/entry?" + urlencode({"id": entry_id})


def case_url(case_id: str) -> str:
    return "/case?" + urlencode({"id": case_id})


def safe_next(target: str | None) -> str:
    """Only paths inside this app; never another site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def home_path(user: User) -> str:
    """A role's first page: the case queue for those who decide cases, else the runs."""
    return "/queue" if user.sees_dispositions else "/runs"


def _guarded_roles(dependant: Dependant) -> frozenset[str] | None:
    for dependency in dependant.dependencies:
        roles = getattr(dependency.call, "roles", None) or _guarded_roles(dependency)
        if roles:
            return roles
    return None


def page_roles(app: FastAPI, path: str) -> frozenset[str] | None:
    """The roles that may see the page at ``path`` (None: every signed-in user), as its
    route's guard says; an empty set when no page is there. ``app.state.pages``: the routes
    of the app's pages (its routers' routes)."""
    for route in app.state.pages:
        if isinstance(route, APIRoute) and "GET" in route.methods and route.path_regex.match(path):
            return _guarded_roles(route.dependant)
    return frozenset()


def landing(app: FastAPI, user: User, target: str | None) -> str:
    """Where ``user`` goes after signing in: ``target`` if it is a page of this app they may
    see, else their role's first page."""
    target = safe_next(target)
    roles = page_roles(app, target.split("?", 1)[0])
    if (
        target == "/"
        or target.startswith("/login")
        or (roles is not None and user.role not in roles)
    ):
        return home_path(user)
    return target


templates.env.globals.update(entry_url=entry_url, case_url=case_url,
                             REGISTER_KINDS=SUBJECT_KINDS)
