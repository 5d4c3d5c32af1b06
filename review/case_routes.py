"""The inspectors' pages: the queue of cases, a case, an entry, and deciding."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from review.case_page import case_detail
from review.dispositions import VERDICTS, DispositionError, record_decision
from review.entry import entry_detail
from review.export import queue_workbook
from review.queue import QueueFilter, filter_choices, queue_page, queue_rows
from review.store import Store
from review.users import User
from review.web import CsrfChecked, Reviewer, StoreDep, case_url, flash, redirect, render

router = APIRouter()


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, store: StoreDep, user: Reviewer, page: int = 1) -> HTMLResponse:
    queue_filter = QueueFilter.from_query(dict(request.query_params))
    result = queue_page(store, user=user, queue_filter=queue_filter, page=page)
    params = queue_filter.query_params()
    return render(
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
    return render(request, "entry.html", {"user": user, "d": detail, **extra}, status_code=status)


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
    return render(request, "case.html", {"user": user, "d": detail, **extra}, status_code=status)


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
    flash(request, f"已记录复核结论：{VERDICTS[verdict]}（涉及 {decided['n_entries']} 条分录）")
    return redirect(case_url(case_id))
