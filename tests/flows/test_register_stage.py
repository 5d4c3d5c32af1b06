"""The registers stage without Prefect: register files ingested beside the ledgers, each town's
registers checked against its books, their cases, and a corrected register redoing its town."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from checks.params import load_params
from flows import pipeline
from flows.ingest import reading_options
from flows.parts import file_digests, read_part
from models.register_cases import subject_entry_id

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
TOWN = "青石镇"


def _ingest(inputs: Path, parts: Path) -> list[pipeline.FilePart]:
    params = load_params()
    options = reading_options(params)
    paths = pipeline.find_ledger_files([inputs])
    digests = file_digests(paths, parts)
    return pipeline.supersede_files([
        pipeline.ingest_file(path, key=pipeline.ingest_key(path, digests[path], options),
                             options=options, parts_dir=parts, run_id="run-1")
        for path in paths])


def _audit(files: list[pipeline.FilePart], parts: Path, town: str = TOWN
           ) -> tuple[pipeline.TownPart, pipeline.RegisterPart]:
    params = load_params()
    ledgers = pipeline.files_by_town(files)[town]
    checked = pipeline.prepare_town(town, ledgers, key=pipeline.town_key(town, ledgers, params),
                                    params=params, parts_dir=parts, run_id="run-1")
    registers = pipeline.registers_by_town(files)[town]
    key = pipeline.register_key(checked, registers, params)
    made = pipeline.REGISTERS.summary(parts, key)
    return checked, made or pipeline.audit_town_registers(
        checked, registers, key=key, params=params, parts_dir=parts, run_id="run-1")


@pytest.fixture(scope="module")
def town_sample(tmp_path_factory) -> Path:
    """The sample's files of one town (ledgers and registers)."""
    inputs = tmp_path_factory.mktemp("inputs")
    for path in SAMPLE.glob(f"{TOWN}*"):
        shutil.copy(path, inputs / path.name)
    return inputs


def test_register_files_are_recognised_by_headers_and_hold_no_entries(town_sample, tmp_path):
    files = _ingest(town_sample, tmp_path)
    registers = [part for part in files if part.register]
    assert {part.register for part in registers} == {"contracts", "assets", "resources"}
    assert all("台账" in part.file for part in registers)
    assert all(not part.cells for part in registers)  # no journal cells
    ledgers = pipeline.files_by_town(files)[TOWN]
    assert not any(part.register for part in ledgers)
    for part in registers:
        rows = read_part(part.part_dir, "register")
        assert len(rows) == part.report["loaded"]
        assert part.report["rows_read"] == (part.report["loaded"] + part.report["quarantined"]
                                            + part.report["skipped"])


def test_a_towns_registers_become_cases_with_one_subject_line_each(town_sample, tmp_path):
    files = _ingest(town_sample, tmp_path)
    checked, part = _audit(files, tmp_path)
    cases = read_part(part.part_dir, "cases")
    flagged = read_part(part.part_dir, "flagged")
    store_cases = read_part(part.part_dir, "store_cases")
    assert part.n_cases == len(cases) == len(flagged) == len(store_cases) > 0
    assert set(cases["subject_kind"]) <= {"contract", "asset", "resource", "account"}
    assert cases["case_id"].is_unique and flagged["entry_id"].is_unique
    expected = [subject_entry_id(*key) for key in cases[
        ["town", "village", "subject_kind", "subject_id"]].itertuples(index=False, name=None)]
    assert flagged.set_index("case_id").loc[cases["case_id"], "entry_id"].tolist() == expected
    assert store_cases["entry_ids"].map(list).tolist() == [[entry] for entry in expected]
    # the journal lines a finding rests on are real lines of the town
    entries = read_part(checked.part_dir, "entries")
    evidence = {entry for ids in cases["entry_ids"] for entry in ids}
    assert evidence <= set(entries["entry_id"])
    assert flagged["period"].isin(entries["period"]).all()  # in a period the run loads
    pages = read_part(part.part_dir, "subjects")
    assert set(pages["case_id"]) == set(cases["case_id"])
    villages = read_part(part.part_dir, "village_contracts")
    assert (villages["rent_due_fen"] >= villages["rent_received_fen"]).all()
    assert villages["contracts_active"].sum() > 0


def test_a_corrected_register_redoes_its_towns_registers_only(town_sample, tmp_path):
    files = _ingest(town_sample, tmp_path)
    checked, first = _audit(files, tmp_path)
    corrected = tmp_path / "corrected"
    shutil.copytree(town_sample, corrected)
    contracts = next(path for path in corrected.glob("*合同台账.csv"))
    encoding = "utf-8-sig" if contracts.read_bytes().startswith(b"\xef\xbb\xbf") else "gb18030"
    lines = contracts.read_text(encoding=encoding).splitlines()
    row = next(number for number, line in enumerate(lines) if "FB-" in line or "HT-" in line)
    lines[row] = lines[row].replace("FB-", "FX-").replace("HT-", "HX-")
    contracts.write_text("\n".join(lines) + "\n", encoding=encoding)
    again, second = _audit(_ingest(corrected, tmp_path), tmp_path)
    assert again.key == checked.key  # the books did not change
    assert second.key != first.key and second.computed_in == "run-1"
    before = read_part(first.part_dir, "contracts")
    after = read_part(second.part_dir, "contracts")
    assert len(before) == len(after)
    assert (before["contract_no"] != after["contract_no"]).sum() == 1


def test_registers_without_books_are_left_out_and_named(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    register = next(SAMPLE.glob("白沙乡*资源台账.csv"))
    shutil.copy(register, inputs / register.name)
    files = _ingest(inputs, tmp_path / "parts")
    assert pipeline.files_by_town(files) == {}
    assert list(pipeline.registers_by_town(files)) == ["白沙乡"]
    record = pipeline.register_record([], ["白沙乡"])
    assert record["towns_without_books"] == ["白沙乡"] and record["cases"] == 0
    assert isinstance(record["rows"], dict)
    assert pd.Series(record["rows"]).sum() == 0
