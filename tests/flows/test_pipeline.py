"""The town-by-town stages as plain functions: parts on disk, and the partition's promise that
auditing each town alone finds what auditing the whole county at once finds."""

import json
import shutil
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from checks.params import load_params
from checks.rules import RULES, evaluate_rules
from checks.signals import SIGNALS
from flows import parts as parts_module
from flows import pipeline
from flows.ingest import ReadOptions, assign_entry_ids
from flows.parts import (
    file_digest,
    part_exists,
    part_key,
    part_summary,
    read_ahead_tables,
    read_part,
    read_parts,
    read_table,
    write_part,
)
from flows.stages import ingest as ingest_stage
from flows.stages import write as write_stage
from models.features.entry import RELATION_COLUMNS, features_and_relations
from models.feedback import apply_dispositions
from review.db import open_store
from review.digest import DIGEST_FRAMES
from review.trail_anchor import TrailKeys
from tests.entries import make_entries

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
PARAMS = load_params()


def test_a_part_reads_back_as_written_and_is_written_whole(tmp_path):
    entries = make_entries([{"town": "甲镇"}, {"town": "乙镇"}])
    directory = write_part(tmp_path / "p", {"entries": entries}, {"n_entries": 2})
    assert part_exists(directory, ["entries"]) and not part_exists(directory, ["features"])
    assert part_summary(directory, ["entries"]) == {"n_entries": 2}
    assert part_summary(directory, ["features"]) is None
    pd.testing.assert_frame_equal(read_part(directory, "entries"), entries)
    only = read_part(directory, "entries", town="乙镇")
    assert only["town"].tolist() == ["乙镇"] and only.dtypes.equals(entries.dtypes)
    assert pq.ParquetFile(directory / "entries.parquet").num_row_groups == 2  # one per town
    write_part(tmp_path / "p", {"entries": entries.iloc[:1]}, {"n_entries": 1})  # a 2nd writer
    assert len(read_part(directory, "entries")) == 2  # the first stays, summary and all
    assert part_summary(directory, ["entries"]) == {"n_entries": 2}
    assert [path.name for path in tmp_path.iterdir()] == ["p"]


def test_a_parts_frame_is_read_as_arrows_own_reader_reads_it(tmp_path):
    entries = make_entries([{"town": "甲镇"}, {"town": "乙镇"}])
    path = write_part(tmp_path / "p", {"entries": entries}, {}) / "entries.parquet"
    for columns in (None, ["entry_id", "debit_fen", "town"]):
        table, expected = read_table(path, columns), pq.read_table(path, columns=columns)
        assert table.equals(expected) and table.schema.equals(expected.schema,
                                                              check_metadata=True)


def test_parts_keep_dictionaries_and_statistics_for_repeating_columns_only(tmp_path):
    entries = make_entries([{"town": "甲镇", "village": "一村", "line_no": line % 2 + 1}
                            for line in range(40)] + [{"town": "乙镇", "village": "二村"}])
    directory = write_part(tmp_path / "p", {"entries": entries}, {"n_entries": 41})
    columns = pq.ParquetFile(directory / "entries.parquet").metadata.row_group(0)
    chunks = {columns.column(i).path_in_schema: columns.column(i)
              for i in range(columns.num_columns)}
    assert chunks["town"].is_stats_set and chunks["town"].has_dictionary_page
    assert not chunks["entry_id"].is_stats_set and not chunks["entry_id"].has_dictionary_page
    only = read_part(directory, "entries", town="乙镇")  # still filtered by town
    assert only["village"].tolist() == ["二村"]

