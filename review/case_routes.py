"""The inspectors' pages: the queue of cases, a case, an entry, deciding (one case or many),
case work (assigning, stages, evidence), the printable case file and the committee's export.

A case page opened from the queue carries the queue's filter in its address, so its previous
and next links, and "save and go to the next case", walk the queue the inspector was reading.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from review.case_page import case_detail
from review.case_work import STAGES, CaseWorkError, assign_case, set_stage
from review.db import Store
from review.dispositions import VERDICTS, DispositionError, StaleDecision, record_decision
from review.entry import entry_detail
from review.evidence import MAX_BYTES, EvidenceError, attach_evidence, evidence_for, evidence_path
from review.export import queue_workbook
from review.progress import review_progress
from review.queue import case_visible, filter_choices, queue_page, queue_rows, status_counts
from review.queue_filter import (
    ASSIGNEE_ME,
    ASSIGNEE_NONE,
    FILTER_STATUSES,
    KINDS,
    SORTS,
    QueueFilter,
    page_number,
)
from review.register_panel import register_line_detail
from review.users import User
from review.web import CsrfChecked, Reviewer, StoreDep, flash, redirect, render

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_of(params: Any) -> QueueFilter:
    return QueueFilter.from_query({key: value for key, value in params.items() if key != "id"})


def case_link(case_id: str, queue_filter: QueueFilter | None = None) -> str:
    params = {"id": case_id, **(queue_filter.query_params() if queue_filter else {})}
    return "/case?" + urlencode(params)


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, store: StoreDep, user: Reviewer) -> HTMLResponse:
    queue_filter = QueueFilter.from_query(dict(request.query_params))
    result = queue_page(store, user=user, queue_filter=queue_filter,
                        page=page_number(request.query_params.get("page")))
    params = queue_filter.query_params()
    status_links = {
        key: "/queue?" + urlencode(queue_filter.with_status(key).query_params())
        for key in FILTER_STATUSES
    }
    return render(request, "queue.html", {
        "user": user,
        "filter": queue_filter,
        "choices": filter_choices(store, user=user, town=queue_filter.town),
        "result": result,
        "counts": status_counts(store, user=user, queue_filter=queue_filter),
        "status_links": status_links,
        "progress": review_progress(store, user=user, town=queue_filter.town),
        "query": urlencode(params),
        "export_url": "/queue/export.xlsx?" + urlencode(params),
        "case_link": lambda case_id: case_link(case_id, queue_filter),
        "FILTER_STATUSES": FILTER_STATUSES, "SORTS": SORTS, "KINDS": KINDS,
        "ASSIGNEE_ME": ASSIGNEE_ME, "ASSIGNEE_NONE": ASSIGNEE_NONE,
    })


def _xlsx(content: bytes, filename: str) -> Response:
    return Response(content, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@router.get("/queue/export.xlsx")
def export_queue(request: Request, store: StoreDep, user: Reviewer) -> Response:
    queue_filter = QueueFilter.from_query(dict(request.query_params))
    rows = queue_rows(store, user=user, queue_filter=queue_filter)
    return _xlsx(queue_workbook(rows, VERDICTS, zone=request.app.state.zone), "疑点清单.xlsx")


@router.get("/cases/decided.xlsx")
def export_decided(request: Request, store: StoreDep, user: Reviewer, town: str = ""
                   ) -> Response:
    """A town's concluded cases with their decisions, for the discipline committee."""
    if town and not user.may_see_town(town):
        raise HTTPException(status_code=404)
    rows = queue_rows(store, user=user, queue_filter=QueueFilter(town=town, status="decided",
                                                                 sort="village"))
    name = f"{town or '全部乡镇'}已结论案件.xlsx"
    return _xlsx(queue_workbook(rows, VERDICTS, zone=request.app.state.zone,
                                sheet_name="已结论案件"), name)


@router.get("/entry", response_class=HTMLResponse)
def entry(request: Request, store: StoreDep, user: Reviewer, id: str = "") -> HTMLResponse:
    detail = entry_detail(store, user=user, entry_id=id)
    if detail is not None:
        return render(request, "entry.html", {"user": user, "d": detail})
    # a journal line a register finding rests on, flagged by no check of its own
    line = register_line_detail(store, user=user, entry_id=id)
    if line is None:
        raise HTTPException(status_code=404)
    return render(request, "register_line.html", {"user": user, **line})


def _case_page(request: Request, store: Store, user: User, case_id: str,
               queue_filter: QueueFilter, *, template: str = "case.html",
               status_code: int = 200, **extra: Any) -> HTMLResponse:
    detail = case_detail(store, user=user, case_id=case_id, queue_filter=queue_filter)
    if detail is None:
        raise HTTPException(status_code=404)
    params = queue_filter.query_params()
    return render(request, template, {
        "user": user, "d": detail, "filter_fields": params,
        "queue_url": "/queue?" + urlencode(params),
        "case_link": lambda other: case_link(other, queue_filter),
        "STAGES": STAGES, "MAX_EVIDENCE_MB": MAX_BYTES // (1024 * 1024), **extra,
    }, status_code=status_code)


@router.get("/case", response_class=HTMLResponse)
def case(request: Request, store: StoreDep, user: Reviewer, id: str = "") -> HTMLResponse:
    return _case_page(request, store, user, id, _filter_of(request.query_params))


@router.get("/case/print", response_class=HTMLResponse)
def case_print(request: Request, store: StoreDep, user: Reviewer, id: str = "") -> HTMLResponse:
    return _case_page(request, store, user, id, QueueFilter(status="all"),
                      template="case_print.html")


