"""What a run shows the operator in Prefect: the top flagged entries and a link to the review app.

The markdown summary is :mod:`flows.summary`; :func:`publish_run_artifacts` adds a small table of
the most suspicious entries and a link to the run's page in the review app. Must be called from
inside a flow run (Prefect attaches artifacts to the current run).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from prefect.artifacts import create_link_artifact, create_table_artifact

from flows.outputs import yuan_text

TOP_FINDINGS = 20
TOP_FINDINGS_KEY = "sanzi-audit-top-findings"
REVIEW_LINK_KEY = "sanzi-review-app"
_TEXT_LIMIT = 80


def _clipped(text: pd.Series) -> pd.Series:
    """Long texts cut to keep the table small; the full text is in findings.xlsx."""
    return text.where(text.str.len() <= _TEXT_LIMIT, text.str.slice(0, _TEXT_LIMIT - 1) + "…")


def top_findings_rows(scored: pd.DataFrame, limit: int = TOP_FINDINGS) -> list[dict[str, Any]]:
    """The ``limit`` best-ranked flagged entries as table rows with Chinese column names."""
    if scored.empty:
        return []
    top = scored.loc[scored["flagged"]].sort_values("rank").head(limit)
    table = pd.DataFrame(
        {
            "排名": top["rank"].astype("int64"),
            "村": top["town"] + "/" + top["village"],
            "凭证号": top["period"] + " " + top["voucher_no"],
            "摘要": _clipped(top["summary"]),
            "金额": yuan_text(top["debit_fen"] + top["credit_fen"]),
            "风险分": top["risk_score"].astype(float).round(3),
            "原因": _clipped(top["reasons"]),
        }
    )
    return table.to_dict(orient="records")


def review_link(run_id: str, review_url: str) -> str:
    """The run's page in the review app at ``review_url`` (the settings' ``SANZI_REVIEW_URL``)."""
    return f"{review_url.rstrip('/')}/runs/{run_id}"


def publish_run_artifacts(run_id: str, scored: pd.DataFrame, review_url: str) -> None:
    """Attach the top-findings table and the review-app link to the current flow run."""
    rows = top_findings_rows(scored)
    flagged = int(scored["flagged"].sum()) if not scored.empty else 0
    create_table_artifact(
        table=rows or [{"说明": "本次运行没有标记复核的分录"}],
        key=TOP_FINDINGS_KEY,
        description=f"风险最高的前 {TOP_FINDINGS} 条疑点（本次共标记 {flagged} 条）",
    )
    create_link_artifact(
        link=review_link(run_id, review_url),
        link_text="在复核网站查看本次运行的疑点",
        key=REVIEW_LINK_KEY,
        description="复核网站（纪委、监委会在此记录复核结论）",
    )