def test_frames_of_several_parts_read_as_one_stacked_in_their_order(tmp_path):
    first = make_entries([{"town": "甲镇"}, {"town": "甲镇", "line_no": 2}])
    second = make_entries([{"town": "乙镇", "summary": "办公费"}])
    first["rule_ids"] = pd.Series([["a.b"], []], dtype=pd.ArrowDtype(pa.list_(pa.string())))
    second["rule_ids"] = pd.Series([["c.d", "e.f"]], dtype=pd.ArrowDtype(pa.list_(pa.string())))
    directories = [write_part(tmp_path / name, {"entries": frame}, {})
                   for name, frame in (("b", second), ("a", first))]
    stacked = read_parts(directories, "entries")
    pd.testing.assert_frame_equal(stacked, pd.concat(
        [read_part(directory, "entries") for directory in directories], ignore_index=True))
    assert stacked["town"].tolist() == ["乙镇", "甲镇", "甲镇"]
    assert stacked["voucher_date"].dtype == "datetime64[s]"
    assert stacked["rule_ids"].tolist()[0] == ["c.d", "e.f"]
    # read ahead in the background, then taken instead of read again
    prefetch = read_ahead_tables(directories[:1], ["entries"])
    pd.testing.assert_frame_equal(read_parts(directories, "entries", prefetch), stacked)
    assert prefetch.take((str(directories[0]), "entries")) is None  # taken, not kept


def test_small_files_are_read_in_batches_and_big_ones_alone(tmp_path):
    sizes = {"县.csv": 900, "甲村.csv": 300, "乙村.csv": 200, "丙村.csv": 200, "丁村.csv": 100}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    files = [(tmp_path / name, f"key-{name}") for name in sizes]
    batches = pipeline.ingest_batches(files, batch_bytes=500)
    names = [[path.name for path, _ in batch] for batch in batches]
    assert names == [["县.csv"], ["甲村.csv", "乙村.csv"], ["丙村.csv", "丁村.csv"]]
    assert sorted(pair for batch in batches for pair in batch) == sorted(files)