async def _form_filter(request: Request) -> QueueFilter:
    form = await request.form()
    return QueueFilter.from_query({key[2:]: str(value) for key, value in form.items()
                                   if key.startswith("f_")})


def _seen(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@router.post("/cases/decide", dependencies=[CsrfChecked])
async def decide(
    request: Request,
    store: StoreDep,
    user: Reviewer,
    case_id: Annotated[str, Form()],
    verdict: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    seen: Annotated[str, Form()] = "",
    then: Annotated[str, Form()] = "",
    next_case: Annotated[str, Form()] = "",
) -> Response:
    queue_filter = await _form_filter(request)
    if not case_visible(store, user=user, case_id=case_id):
        raise HTTPException(status_code=404)
    try:
        decided = record_decision(store, case_id=case_id, verdict=verdict, comment=comment,
                                  username=user.username, seen=_seen(seen))
    except StaleDecision as error:
        return _case_page(request, store, user, case_id, queue_filter, error=str(error),
                          stale=error.current, verdict=verdict, comment=comment,
                          status_code=409)
    except DispositionError as error:
        return _case_page(request, store, user, case_id, queue_filter, error=str(error),
                          verdict=verdict, comment=comment, status_code=400)
    flash(request, f"已记录复核结论：{VERDICTS[verdict]}（涉及 {decided['n_entries']} 条分录）")
    if then == "next" and next_case:
        return redirect(case_link(next_case, queue_filter))
    if then == "next":
        flash(request, "当前筛选条件下已没有下一个案件")
        return redirect("/queue?" + urlencode(queue_filter.query_params()))
    return redirect(case_link(case_id, queue_filter))


@router.post("/cases/bulk-decide", dependencies=[CsrfChecked])
async def bulk_decide(
    request: Request,
    store: StoreDep,
    user: Reviewer,
    verdict: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """One verdict and comment for the selected cases: each recorded as its own decision (and
    trail action); a case someone decided after the queue page was opened is left alone."""
    form = await request.form()
    queue_filter = await _form_filter(request)
    back = "/queue?" + urlencode(queue_filter.query_params())
    selected = [str(value) for value in form.getlist("case_id")]
    if not selected:
        flash(request, "请先勾选要批量复核的案件")
        return redirect(back)
    done, skipped = 0, []
    for case_id in selected:
        if not case_visible(store, user=user, case_id=case_id):
            raise HTTPException(status_code=404)
        try:
            seen = _seen(str(form.get(f"seen_{case_id}", "")))
            record_decision(store, case_id=case_id, verdict=verdict, comment=comment,
                            username=user.username, seen=seen)
            done += 1
        except StaleDecision:
            skipped.append(case_id)
        except DispositionError as error:
            flash(request, f"批量复核未保存：{error}")
            return redirect(back)
    message = f"已对 {done} 个案件记录复核结论：{VERDICTS[verdict]}"
    if skipped:
        message += f"；{len(skipped)} 个案件在您打开页面后已由他人复核，未修改，请逐一查看"
    flash(request, message)
    return redirect(back)


@router.post("/cases/assign", dependencies=[CsrfChecked])
async def assign(
    request: Request,
    store: StoreDep,
    user: Reviewer,
    case_id: Annotated[str, Form()],
    assignee: Annotated[str, Form()] = "",
) -> Response:
    queue_filter = await _form_filter(request)
    try:
        work = assign_case(store, case_id=case_id, assignee=assignee, actor=user)
    except CaseWorkError as error:
        return _case_page(request, store, user, case_id, queue_filter, work_error=str(error),
                          status_code=400)
    flash(request, f"已分派给 {work.assignee}" if work.assignee else "已取消分派")
    return redirect(case_link(case_id, queue_filter))


@router.post("/cases/stage", dependencies=[CsrfChecked])
async def stage(
    request: Request,
    store: StoreDep,
    user: Reviewer,
    case_id: Annotated[str, Form()],
    stage: Annotated[str, Form()] = "",
) -> Response:
    queue_filter = await _form_filter(request)
    try:
        work = set_stage(store, case_id=case_id, stage=stage, actor=user)
    except CaseWorkError as error:
        return _case_page(request, store, user, case_id, queue_filter, work_error=str(error),
                          status_code=400)
    flash(request, f"案件阶段：{work.stage_label}")
    return redirect(case_link(case_id, queue_filter))


@router.post("/cases/evidence", dependencies=[CsrfChecked])
async def upload_evidence(
    request: Request,
    store: StoreDep,
    user: Reviewer,
    case_id: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    note: Annotated[str, Form()] = "",
) -> Response:
    queue_filter = await _form_filter(request)
    root = getattr(request.app.state, "evidence_dir", None)
    try:
        if root is None:
            raise EvidenceError("未配置证据材料的存放目录，无法上传")
        content = await file.read(MAX_BYTES + 1)
        stored = attach_evidence(store, root=root, case_id=case_id,
                                 filename=file.filename or "", content=content, note=note,
                                 actor=user)
    except EvidenceError as error:
        return _case_page(request, store, user, case_id, queue_filter, evidence_error=str(error),
                          status_code=400)
    flash(request, f"已上传证据材料：{stored['filename']}")
    return redirect(case_link(case_id, queue_filter))


@router.get("/cases/evidence")
def download_evidence(request: Request, store: StoreDep, user: Reviewer, id: str = "") -> Response:
    found = evidence_for(store, evidence_id=int(id), user=user) if id.isdigit() else None
    root = getattr(request.app.state, "evidence_dir", None)
    if found is None or root is None or not evidence_path(root, found["sha256"]).exists():
        raise HTTPException(status_code=404)
    content = evidence_path(root, found["sha256"]).read_bytes()
    return Response(content, media_type=found["content_type"], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found['filename'])}"})
