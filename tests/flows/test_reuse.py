"""A town's new part takes over its unchanged villages' checks and its unchanged entries' scores
from the town's previous part, and is then exactly the part made from nothing."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from checks.params import load_params
from checks.prepared import RULE_INPUT_COLUMNS
from checks.rules import RULES, evaluate_rules
from checks.signals import SIGNALS
from flows import pipeline, reuse, runners
from flows.ingest import ReadOptions
from flows.parts import file_digest, read_part
from flows.stages import report as report_stage

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
PARAMS = load_params()
CORRECTED = "青石镇_坳山村_2024.csv"


def _prepare(inputs: Path, parts_dir: Path, run_id: str
             ) -> tuple[list[pipeline.FilePart], dict[str, pipeline.TownPart]]:
    files = [
        pipeline.ingest_file(path, key=pipeline.ingest_key(path, file_digest(path), ReadOptions()),
                             options=ReadOptions(), parts_dir=parts_dir, run_id=run_id)
        for path in pipeline.find_ledger_files([inputs])
    ]
    return files, {
        town: pipeline.prepare_town(town, town_files,
                                    key=pipeline.town_key(town, town_files, PARAMS),
                                    params=PARAMS, parts_dir=parts_dir, run_id=run_id)
        for town, town_files in pipeline.files_by_town(files).items()
    }


def _score(town: pipeline.TownPart, model: pipeline.ModelPart, parts_dir: Path
           ) -> pipeline.ScorePart:
    return pipeline.score_town(town, key=pipeline.score_key(town, model), model=model,
                               parts_dir=parts_dir, run_id="run")


def _report(town: pipeline.TownPart, model: pipeline.ModelPart, parts_dir: Path
            ) -> tuple[pipeline.ScorePart, pipeline.TownReport]:
    """The town scored, ranked on its own and reported, one step after another."""
    score = _score(town, model, parts_dir)
    decisions = pipeline.rank_county([town], [score], PARAMS, dispositions=None,
                                     parts_dir=parts_dir)[town.town]
    return score, pipeline.report_town(town, score, decisions,
                                       key=pipeline.report_key(score, decisions), model=model,
                                       params=PARAMS, parts_dir=parts_dir, run_id="run")


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """The sample prepared and scored; then one village's 2024 file corrected (a line deleted)
    and the towns prepared and scored again in the same store, and afresh in a new one."""
    inputs = tmp_path_factory.mktemp("inputs")
    for path in SAMPLE.iterdir():
        if path.suffix in {".csv", ".xlsx"}:
            shutil.copy(path, inputs / path.name)
    parts_dir, afresh_dir = tmp_path_factory.mktemp("parts"), tmp_path_factory.mktemp("afresh")
    _files, before = _prepare(inputs, parts_dir, "run-1")
    model = pipeline.obtain_model(list(before.values()), PARAMS,
                                  model_dir=tmp_path_factory.mktemp("models"))
    for town in before.values():
        _score(town, model, parts_dir)
    lines = (inputs / CORRECTED).read_bytes().split(b"\n")
    del lines[20]
    (inputs / CORRECTED).write_bytes(b"\n".join(lines))
    files, after = _prepare(inputs, parts_dir, "run-2")
    _files, afresh = _prepare(inputs, afresh_dir, "run-3")
    return {"before": before, "after": after, "afresh": afresh, "model": model, "files": files,
            "parts_dir": parts_dir, "afresh_dir": afresh_dir}


def test_the_rules_look_at_one_village_at_a_time(corrected):
    """What lets a town keep its unchanged villages' checks: every rule and signal finds, on a
    village's lines alone, what it finds on them among the whole town's."""
    for town in corrected["afresh"].values():
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


def test_only_the_corrected_village_is_checked_again_and_the_part_is_as_made_afresh(corrected):
    after, afresh = corrected["after"]["青石镇"], corrected["afresh"]["青石镇"]
    assert after.earlier == corrected["before"]["青石镇"].key
    assert after.villages_checked == ("坳山村",)
    assert afresh.earlier is None and set(afresh.villages_checked) == set(afresh.villages)
    assert afresh.key == after.key
    for name in pipeline.TOWNS.frames:
        pd.testing.assert_frame_equal(read_part(after.part_dir, name),
                                      read_part(afresh.part_dir, name))
    assert (after.rule_counts, after.signal_counts) == (afresh.rule_counts, afresh.signal_counts)


def test_unchanged_entries_keep_their_scores_and_the_scores_are_as_made_afresh(corrected):
    model = corrected["model"]
    after = _score(corrected["after"]["青石镇"], model, corrected["parts_dir"])
    afresh = _score(corrected["afresh"]["青石镇"], model, corrected["afresh_dir"])
    assert afresh.n_scored == corrected["afresh"]["青石镇"].n_entries
    assert 0 < after.n_scored < afresh.n_scored / 2
    pd.testing.assert_frame_equal(read_part(after.part_dir, "scores"),
                                  read_part(afresh.part_dir, "scores"))


def test_a_pointer_to_a_part_no_longer_in_the_store_means_computing_everything(
        corrected, tmp_path):
    parts_dir = tmp_path / "parts"
    shutil.copytree(corrected["parts_dir"], parts_dir)
    town = corrected["after"]["青石镇"]
    shutil.rmtree(pipeline.TOWNS.directory(parts_dir, town.key))
    reuse.remember_town(parts_dir, "青石镇", PARAMS, "0" * 32)  # a part since deleted
    assert reuse.previous_town(parts_dir, "青石镇", PARAMS, pipeline.TOWNS.frames,
                               folder=pipeline.TOWNS.folder, key=town.key) is None
    files = [part for part in corrected["files"] if "青石镇" in part.towns]
    made = pipeline.prepare_town("青石镇", files, key=town.key, params=PARAMS,
                                 parts_dir=parts_dir, run_id="run-4")
    assert made.earlier is None and set(made.villages_checked) == set(made.villages)
    pd.testing.assert_frame_equal(read_part(made.part_dir, "breaches"),
                                  read_part(town.part_dir, "breaches"))


def test_a_villages_digest_follows_every_column_the_rules_read_and_the_lines_order(corrected):
    entries = read_part(corrected["afresh"]["青石镇"].part_dir, "entries")
    base = reuse.village_digests(entries).set_index("village")["digest"]
    village = entries["village"].iloc[0]
    row = int(np.flatnonzero(entries["village"].to_numpy() == village)[3])
    for column in RULE_INPUT_COLUMNS:
        if column in {"town", "village"}:
            continue
        changed = entries.copy()
        value = changed.at[row, column]
        if isinstance(value, str):
            changed.at[row, column] = value + "x"
        elif isinstance(value, pd.Timestamp):
            changed.at[row, column] = value + pd.Timedelta(days=1)
        else:
            changed.at[row, column] = value + 1
        digests = reuse.village_digests(changed).set_index("village")["digest"]
        assert digests[village] != base[village], column
        assert digests.drop(village).equals(base.drop(village)), column
    rows = np.flatnonzero(entries["village"].to_numpy() == village)[:2]
    swapped = entries.copy()
    swapped.iloc[rows] = swapped.iloc[rows[::-1]].to_numpy()
    assert reuse.village_digests(swapped).set_index("village")["digest"][village] != (
        base[village])


def test_a_towns_breaches_and_signals_are_kept_by_rule_then_by_line(corrected):
    """One order, whether the rows were found together or taken over village by village."""
    town = corrected["after"]["青石镇"]
    position = pd.Index(read_part(town.part_dir, "entries")["entry_id"])
    for name, kind, catalogue in (("breaches", "rule_id", RULES),
                                  ("signals", "signal_id", SIGNALS)):
        frame = read_part(town.part_dir, name)
        order = {item.id: number for number, item in enumerate(catalogue)}
        keys = list(zip(frame[kind].map(order), position.get_indexer(frame["entry_id"]),
                        strict=True))
        assert len(keys) > 0 and keys == sorted(keys) and len(set(keys)) == len(keys)


def test_a_report_keeps_the_explanations_of_unchanged_entries_and_reads_as_made_afresh(
        corrected):
    model = corrected["model"]
    _, first = _report(corrected["before"]["青石镇"], model, corrected["parts_dir"])
    _, after = _report(corrected["after"]["青石镇"], model, corrected["parts_dir"])
    _, afresh = _report(corrected["afresh"]["青石镇"], model, corrected["afresh_dir"])
    assert first.n_explained == first.n_flagged > 0
    assert afresh.n_explained == afresh.n_flagged == after.n_flagged
    assert after.n_explained < after.n_flagged / 2
    for name in pipeline.REPORTS.frames:
        pd.testing.assert_frame_equal(read_part(after.part_dir, name),
                                      read_part(afresh.part_dir, name))
    assert read_part(after.part_dir, "explanations")["text"].str.len().gt(0).any()


def test_a_town_alone_uses_the_spare_core_and_makes_the_same_parts(corrected, tmp_path):
    """A rerun's one town is checked, scored and reported with work forked beside it in its
    worker process (rules beside features, forest beside evidence, explanations beside
    reasons): the parts are those made one step after another."""
    model = corrected["model"]
    before, after = corrected["before"]["青石镇"], corrected["after"]["青石镇"]
    parts_dir = tmp_path / "parts"
    shutil.copytree(corrected["parts_dir"], parts_dir)
    _report(before, model, parts_dir)  # the earlier report, whose explanations it keeps
    shutil.rmtree(pipeline.TOWNS.directory(parts_dir, after.key))
    shutil.rmtree(pipeline.SCORES.directory(parts_dir, pipeline.score_key(after, model)),
                  ignore_errors=True)
    reuse.remember_town(parts_dir, "青石镇", PARAMS, before.key)
    files = [part for part in corrected["files"] if "青石镇" in part.towns]
    runners.use_worker_processes(2)
    try:
        town = runners.InWorkerProcess(pipeline.prepare_town)(
            "青石镇", files, key=after.key, params=PARAMS, parts_dir=parts_dir, run_id="run-5",
            alone=True)
        score = runners.InWorkerProcess(pipeline.score_town)(
            town, key=pipeline.score_key(town, model), model=model, parts_dir=parts_dir,
            run_id="run-5", alone=True)
        decisions = pipeline.rank_county([town], [score], PARAMS, dispositions=None,
                                         parts_dir=parts_dir)["青石镇"]
        report = runners.InWorkerProcess(pipeline.report_town)(
            town, score, decisions, key=pipeline.report_key(score, decisions), model=model,
            params=PARAMS, parts_dir=parts_dir, run_id="run-5", alone=True)
    finally:
        runners.stop_worker_processes()
    afresh = corrected["afresh"]["青石镇"]
    afresh_score, afresh_report = _report(afresh, model, corrected["afresh_dir"])
    assert town.villages_checked == ("坳山村",) and 0 < score.n_scored < town.n_entries / 2
    assert 0 < report.n_explained < report.n_flagged / 2
    for kind, made, expected in ((pipeline.TOWNS, town, afresh),
                                 (pipeline.SCORES, score, afresh_score),
                                 (pipeline.REPORTS, report, afresh_report)):
        for name in kind.frames:
            pd.testing.assert_frame_equal(read_part(made.part_dir, name),
                                          read_part(expected.part_dir, name))


def test_a_report_fails_rather_than_give_entries_explanations_worked_out_for_others(
        corrected, monkeypatch):
    """A report works the model's explanations out ahead, for its flagged entries (beside its
    reasons when the town is alone); asked for other entries' it fails, rather than hand
    them the flagged ones' texts."""
    model, town = corrected["model"], corrected["afresh"]["青石镇"]
    score = _score(town, model, corrected["afresh_dir"])
    decisions = pipeline.rank_county([town], [score], PARAMS, dispositions=None,
                                     parts_dir=corrected["afresh_dir"])["青石镇"]
    ranked_columns = report_stage.ranked_columns

    def asking_for_others(*args, explain, **kwargs):
        return ranked_columns(*args, explain=lambda rows: explain(rows[1:]), **kwargs)

    monkeypatch.setattr(report_stage, "ranked_columns", asking_for_others)
    with pytest.raises(RuntimeError, match="解释的分录与标记的分录不一致"):
        pipeline.report_town(town, score, decisions, key="x" * 32, model=model,
                             params=PARAMS, parts_dir=corrected["afresh_dir"], run_id="run")


def test_a_pointer_that_cannot_be_written_is_no_error(tmp_path):
    (tmp_path / reuse.LATEST).write_text("not a folder")  # the pointers' folder is blocked
    reuse.remember_town(tmp_path, "青石镇", PARAMS, "a" * 32)
    assert reuse.previous_town(tmp_path, "青石镇", PARAMS, pipeline.TOWNS.frames,
                               folder=pipeline.TOWNS.folder, key="b" * 32) is None
    assert [path.name for path in tmp_path.iterdir()] == [reuse.LATEST]