def test_keys_follow_content_not_names_or_times(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes("凭证".encode())
    second.write_bytes("凭证".encode())
    assert file_digest(first) == file_digest(second)
    assert part_key("x", 1) == part_key("x", 1) != part_key("x", 2)
    digest = file_digest(first)
    # the file's name is in its entries (source_file), so it is part of the key
    assert pipeline.ingest_key(first, digest, ReadOptions()) != pipeline.ingest_key(
        second, digest, ReadOptions())
    second.write_bytes("凭证 ".encode())
    assert file_digest(second) != digest


def _poison(parts_dir: Path, path: Path) -> None:
    """Replace the recorded digest of ``path``: a later call that returns it did not hash."""
    record_path = parts_dir / parts_module.DIGESTS_FILE
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record[str(path.resolve())]["digest"] = "recorded"
    record_path.write_text(json.dumps(record), encoding="utf-8")


def test_a_files_digest_is_kept_while_it_is_unchanged(tmp_path, monkeypatch):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes("凭证一".encode())
    second.write_bytes("凭证二".encode())
    parts_dir = tmp_path / "parts"
    assert parts_module.file_digests([first, second], parts_dir) == {
        first: file_digest(first), second: file_digest(second)}
    # just written when hashed: not trusted yet (a write in the same clock tick would not
    # show in the file's times)
    _poison(parts_dir, first)
    assert parts_module.file_digests([first], parts_dir)[first] == file_digest(first)
    monkeypatch.setattr(parts_module, "_SETTLED_NS", 0)  # as if hashed long after the write
    parts_module.file_digests([first, second], parts_dir)
    _poison(parts_dir, first)
    assert parts_module.file_digests([first, second], parts_dir) == {
        first: "recorded", second: file_digest(second)}
    time.sleep(0.05)  # another clock tick
    first.write_bytes("凭证三".encode())  # the same size, other bytes
    assert parts_module.file_digests([first], parts_dir)[first] == file_digest(first)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The sample read file by file into a parts store, and prepared town by town."""
    parts_dir = tmp_path_factory.mktemp("parts")
    files = [
        pipeline.ingest_file(path, key=pipeline.ingest_key(path, file_digest(path), ReadOptions()),
                             options=ReadOptions(), parts_dir=parts_dir, run_id="run-1")
        for path in pipeline.find_ledger_files([SAMPLE])
    ]
    towns = [
        pipeline.prepare_town(town, town_files, key=pipeline.town_key(town, town_files, PARAMS),
                              params=PARAMS, parts_dir=parts_dir, run_id="run-1")
        for town, town_files in pipeline.files_by_town(files).items()
    ]
    return parts_dir, files, towns


def test_each_town_alone_finds_what_the_whole_county_finds(county):
    _parts_dir, files, towns = county
    whole = assign_entry_ids(pd.concat(
        [read_part(part.part_dir, "entries") for part in files], ignore_index=True))
    evaluation = evaluate_rules(whole, PARAMS)
    by_town = {name: pd.concat([read_part(town.part_dir, name) for town in towns],
                               ignore_index=True) for name in ("breaches", "signals")}
    for name, expected in (("breaches", evaluation.breaches), ("signals", evaluation.signals)):
        columns = list(expected.columns)
        got = by_town[name][columns].sort_values(columns, ignore_index=True)
        pd.testing.assert_frame_equal(got, expected.sort_values(columns, ignore_index=True),
                                      check_dtype=False)
    assert len(by_town["breaches"]) > 0 and len(by_town["signals"]) > 0
    features, relations = features_and_relations(whole, PARAMS)
    features = features.set_index(whole["entry_id"])
    town_entries = pd.concat([read_part(town.part_dir, "entries") for town in towns])
    town_features = pd.concat([read_part(town.part_dir, "features") for town in towns])
    town_features.index = town_entries["entry_id"].to_numpy()
    pd.testing.assert_frame_equal(town_features.loc[features.index], features,
                                  check_names=False)
    # relations never cross a town: the towns' parts hold the county's, naming their entries
    town_relations = pd.concat([read_part(town.part_dir, "relations") for town in towns],
                               ignore_index=True)
    assert list(town_relations.columns) == RELATION_COLUMNS
    pd.testing.assert_frame_equal(
        town_relations.sort_values(RELATION_COLUMNS, ignore_index=True),
        relations.sort_values(RELATION_COLUMNS, ignore_index=True))
    assert town_relations["other_entry_id"].isin(town_entries["entry_id"]).all()


@pytest.fixture(scope="module")
def reported(county, tmp_path_factory):
    """The county scored, ranked and reported town by town: (ranking, reports)."""
    parts_dir, _files, towns = county
    model = pipeline.obtain_model(towns, PARAMS, model_dir=tmp_path_factory.mktemp("models"))
    scores = [pipeline.score_town(town, key=pipeline.score_key(town, model), model=model,
                                  parts_dir=parts_dir, run_id="run-1") for town in towns]
    ranking = pipeline.rank_county(towns, scores, PARAMS, dispositions=None,
                                   parts_dir=parts_dir)
    reports = [pipeline.report_town(town, score, ranking[town.town],
                                    key=pipeline.report_key(score, ranking[town.town]),
                                    model=model, params=PARAMS, parts_dir=parts_dir,
                                    run_id="run-1")
               for town, score in zip(towns, scores, strict=True)]
    return ranking, reports


def test_the_runs_quarantine_reads_only_the_files_that_quarantined_rows(county, monkeypatch):
    _parts_dir, files, _towns = county
    counted = {part.file: part.report["quarantined"] for part in files}
    assert sum(counted.values()) > 0 and 0 in counted.values()
    every = pd.concat([read_part(part.part_dir, "quarantine") for part in files],
                      ignore_index=True)
    read: list[str] = []
    monkeypatch.setattr(ingest_stage, "read_part", lambda directory, name: (
        read.append(Path(directory).name), read_part(directory, name))[1])
    pd.testing.assert_frame_equal(pipeline.run_quarantine(files), every)
    assert read == [Path(part.part_dir).name for part in files if counted[part.file]]


def test_the_store_records_a_run_with_its_cases_read_ahead(county, reported, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'review.sqlite3'}", trail=TrailKeys(tmp_path))
    _parts_dir, files, towns = county
    ranking, reports = reported
    digest = pipeline.ranked_digest(reports, ranking)
    quarantine = pipeline.run_quarantine(files)
    run = {"started_at": "2026-11-25T08:00:00+00:00", "finished_at": "2026-11-25T08:01:00+00:00",
           "inputs": [], "out_dir": "out", "params": {}, "digest": digest,
           "quarantine": quarantine}
    first = pipeline.record_findings(
        store, run_id="run-1", **run,
        known_cases=pipeline.prefetch_known_cases(store, []).take("cases"))
    assert first["new"] == len(digest.flagged) > 0
    ahead = pipeline.prefetch_known_cases(store, (town.town for town in towns)).take("cases")
    assert sorted(ahead.frame["entry_id"]) == sorted(digest.flagged["entry_id"])
    again = pipeline.record_findings(store, run_id="run-2", **run, known_cases=ahead)
    assert (again["new"], again["unchanged"]) == (0, len(digest.flagged))
    store.dispose()


def test_a_towns_findings_rows_are_made_once_for_its_report(reported, tmp_path, monkeypatch):
    ranking, reports = reported
    quarantine = pipeline.run_quarantine([])
    made_for: list[list[str]] = []
    make = write_stage.sheet_rows
    monkeypatch.setattr(write_stage, "sheet_rows", lambda context, cases, towns, titles: (
        made_for.append(towns), make(context, cases, towns, titles))[1])
    at_once = pipeline.write_sheets(reports, ranking, quarantine, tmp_path / "at-once",
                                    parts_dir=tmp_path / "one-batch")
    assert made_for == [[report.town for report in reports]]
    monkeypatch.setattr(write_stage, "SHEET_BATCH_FINDINGS", 1)  # a town per batch
    made_for.clear()
    first = pipeline.write_sheets(reports, ranking, quarantine, tmp_path / "first",
                                  parts_dir=tmp_path)
    assert made_for == [[report.town] for report in reports]
    corrected = reports[-1]  # as if its town were reported again after a correction
    shutil.rmtree(write_stage.SHEETS.directory(tmp_path, part_key("sheets", corrected.key)))
    made_for.clear()
    again = pipeline.write_sheets(reports, ranking, quarantine, tmp_path / "again",
                                  parts_dir=tmp_path)
    assert made_for == [[corrected.town]]
    for written in (first, again):
        assert written["findings_csv"].read_bytes() == at_once["findings_csv"].read_bytes()
        with zipfile.ZipFile(at_once["findings_xlsx"]) as expected, \
                zipfile.ZipFile(written["findings_xlsx"]) as book:  # the same but for file times
            assert book.namelist() == expected.namelist()
            assert all(book.read(name) == expected.read(name) for name in book.namelist())


def test_the_county_ranking_keeps_the_review_budget(county, reported, tmp_path):
    parts_dir, _files, towns = county
    ranking, reports = reported
    ranks = np.concatenate([ranking[town.town]["rank"].to_numpy() for town in towns])
    flagged = np.sort(ranks[ranks > 0])
    n_entries = sum(town.n_entries for town in towns)
    breaches = pd.concat([read_part(town.part_dir, "breaches") for town in towns])
    ids = np.concatenate([ranking[town.town]["entry_id"].to_numpy()[
        ranking[town.town]["rank"].to_numpy() > 0] for town in towns])
    assert set(breaches["entry_id"]) <= set(ids)  # every breach, whatever the budget
    suggested = len(set(ids) - set(breaches["entry_id"]))
    assert 0 < suggested <= np.ceil(PARAMS.review.share * n_entries)  # the budget, the rest
    assert flagged.tolist() == list(range(1, len(flagged) + 1))  # one ranking, not one per town
    digest = pipeline.ranked_digest(reports, ranking)
    read_ahead = pipeline.ranked_digest(reports, ranking, pipeline.prefetch_digests(reports[1:]))
    for name in DIGEST_FRAMES:
        pd.testing.assert_frame_equal(getattr(read_ahead, name), getattr(digest, name))
    paths = pipeline.write_sheets(reports, ranking, pipeline.run_quarantine(county[1]),
                                  tmp_path / "out", parts_dir=parts_dir)
    paths["entries"] = pipeline.write_entries(reports, ranking, tmp_path / "out")
    written = pd.read_parquet(paths["entries"])
    assert len(written) == n_entries and written["entry_id"].is_unique
    assert sorted(written["rank"].dropna().astype(int)) == flagged.tolist()
    assert digest.flagged["rank"].astype(int).sort_values().tolist() == flagged.tolist()
    findings = pd.read_csv(paths["findings_csv"], encoding="utf-8-sig", dtype=str)
    cases = pd.read_parquet(paths["findings"])
    assert findings["排名"].astype(int).tolist() == list(range(1, len(cases) + 1))
    assert findings["疑点编号"].tolist() == cases["case_id"].tolist()
    assert sorted(cases["entry_ids"].explode()) == sorted(
        written.loc[written["rank"].notna(), "entry_id"])
    assert findings["疑点说明"].str.len().gt(0).all()
    # a town whose part holds other column types is written again in the first town's types
    retyped = tmp_path / "retyped"
    shutil.copytree(reports[-1].part_dir, retyped)
    table = pq.read_table(retyped / "entries.parquet")
    summary = table.schema.get_field_index("summary")
    pq.write_table(table.set_column(summary, "summary", table.column(summary).cast(
        pa.large_string())), retyped / "entries.parquet")
    again = pipeline.write_entries([*reports[:-1], replace(reports[-1], part_dir=str(retyped))],
                                   ranking, tmp_path / "again")
    assert pq.read_table(again).equals(pq.read_table(paths["entries"]))


def test_past_decisions_move_risk_as_the_model_learns_and_are_kept_per_town(county, tmp_path):
    parts_dir, _files, towns = county
    model = pipeline.obtain_model(towns, PARAMS, model_dir=tmp_path / "models")
    scores = [pipeline.score_town(town, key=pipeline.score_key(town, model), model=model,
                                  parts_dir=parts_dir, run_id="run-1") for town in towns]
    plain = pipeline.rank_county(towns, scores, PARAMS, dispositions=None, parts_dir=parts_dir)
    flagged = pd.concat([plain[town.town] for town in towns])
    flagged = flagged[flagged["rank"] > 0]
    dispositions = pd.DataFrame({"entry_id": flagged["entry_id"].iloc[:2].tolist(),
                                 "content_hash": [None, None],
                                 "decision": ["false_alarm", "confirmed"]})
    ranking = pipeline.rank_county(towns, scores, PARAMS, dispositions, parts_dir=parts_dir)
    # the candidates of towns scored earlier, worked out in the background, rank the same
    ahead = pipeline.prefetch_candidates(list(zip(towns, scores, strict=True))[1:], PARAMS,
                                         dispositions, parts_dir=parts_dir)
    read_ahead = pipeline.rank_county(towns, scores, PARAMS, dispositions, parts_dir=parts_dir,
                                      prefetched=ahead)
    for town in towns:
        pd.testing.assert_frame_equal(read_ahead[town.town], ranking[town.town])
    assert ahead.take(towns[1].town) is None  # taken, not worked out again
    for town, score in zip(towns, scores, strict=True):  # as learning from all entries gives
        entries = read_part(town.part_dir, "entries")
        risk, notes = apply_dispositions(entries, read_part(score.part_dir, "scores")["risk"]
                                         .to_numpy(), dispositions)
        decided = ranking[town.town]
        assert np.allclose(decided["risk"], np.round(risk, 6)[decided["position"]])
        assert decided["note"].tolist() == notes[decided["position"]].tolist()
    notes = pd.concat([ranking[town.town] for town in towns])["note"]
    assert notes.str.contains("误报").any() and notes.str.contains("确认").any()
    decided = pipeline.decisions_digest(dispositions)
    for town, score in zip(towns, scores, strict=True):  # candidates as pandas would hold them
        made = pipeline.town_candidates(town, score, PARAMS, dispositions, decided,
                                        parts_dir=parts_dir)
        scored = read_part(score.part_dir, "scores").iloc[made["position"]]
        expected = pd.DataFrame({
            "town": town.town, "position": made["position"].to_numpy(),
            "entry_id": scored["entry_id"].to_numpy(),
            "village": (town.town + "/" + scored["village"]).to_numpy(),
            "anomaly": scored["anomaly"].to_numpy(), "risk": made["risk"].to_numpy(),
            "note": made["note"].to_numpy(), "breach": scored["breach"].to_numpy()}).astype(
                {"town": "str", "village": "str", "note": "str"})
        pd.testing.assert_frame_equal(made, expected)
    marks = sorted(path.name for path in (parts_dir / "marks").iterdir())
    assert len(marks) == len(towns)  # one per town and set of decisions
    again = pipeline.rank_county(towns, scores, PARAMS, dispositions.iloc[::-1],
                                 parts_dir=parts_dir)  # the same decisions in another order
    assert sorted(path.name for path in (parts_dir / "marks").iterdir()) == marks
    for town in towns:
        pd.testing.assert_frame_equal(again[town.town], ranking[town.town])
    pipeline.rank_county(towns, scores, PARAMS, dispositions.iloc[:1], parts_dir=parts_dir)
    assert len(list((parts_dir / "marks").iterdir())) == 2 * len(towns)


def test_a_town_scores_the_same_whatever_the_other_towns_hold(county, tmp_path):
    """With the same model, a town's scores and report do not depend on the other towns, so
    a correction elsewhere leaves it as it was (and a rerun can take it from the cache)."""
    parts_dir, _files, towns = county
    model = pipeline.obtain_model(towns, PARAMS, model_dir=tmp_path / "models")
    alone = pipeline.score_town(towns[0], key="alone", model=model, parts_dir=tmp_path,
                                run_id="run-2")
    together = pipeline.score_town(towns[0], key=pipeline.score_key(towns[0], model),
                                   model=model, parts_dir=parts_dir, run_id="run-1")
    pd.testing.assert_frame_equal(read_part(alone.part_dir, "scores"),
                                  read_part(together.part_dir, "scores"))
    ranking = pipeline.rank_county(towns, [together, pipeline.score_town(
        towns[1], key=pipeline.score_key(towns[1], model), model=model, parts_dir=parts_dir,
        run_id="run-1")], PARAMS, dispositions=None, parts_dir=parts_dir)
    assert len(ranking[towns[0].town]) > 0
    shifted = ranking[towns[0].town].assign(rank=lambda frame: frame["rank"] * 2)
    assert pipeline.report_key(together, shifted) == pipeline.report_key(
        together, ranking[towns[0].town])  # rank numbers are set later, not part of the key
    unflagged = shifted.assign(rank=0)
    assert pipeline.report_key(together, unflagged) != pipeline.report_key(
        together, ranking[towns[0].town])


def test_unreadable_file_is_a_report_not_a_part(tmp_path):
    bad = tmp_path / "坏.csv"
    bad.write_text("没有表头\n", encoding="utf-8")
    part = pipeline.ingest_file(bad, key="k", options=ReadOptions(), parts_dir=tmp_path,
                                run_id="run-1")
    assert not part.readable and part.part_dir is None and "表头" in part.report["error"]


def test_a_run_where_no_file_could_be_read_writes_empty_outputs(tmp_path):
    ranking = pipeline.rank_county([], [], PARAMS, dispositions=None, parts_dir=tmp_path)
    digest = pipeline.ranked_digest([], ranking)
    paths = pipeline.write_sheets([], ranking, pipeline.run_quarantine([]), tmp_path / "out",
                                  parts_dir=tmp_path)
    paths["entries"] = pipeline.write_entries([], ranking, tmp_path / "out")
    assert ranking == {} and digest.n_entries == 0
    assert pd.read_parquet(paths["entries"]).empty
    assert pd.read_csv(paths["findings_csv"], encoding="utf-8-sig").empty


def test_every_module_a_part_is_made_with_is_in_the_code_fingerprint():
    """A cached part is only as fresh as the code hashed into its key: every project module
    the stages import (outputs, the store's digest …) must be under CODE_SOURCES."""
    import sys

    from flows.parts import CODE_SOURCES, PROJECT_ROOT

    roots = [PROJECT_ROOT / source for source in CODE_SOURCES]
    imported = [Path(module.__file__).resolve() for name, module in list(sys.modules.items())
                if name.split(".")[0] in {"checks", "models", "flows", "review"}
                and getattr(module, "__file__", None)]
    assert any(path.name == "digest.py" for path in imported)
    outside = [path for path in imported
               if not any(path.is_relative_to(root) for root in roots)]
    assert outside == []


CORRECTED = "青石镇_坳山村_2024.csv"


def _audit(inputs: Path, parts_dir: Path, run_id: str, model: pipeline.ModelPart | None = None,
           ) -> dict:
    """The stages over ``inputs`` as the flow wires them: a file's or town's part already in
    ``parts_dir`` under its key is taken, not made again; the forest is ``model`` when given
    (a rerun's saved one), else fitted. entries.parquet goes to ``parts_dir``/out."""
    options = ReadOptions()
    files = []
    for path in pipeline.find_ledger_files([inputs]):
        key = pipeline.ingest_key(path, file_digest(path), options)
        files.append(pipeline.FILES.summary(parts_dir, key) or pipeline.ingest_file(
            path, key=key, options=options, parts_dir=parts_dir, run_id=run_id))
    towns = []
    for town, town_files in pipeline.files_by_town(files).items():
        key = pipeline.town_key(town, town_files, PARAMS)
        towns.append(pipeline.TOWNS.summary(parts_dir, key) or pipeline.prepare_town(
            town, town_files, key=key, params=PARAMS, parts_dir=parts_dir, run_id=run_id))
    model = model or pipeline.obtain_model(towns, PARAMS, model_dir=parts_dir / "models")
    scores = []
    for town in towns:
        key = pipeline.score_key(town, model)
        scores.append(pipeline.SCORES.summary(parts_dir, key) or pipeline.score_town(
            town, key=key, model=model, parts_dir=parts_dir, run_id=run_id))
    ranking = pipeline.rank_county(towns, scores, PARAMS, dispositions=None,
                                   parts_dir=parts_dir)
    reports = []
    for town, score in zip(towns, scores, strict=True):
        key = pipeline.report_key(score, ranking[town.town])
        reports.append(pipeline.REPORTS.summary(parts_dir, key) or pipeline.report_town(
            town, score, ranking[town.town], key=key, model=model, params=PARAMS,
            parts_dir=parts_dir, run_id=run_id))
    return {"towns": {town.town: town for town in towns}, "model": model,
            "scores": {score.town: score for score in scores},
            "reports": {report.town: report for report in reports},
            "entries": pipeline.write_entries(reports, ranking, parts_dir / "out")}


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """The sample audited; then one village's 2024 file corrected (a line deleted) and the
    county audited again in the same parts store, and from nothing in a new one, with the
    first run's forest (as ``rerun`` takes the saved one)."""
    inputs = tmp_path_factory.mktemp("inputs")
    for path in SAMPLE.iterdir():
        if path.suffix in {".csv", ".xlsx"}:
            shutil.copy(path, inputs / path.name)
    parts_dir = tmp_path_factory.mktemp("parts")
    first = _audit(inputs, parts_dir, "run-1")
    lines = (inputs / CORRECTED).read_bytes().split(b"\n")
    del lines[20]
    (inputs / CORRECTED).write_bytes(b"\n".join(lines))
    rerun = _audit(inputs, parts_dir, "run-2", first["model"])
    afresh = _audit(inputs, tmp_path_factory.mktemp("afresh"), "run-3", first["model"])
    return {"first": first, "rerun": rerun, "afresh": afresh}


def test_a_rerun_after_a_correction_remakes_only_the_corrected_town(corrected):
    first, rerun = corrected["first"], corrected["rerun"]
    assert {name: town.computed_in for name, town in rerun["towns"].items()} == {
        "白沙乡": "run-1", "青石镇": "run-2"}
    assert {name: score.computed_in for name, score in rerun["scores"].items()} == {
        "白沙乡": "run-1", "青石镇": "run-2"}
    assert rerun["towns"]["白沙乡"].key == first["towns"]["白沙乡"].key
    assert rerun["towns"]["青石镇"].n_entries == first["towns"]["青石镇"].n_entries - 1


def test_a_rerun_after_a_correction_gives_what_a_run_from_nothing_gives(corrected):
    rerun, afresh = corrected["rerun"], corrected["afresh"]
    assert afresh["towns"]["青石镇"].key == rerun["towns"]["青石镇"].key
    for made, expected in ((rerun["towns"], afresh["towns"]),
                           (rerun["scores"], afresh["scores"]),
                           (rerun["reports"], afresh["reports"])):
        assert made.keys() == expected.keys()
        for town in made:
            assert replace(made[town], computed_in="", part_dir="") == replace(
                expected[town], computed_in="", part_dir="")
            names = [path.name for path in Path(expected[town].part_dir).glob("*.parquet")]
            assert names
            assert "relations.parquet" in names or made is not rerun["towns"]
            for name in names:
                assert read_table(Path(made[town].part_dir) / name).equals(
                    read_table(Path(expected[town].part_dir) / name)), (town, name)
    assert pq.read_table(rerun["entries"]).equals(pq.read_table(afresh["entries"]))


def test_the_rules_look_at_one_village_at_a_time(corrected):
    """Every rule and signal finds, on a village's lines alone, what it finds on them among
    the whole town's (checks/rules/rule.py promises it)."""
    for town in corrected["afresh"]["towns"].values():
        entries = read_part(town.part_dir, "entries")
        whole = evaluate_rules(entries, PARAMS)
        alone = [evaluate_rules(lines, PARAMS) for _, lines in entries.groupby("village")]
        for name in ("breaches", "signals"):
            expected = getattr(whole, name)
            columns = list(expected.columns)
            got = pd.concat([getattr(part, name) for part in alone], ignore_index=True)
            pd.testing.assert_frame_equal(got.sort_values(columns, ignore_index=True),
                                          expected.sort_values(columns, ignore_index=True))
        assert len(whole.breaches) > 0 and len(whole.signals) > 0


def test_a_towns_breaches_and_signals_are_kept_by_rule_then_by_line(corrected):
    for town in corrected["rerun"]["towns"].values():
        position = pd.Index(read_part(town.part_dir, "entries")["entry_id"])
        for name, kind, catalogue in (("breaches", "rule_id", RULES),
                                      ("signals", "signal_id", SIGNALS)):
            frame = read_part(town.part_dir, name)
            order = {item.id: number for number, item in enumerate(catalogue)}
            keys = list(zip(frame[kind].map(order), position.get_indexer(frame["entry_id"]),
                            strict=True))
            assert len(keys) > 0 and keys == sorted(keys) and len(set(keys)) == len(keys)
