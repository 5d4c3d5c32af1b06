"""The operator's artifacts: the top flagged entries as a small table and the review-app link."""

import json

import pandas as pd
import pytest

from flows.artifacts import (
    REVIEW_LINK_KEY,
    TOP_FINDINGS_KEY,
    publish_run_artifacts,
    review_link,
    top_findings_rows,
)
from flows.settings import load_settings


def _scored() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "town": ["白沙乡", "白沙乡", "青石镇"],
            "village": ["河岭村", "田沟村", "王垭村"],
            "period": ["2024-01", "2024-02", "2024-03"],
            "voucher_no": ["记-1", "记-7", "记-9"],
            "summary": ["招待费", "付工程款" + "很长" * 60, "收租金"],
            "debit_fen": [120005, 0, 0],
            "credit_fen": [0, 30000000, 5000],
            "risk_score": [0.61234, 0.9, 0.1],
            "reasons": ["村级不得开支招待费", "工程款未招标", ""],
            "flagged": [True, True, False],
            "rank": pd.array([2, 1, pd.NA], dtype="Int64"),
        }
    )


def test_top_findings_are_the_flagged_entries_in_rank_order():
    rows = top_findings_rows(_scored())
    assert [row["排名"] for row in rows] == [1, 2]
    assert rows[1] == {
        "排名": 2, "村": "白沙乡/河岭村", "凭证号": "2024-01 记-1", "摘要": "招待费",
        "金额": "1200.05", "风险分": 0.612, "原因": "村级不得开支招待费",
    }
    assert rows[0]["金额"] == "300000.00"
    assert len(rows[0]["摘要"]) == 80 and rows[0]["摘要"].endswith("…")


def test_top_findings_keep_only_the_limit_and_nothing_when_empty():
    assert [row["排名"] for row in top_findings_rows(_scored(), limit=1)] == [1]
    assert top_findings_rows(_scored().iloc[0:0]) == []


def test_review_link_points_at_the_run_page(monkeypatch):
    monkeypatch.delenv("SANZI_REVIEW_URL", raising=False)
    assert review_link("abc", load_settings().review_url) == "http://127.0.0.1:8000/runs/abc"
    monkeypatch.setenv("SANZI_REVIEW_URL", "https://shenji.example.cn/")
    assert review_link("abc", load_settings().review_url) == "https://shenji.example.cn/runs/abc"


@pytest.mark.prefect
def test_published_artifacts_are_stored_in_prefect(prefect_harness):
    from prefect import flow, runtime
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    @flow(name="publish-artifacts-test")
    def publish() -> str:
        publish_run_artifacts("run-42", _scored(), review_url="http://review.test")
        return str(runtime.flow_run.id)

    flow_run_id = publish()

    # this flow run's artifacts only: other flow tests of the session publish under the same keys
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[TOP_FINDINGS_KEY, REVIEW_LINK_KEY]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
            )
        )
    by_key = {artifact.key: artifact for artifact in artifacts}
    assert "(http://review.test/runs/run-42)" in by_key[REVIEW_LINK_KEY].data
    assert by_key[TOP_FINDINGS_KEY].type == "table"
    table = json.loads(by_key[TOP_FINDINGS_KEY].data)
    assert [(row["排名"], row["村"]) for row in table] == [
        (1, "白沙乡/田沟村"), (2, "白沙乡/河岭村")
    ]
    assert {str(artifact.flow_run_id) for artifact in artifacts} == {flow_run_id}
