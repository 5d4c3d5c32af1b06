"""The town-by-town stages as plain functions: parts on disk, and the partition's promise that
auditing each town alone finds what auditing the whole county at once finds."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from checks.params import load_params
from checks.rules import evaluate_rules
from flows import pipeline
from flows.ingest import assign_entry_ids
from flows.parts import file_digest, part_exists, part_key, read_part, write_part
from models.features.entry import entry_features
from tests.entries import make_entries

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
PARAMS = load_params()


def test_a_part_reads_back_as_written_and_is_written_whole(tmp_path):
    entries = make_entries([{"town": "甲镇"}, {"town": "乙镇"}])
    directory = write_part(tmp_path / "p", {"entries": entries})
    assert part_exists(directory, ["entries"]) and not part_exists(directory, ["features"])
    pd.testing.assert_frame_equal(read_part(directory, "entries"), entries)
    only = read_part(directory, "entries", town="乙镇")
    assert only["town"].tolist() == ["乙镇"] and only.dtypes.equals(entries.dtypes)
    write_part(tmp_path / "p", {"entries": entries.iloc[:1]})  # a second writer: first stays
    assert len(read_part(directory, "entries")) == 2
    assert [path.name for path in tmp_path.iterdir()] == ["p"]


def test_keys_follow_content_not_names_or_times(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes("凭证".encode())
    second.write_bytes("凭证".encode())
    assert file_digest(first) == file_digest(second)
    assert part_key("x", 1) == part_key("x", 1) != part_key("x", 2)
    digest = file_digest(first)
    # the file's name is in its entries (source_file), so it is part of the key
    assert pipeline.ingest_key(first, digest, None) != pipeline.ingest_key(second, digest, None)
    second.write_bytes("凭证 ".encode())
    assert file_digest(second) != digest


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The sample read file by file into a parts store, and prepared town by town."""
    parts_dir = tmp_path_factory.mktemp("parts")
    files = [
        pipeline.ingest_file(path, key=pipeline.ingest_key(path, file_digest(path), None),
                             default_town=None, parts_dir=parts_dir, run_id="run-1")
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
    features = entry_features(whole, PARAMS).set_index(whole["entry_id"])
    town_entries = pd.concat([read_part(town.part_dir, "entries") for town in towns])
    town_features = pd.concat([read_part(town.part_dir, "features") for town in towns])
    town_features.index = town_entries["entry_id"].to_numpy()
    pd.testing.assert_frame_equal(town_features.loc[features.index], features,
                                  check_names=False)


def test_the_county_ranking_keeps_the_review_budget(county, tmp_path):
    parts_dir, _files, towns = county
    model = pipeline.obtain_model(towns, PARAMS, model_dir=tmp_path / "models")
    scores = [pipeline.score_town(town, key=pipeline.score_key(town, model), model=model,
                                  parts_dir=parts_dir, run_id="run-1") for town in towns]
    ranking = pipeline.rank_county(towns, scores, PARAMS, dispositions=None)
    ranks = np.concatenate([ranking[town.town]["rank"].to_numpy() for town in towns])
    flagged = np.sort(ranks[ranks > 0])
    n_entries = sum(town.n_entries for town in towns)
    assert 0 < len(flagged) <= np.ceil(PARAMS.review.share * n_entries)
    assert flagged.tolist() == list(range(1, len(flagged) + 1))  # one ranking, not one per town
    reports = [pipeline.report_town(town, score, ranking[town.town], model=model, params=PARAMS,
                                    out_parts=tmp_path / "out" / ".towns")
               for town, score in zip(towns, scores, strict=True)]
    paths = pipeline.write_outputs(reports, pipeline.run_quarantine(_files_of(county)),
                                   tmp_path / "out")
    written = pd.read_parquet(paths["entries"])
    assert len(written) == n_entries and written["entry_id"].is_unique
    assert written["flagged"].sum() == len(flagged)
    assert not (tmp_path / "out" / ".towns").exists()
    explained = pd.read_parquet(Path(scores[0].part_dir) / "explanations.parquet")
    assert explained["entry_id"].isin(written.loc[written["flagged"], "entry_id"]).all()


def test_unreadable_file_is_a_report_not_a_part(tmp_path):
    bad = tmp_path / "坏.csv"
    bad.write_text("没有表头\n", encoding="utf-8")
    part = pipeline.ingest_file(bad, key="k", default_town=None, parts_dir=tmp_path,
                                run_id="run-1")
    assert not part.readable and part.part_dir is None and "表头" in part.report["error"]


def _files_of(county):
    return county[1]
