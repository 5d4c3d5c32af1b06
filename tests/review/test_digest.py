"""Run digests: town by town they add up to the whole run, and the store keeps the same from
a digest as from the entries themselves (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa

from review import tables
from review.db import Store
from review.digest import RunDigest, combine_digests, digest_entries
from review.reconcile import CELL
from review.store import RunChanges, record_run
from tests.review.ledgers import corrected_county, ledger_rows, quarantined_row, scored_frame

# Row order matters for these two; the others are compared sorted by these keys.
ORDERED = ["scope", "run_files"]
ROW_KEYS = {
    "flagged": ["entry_id"],
    "cases": ["case_id"],
    "voucher_lines": ["entry_id"],
    "village_accounts": [*CELL, "account_code"],
    "payee_periods": [*CELL, "counterparty"],
}
# Recording times and the audit trail's hashes over them differ between any two recordings.
VOLATILE_COLUMNS = {"recorded_at", "at", "hash", "prev_hash", "seal"}


def _county_entries(flagged_ids: set[str] | None = None) -> pd.DataFrame:
    """The test county's scored entries, voucher 2 paid to a second payee, shuffled so that no
    town's rows come in one block."""
    rows = ledger_rows()
    for row in rows:
        if row["voucher_number"] == 2:
            row["counterparty"] = "李四商店"
    return scored_frame(rows, flagged_ids).sample(frac=1, random_state=7)


def _by_town(entries: pd.DataFrame) -> RunDigest:
    """The combined digests of each town's entries, towns in reverse order of their names."""
    towns = sorted(entries["town"].unique(), reverse=True)
    return combine_digests([digest_entries(entries.loc[entries["town"] == t]) for t in towns])


def _assert_same_digest(combined: RunDigest, whole: RunDigest) -> None:
    for name in ORDERED:
        pd.testing.assert_frame_equal(getattr(combined, name), getattr(whole, name))
    for name, keys in ROW_KEYS.items():
        pd.testing.assert_frame_equal(
            getattr(combined, name).sort_values(keys, ignore_index=True),
            getattr(whole, name).sort_values(keys, ignore_index=True),
        )
    assert combined.n_entries == whole.n_entries


@pytest.mark.parametrize(
    "flagged_ids",
    [
        None,  # findings in every village
        {"青石镇/下坝村/2023-03/记-2/1", "青石镇/上坝村/2023-03/记-4/2"},  # none in 白沙镇
    ],
)
def test_town_digests_combined_equal_the_digest_of_the_whole_run(flagged_ids):
    entries = _county_entries(flagged_ids)
    whole = digest_entries(entries)

    _assert_same_digest(_by_town(entries), whole)
    # the comparison is not between empty frames
    assert whole.n_entries == len(entries) == 24
    assert len(whole.flagged) == (6 if flagged_ids is None else 2)
    assert len(whole.voucher_lines) == 2 * len(whole.flagged)
    # payee totals only for the payees of a finding, in the finding's town
    assert set(whole.payee_periods[["town", "counterparty"]].itertuples(index=False)) == set(
        whole.flagged[["town", "counterparty"]].itertuples(index=False)
    )
    assert list(whole.scope["town"].unique()) == ["白沙镇", "青石镇"]


def test_cases_keep_their_ids_when_the_files_are_renamed():
    rows = ledger_rows()
    renamed = [{**row, "source_file": f"更正后_{row['source_file']}"} for row in ledger_rows()]
    before, after = (digest_entries(scored_frame(lines)) for lines in (rows, renamed))
    assert sorted(before.cases["case_id"]) == sorted(after.cases["case_id"])
    assert len(before.cases) == 6


def test_the_digest_keeps_the_scored_columns_and_the_whole_vouchers_of_findings():
    entries = _county_entries().assign(feature_only_the_flow_needs=1.5)
    digest = digest_entries(entries)
    assert "feature_only_the_flow_needs" not in digest.flagged.columns
    assert digest.flagged["flagged"].all()
    lines = digest.voucher_lines.loc[digest.voucher_lines["village"] == "下坝村"]
    assert sorted(zip(lines["entry_id"].str[-5:], lines["flagged"], strict=True)) == [
        ("记-1/1", True),
        ("记-1/2", False),
        ("记-3/1", True),
        ("记-3/2", False),
    ]


def test_combining_no_digests_gives_empty_frames_with_the_digest_columns():
    empty = combine_digests([])
    some = digest_entries(_county_entries())
    for name in [*ORDERED, *ROW_KEYS]:
        assert getattr(empty, name).empty
        assert list(getattr(empty, name).columns) == list(getattr(some, name).columns)
    assert empty.n_entries == 0


def test_a_town_split_across_digests_is_refused():
    entries = _county_entries()
    by_village = [digest_entries(part) for _, part in entries.groupby("village")]
    with pytest.raises(ValueError, match="青石镇"):
        combine_digests(by_village)


def test_entries_without_scores_cannot_be_digested():
    with pytest.raises(ValueError, match="rank"):
        digest_entries(_county_entries().drop(columns=["rank"]))


def _record(store: Store, run_id: str, **source) -> RunChanges:
    return record_run(
        store,
        run_id=run_id,
        started_at="2026-11-24T08:00:00+00:00",
        finished_at="2026-11-24T08:01:00+00:00",
        inputs=["data/ledgers"],
        out_dir=f"/tmp/out/{run_id}",
        params={"county": "默认县"},
        rule_titles={"cash.over_ceiling": "现金支付超限"},
        **source,
    )


def _stored(store: Store) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order, without the recording times."""
    with store.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(
                    sa.select(
                        *(column for column in table.columns if column.name not in VOLATILE_COLUMNS)
                    ).order_by(*table.primary_key.columns)
                )
            ]
            for table in tables.metadata.sorted_tables
        }


def test_record_run_stores_the_same_from_a_digest_as_from_the_entries(store, twin_store):
    runs = {"run-1": _county_entries(), "run-2": corrected_county()}
    quarantine = quarantined_row()
    from_entries = [
        _record(store, run_id, entries=entries, quarantine=quarantine)
        for run_id, entries in runs.items()
    ]
    from_entries.append(_record(store, "run-3", entries=runs["run-2"].iloc[0:0]))
    from_digests = [
        _record(twin_store, run_id, digest=_by_town(entries), quarantine=quarantine)
        for run_id, entries in runs.items()
    ]
    from_digests.append(_record(twin_store, "run-3", digest=combine_digests([])))

    assert [changes.to_dict() for changes in from_digests] == [
        changes.to_dict() for changes in from_entries
    ]
    assert (from_digests[1].new, from_digests[1].resolved, from_digests[1].changed) == (1, 1, 1)
    stored = _stored(twin_store)
    assert stored == _stored(store)
    # run-2 copies the unchanged town's findings, but its voucher lines stay with run-1's
    assert [len(stored[name]) for name in ("findings", "voucher_lines", "payee_periods")] == [
        12,
        20,
        3,
    ]


def test_record_run_takes_either_entries_or_a_digest(store):
    entries = _county_entries()
    digest = digest_entries(entries)
    with pytest.raises(TypeError, match="exactly one"):
        _record(store, "run-1", entries=entries, digest=digest)
    with pytest.raises(TypeError, match="exactly one"):
        _record(store, "run-1")
    unscored = replace(digest, flagged=digest.flagged.drop(columns=["risk_score"]))
    with pytest.raises(ValueError, match="risk_score"):
        _record(store, "run-1", digest=unscored)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.runs)).scalar() == 0
