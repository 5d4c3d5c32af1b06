"""The generated registers agree with the ledgers, carry each kind of register misconduct with
its label, read back under the documented headers, and never change a ledger byte."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from data.generator import GenerationResult, generate_ledgers
from data.generator.county import build_county
from data.generator.labels import REGISTER_LABEL_COLUMNS
from data.generator.register_misconduct import REGISTER_MISCONDUCT
from tests.data.conftest import VILLAGES
from tests.data.register_rows import ID_FIELDS, read_registers

SMALL = {"villages": 4, "years": (2024,), "lines_per_village_year": 150, "seed": 5}
AS_OF = dt.date(2024, 12, 31)
CAPS = {"耕地": dt.date(2028, 12, 31)}
GRACE = dt.timedelta(days=30)


@pytest.fixture(scope="module")
def clean(clean_ledgers: GenerationResult) -> dict[str, pd.DataFrame]:
    return read_registers(clean_ledgers.register_files)


@pytest.fixture(scope="module")
def injected(ledgers: GenerationResult) -> dict[str, pd.DataFrame]:
    return read_registers(ledgers.register_files)


@pytest.fixture(scope="module")
def register_labels(ledgers: GenerationResult) -> pd.DataFrame:
    return pd.read_csv(ledgers.register_labels_path, dtype="str", keep_default_na=False,
                       encoding="utf-8-sig")


def _receipts(truth: pd.DataFrame, village: str, tenant: str) -> pd.DataFrame:
    income = truth["account_name"].str.contains("承包收入|发包收入")
    return truth.loc[(truth["village"] == village) & (truth["counterparty"] == tenant)
                     & income & (truth["credit_fen"] > 0)]


def _paid(truth: pd.DataFrame, village: str, contract_no: str) -> pd.DataFrame:
    return truth.loc[(truth["village"] == village) & (truth["contract_ref"] == contract_no)
                     & truth["account_code"].isin(["101", "102"]) & (truth["credit_fen"] > 0)]


def test_every_lease_has_a_contract_whose_schedule_the_books_follow(
    clean_ledgers: GenerationResult, clean: dict[str, pd.DataFrame]
) -> None:
    contracts, truth = clean["contracts"], clean_ledgers.truth
    for village in build_county(VILLAGES, seed=7).villages:
        for lease in village.leases:
            mine = contracts.loc[(contracts["village"] == village.name)
                                 & (contracts["counterparty"] == lease.tenant)]
            assert len(mine) == 1, (village.name, lease.tenant)
            contract = mine.iloc[0]
            assert contract["annual_rent"] == lease.yearly_rent_fen()
            assert contract["collection"] == ("按半年" if lease.half_yearly else "按年")
            assert contract["area"] == lease.area_tenths
            due = contract["first_due_on"]
            for year, paid in _receipts(truth, village.name, lease.tenant).groupby(
                    truth["voucher_date"].dt.year):
                assert paid["credit_fen"].sum() == contract["annual_rent"]
                halves = [due.replace(year=year)] + ([due.replace(year=year, month=8)]
                                                      if lease.half_yearly else [])
                for day, when in zip(paid["voucher_date"].dt.date.sort_values(), halves,
                                     strict=True):
                    assert day <= when + GRACE


def test_works_are_paid_within_their_contracts_signed_before_paying(
    clean_ledgers: GenerationResult, clean: dict[str, pd.DataFrame]
) -> None:
    truth = clean_ledgers.truth
    works = clean["contracts"].loc[clean["contracts"]["category"] == "工程建设"]
    refs = truth.loc[truth["contract_ref"] != "", ["village", "contract_ref"]].drop_duplicates()
    assert len(works) == len(refs) > 0
    for contract in works.itertuples():
        paid = _paid(truth, contract.village, contract.contract_no)
        assert paid["credit_fen"].sum() == contract.amount
        assert contract.signed_on <= contract.start_on < paid["voucher_date"].min().date()


def test_asset_values_equal_the_ledgers_fixed_asset_debits_by_year(
    clean_ledgers: GenerationResult, clean: dict[str, pd.DataFrame]
) -> None:
    truth = clean_ledgers.truth
    debits = truth.loc[truth["account_code"] == "151"].groupby(
        ["village", truth["voucher_date"].dt.year])["debit_fen"].sum()
    assets = clean["assets"]
    acquired = assets.assign(year=[day.year for day in assets["acquired_on"]])
    registered = acquired.loc[acquired["year"].isin([2023, 2024])
                              & (acquired["use_status"] != "在建")].groupby(
        ["village", "year"])["original_value"].sum()
    assert len(debits) > 0
    assert registered.sort_index().to_dict() == debits.rename_axis(
        ["village", "year"]).sort_index().to_dict()


def test_clean_registers_break_no_register_check(
    clean_ledgers: GenerationResult, clean: dict[str, pd.DataFrame]
) -> None:
    contracts, assets, resources = clean["contracts"], clean["assets"], clean["resources"]
    leases = contracts.loc[contracts["category"] != "工程建设"]
    years = [(row.end_on.year - row.start_on.year + 1) for row in leases.itertuples()]
    assert max(years) <= 20
    farmland = leases.loc[leases["land_class"] == "耕地"]
    assert (farmland["end_on"] <= CAPS["耕地"]).all()
    assert (contracts["signed_on"] <= contracts["start_on"]).all()
    assert (leases["end_on"] > AS_OF + dt.timedelta(days=90)).all()
    assert (contracts["decision_ref"] != "").all() and contracts["filed_on"].notna().all()
    assert not (assets["use_status"] == "闲置").any()
    assert not (resources["use_mode"] == "闲置").any()
    let = resources.loc[resources["use_mode"].isin(["出租", "发包"])]
    assert set(let["contract_no"]) <= set(contracts["contract_no"])
    subjects = set(resources["resource_no"]) | set(assets["asset_no"])
    assert set(leases["subject_no"]) <= subjects
    assert not leases.duplicated(["village", "subject_no"]).any()
    cadres = {cadre.name for village in build_county(VILLAGES, seed=7).villages
              for cadre in village.cadres}
    assert not contracts["counterparty"].isin(cadres).any()
    assert not clean_ledgers.register_labels_path.read_text(encoding="utf-8-sig").strip(
        ).count("\n")


def test_every_register_misconduct_is_present_and_labelled(
    register_labels: pd.DataFrame, ledgers: GenerationResult
) -> None:
    assert list(register_labels.columns) == REGISTER_LABEL_COLUMNS
    patterns = set(register_labels["pattern"])
    assert set(REGISTER_MISCONDUCT) | {"low_price", "unregistered_works"} <= patterns
    checks = {"contract.rent_overdue", "contract.income_unbooked", "contract.expired_in_use",
              "contract.term_cap", "contract.low_price", "contract.procedure",
              "contract.time_inversion", "works.paid_over_contract", "contract.related_party",
              "asset.ledger_mismatch", "asset.idle", "register.orphan"}
    assert set(register_labels["check_id"]) == checks
    names = {path.name for path in ledgers.register_files}
    assert set(register_labels["source_file"]) <= names


def test_labels_point_at_the_rows_that_show_the_case(
    register_labels: pd.DataFrame, injected: dict[str, pd.DataFrame], ledgers: GenerationResult
) -> None:
    rows = pd.concat([frame.assign(kind=kind, subject_id=frame[ID_FIELDS[kind]])
                      for kind, frame in injected.items()], ignore_index=True)
    rows["source_row"] = rows["source_row"].astype("str")
    pointed = register_labels.loc[register_labels["source_row"] != ""].merge(
        rows, on=["source_file", "source_row"], how="left", suffixes=("", "_row"),
        validate="m:1")
    assert (pointed["subject_id"] == pointed["subject_id_row"]).all()
    cadres = {cadre.name for village in build_county(VILLAGES, seed=7).villages
              for cadre in village.cadres}
    truth = ledgers.truth
    for label in pointed.itertuples():
        if label.check_id == "contract.term_cap":
            assert label.end_on.year - label.start_on.year + 1 > 20
        elif label.check_id == "contract.time_inversion":
            assert label.signed_on > label.start_on
        elif label.check_id == "contract.procedure":
            assert label.decision_ref == "" and pd.isna(label.filed_on)
        elif label.check_id == "contract.related_party":
            assert label.counterparty in cadres
        elif label.check_id == "works.paid_over_contract":
            assert _paid(truth, label.village, label.contract_no)["credit_fen"].sum() > \
                label.amount
        elif label.check_id == "contract.expired_in_use":
            later = _receipts(truth, label.village, label.counterparty)
            assert (later["voucher_date"].dt.date > label.end_on).any()
        elif label.check_id == "contract.rent_overdue":
            received = _receipts(truth, label.village, label.counterparty)
            assert received["credit_fen"].sum() < label.annual_rent * 2
        elif label.check_id == "asset.idle":
            assert "闲置" in (label.use_status, label.use_mode)


def test_trade_modes_agree_with_the_rent_save_where_procedure_is_the_case(
    register_labels: pd.DataFrame, injected: dict[str, pd.DataFrame]
) -> None:
    """A lease whose yearly rent reaches the platform line went through the platform (公开竞价,
    or renewed): only the injected 直接协商 cases break that (contract.procedure)."""
    contracts = injected["contracts"]
    leases = contracts.loc[contracts["category"] != "工程建设"]
    procedure = set(register_labels.loc[register_labels["check_id"] == "contract.procedure",
                                        "subject_id"])
    above = leases.loc[(leases["annual_rent"] >= 1_000_000)
                       & ~leases["contract_no"].isin(procedure)]
    assert len(above) > 0
    assert above["trade_mode"].isin(["公开竞价", "续约"]).all()


def test_injected_terms_stay_readable_and_only_term_cap_breaks_a_cap(
    injected: dict[str, pd.DataFrame], register_labels: pd.DataFrame
) -> None:
    contracts = injected["contracts"]
    assert (contracts["end_on"].dropna().map(lambda day: day.year) <= 2099).all()
    capped = set(register_labels.loc[register_labels["check_id"] == "contract.term_cap",
                                     "subject_id"])
    farmland = contracts.loc[(contracts["land_class"] == "耕地")
                             & ~contracts["contract_no"].isin(capped)]
    assert (farmland["end_on"] <= CAPS["耕地"]).all()


def test_low_priced_contracts_are_far_below_their_town_peers(
    register_labels: pd.DataFrame, injected: dict[str, pd.DataFrame]
) -> None:
    contracts = injected["contracts"].loc[lambda frame: frame["category"] != "工程建设"]
    low = register_labels.loc[register_labels["check_id"] == "contract.low_price", "subject_id"]
    peers = contracts.loc[~contracts["contract_no"].isin(low)].groupby("land_class")[
        "unit_price"].median()
    flagged = contracts.loc[contracts["contract_no"].isin(low)]
    assert len(flagged) >= 1
    assert (flagged["unit_price"] < 0.5 * flagged["land_class"].map(peers)).all()


def test_register_files_come_in_every_style(ledgers: GenerationResult) -> None:
    files = ledgers.register_files
    assert len(files) == 3 * VILLAGES
    suffixes = {path.suffix for path in files}
    assert suffixes == {".csv", ".xlsx"}
    starts = {path.read_bytes()[:3] == b"\xef\xbb\xbf" for path in files if path.suffix == ".csv"}
    assert starts == {True, False}  # UTF-8 with BOM, and GB18030
    texts = [path.read_bytes().decode("utf-8-sig" if path.read_bytes()[:3] == b"\xef\xbb\xbf"
                                      else "gb18030")
             for path in files if path.suffix == ".csv"]
    assert any("平方米" in text for text in texts)
    assert any(".1.1-" in text for text in texts)
    assert all("合计" in text and "截至" in text for text in texts)


def test_same_seed_same_registers_and_registers_leave_ledgers_alone(tmp_path: Path) -> None:
    first = generate_ledgers(tmp_path / "first", **SMALL)
    generate_ledgers(tmp_path / "again", **SMALL)
    alone = generate_ledgers(tmp_path / "alone", registers=False, **SMALL)
    assert {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()} == {
        p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()}
    ledger_files = [path.name for path in alone.files] + ["labels.csv"]
    assert all((tmp_path / "first" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()
               for name in ledger_files)
    assert first.register_files and not alone.register_files
