"""Registers, per town: the town's 三资 registers (contracts, payment plans, assets, resources)
checked against its books (part "registers/<key>").

A register file is read at ingest like a ledger (:func:`flows.stages.ingest.ingest_file`
recognises it by its headers) and its rows kept in its file part. Here each town's registers
meet the town's checked entries: the schedule of amounts due and what the journal received
against them, the checks of :mod:`checks.registers`, and their cases — one per contract,
asset, resource or account (:mod:`models.register_cases`) — in the same lists as the
journal's. The books' last period is the audit date: an amount due after it cannot have been
received in the books yet.

A town's registers part is keyed by its checked entries' part, its register files and the
parameters the checks read, so a corrected register (or ledger) redoes its town only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from checks.params import AuditParams
from checks.registers.audit import audit_registers
from checks.registers.columns import COLUMNS, ID_COLUMNS, REGISTER_KINDS, empty_frame
from checks.registers.matching import BEFORE_BOOKS
from flows.cases import cases_table
from flows.parts import parquet_writer, part_key, read_part
from flows.stages.common import PartKind
from flows.stages.ingest import FilePart
from flows.stages.prepare import TownPart
from models.register_cases import SUBJECT_KEY, register_cases, subject_entry_id, subject_lines

REGISTER_OUTPUTS = ("contracts", "plans", "assets", "resources", "schedule")
REGISTERS = PartKind("registers", (*REGISTER_OUTPUTS, "findings", "cases", "flagged",
                                   "store_cases", "context", "subjects", "village_contracts"))
# What the review store keeps of a town's registers, for the case and village pages.
SUBJECT_COLUMNS = ["case_id", "town", "village", "subject_kind", "subject_id", "name",
                   "terms", "findings", "schedule"]
VILLAGE_CONTRACT_COLUMNS = ["town", "village", "year", "contracts_active", "contracts_expiring",
                            "rent_due_fen", "rent_received_fen", "overdue_fen", "overdue_items"]
# The subject kind of each register's rows, and the fields a case page shows as its terms.
SUBJECT_OF = {"contracts": "contract", "assets": "asset", "resources": "resource"}
NAME_FIELD = {"contracts": "contract_name", "assets": "asset_name",
              "resources": "resource_name"}
COUNTERPARTY_FIELD = {"contracts": "counterparty", "resources": "tenant"}
TERM_HEADERS = {
    "contract_no": "合同编号", "contract_name": "合同名称", "category": "合同类别",
    "counterparty": "对方", "subject_no": "标的编号", "land_class": "地类", "area_mu": "面积（亩）",
    "signed_on": "签订日期", "start_on": "起始日期", "end_on": "终止日期",
    "amount_fen": "合同金额（元）", "annual_rent_fen": "年租金（元）",
    "unit_price_fen": "单价（元/亩/年）", "collection": "收款方式", "trade_mode": "交易方式",
    "decision_ref": "决议编号", "filed_on": "备案日期", "status": "合同状态",
    "asset_no": "资产编号", "asset_name": "资产名称", "asset_class": "资产类别",
    "acquired_on": "取得日期", "original_value_fen": "原值（元）", "use_status": "使用状况",
    "resource_no": "资源编号", "resource_name": "资源名称", "use_mode": "经营方式",
    "tenant": "承租人",
}


@dataclass(frozen=True)
class RegisterPart:
    """One town's registers checked: where its frames are, and their counts."""

    town: str
    key: str
    part_dir: str
    rows: dict[str, int]  # register rows per kind
    n_cases: int
    n_rule_cases: int
    check_counts: dict[str, int]
    as_of: str
    computed_in: str
    files: tuple[str, ...] = field(default_factory=tuple)


def registers_by_town(files: list[FilePart]) -> dict[str, list[FilePart]]:
    """Each town's register files, in input order."""
    towns: dict[str, list[FilePart]] = {}
    for part in files:
        if part.register and part.readable:
            for town in part.towns:
                towns.setdefault(town, []).append(part)
    return dict(sorted(towns.items()))


def register_key(town: TownPart, files: list[FilePart], params: AuditParams) -> str:
    """The part key: the town's checked entries, its register files, the checks' parameters."""
    return part_key("registers", town.key, [part.key for part in files],
                    params.registers.model_dump(mode="json"), params.county)


def audit_date(period: str) -> dt.date:
    """The last day of a ``YYYY-MM`` period."""
    year, month = (int(part) for part in period.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def audit_town_registers(
    town: TownPart, files: list[FilePart], *, key: str, params: AuditParams, parts_dir: Path,
    run_id: str,
) -> RegisterPart:
    """The town's registers against its books: schedule, findings and their cases."""
    registers = town_registers(files, town.town)
    entries = read_part(town.part_dir, "entries")
    as_of = audit_date(town.periods[1])
    audit = audit_registers(registers, entries, params, as_of)
    cases = register_cases(audit.findings)
    last_periods = entries.groupby(["town", "village"])["period"].max().to_dict()
    flagged = subject_lines(cases, subjects(registers), last_periods)
    store_cases = cases.drop(columns="content_hash").assign(
        entry_ids=[[subject_entry_id(*key)] for key in
                   cases[SUBJECT_KEY].itertuples(index=False, name=None)])
    frames: dict[str, Any] = {kind: registers[kind] for kind in REGISTER_KINDS}
    frames |= {"schedule": audit.schedule, "findings": audit.findings,
               "cases": cases_table(cases), "flagged": _typed(flagged),
               "store_cases": cases_table(store_cases), "context": evidence_lines(entries, cases),
               "subjects": subject_pages(cases, audit.findings, audit.schedule,
                                         subjects(registers)),
               "village_contracts": village_contracts(registers["contracts"], audit.schedule,
                                                      as_of, params)}
    counts = audit.findings["check_id"].value_counts().to_dict() if len(audit.findings) else {}
    part = RegisterPart(
        town=town.town, key=key, part_dir=str(REGISTERS.directory(parts_dir, key)),
        rows={kind: len(registers[kind]) for kind in REGISTER_KINDS},
        n_cases=len(cases), n_rule_cases=int((cases["rule_ids"].map(len) > 0).sum()),
        check_counts={str(check): int(count) for check, count in counts.items()},
        as_of=as_of.isoformat(), computed_in=run_id, files=tuple(part.file for part in files))
    REGISTERS.write(parts_dir, key, frames, part)
    return part


def _typed(flagged: pd.DataFrame) -> pa.Table | pd.DataFrame:
    """The subject lines with their list and count columns typed (an empty list or an
    all-missing column has no type of its own)."""
    if flagged.empty:
        return flagged
    table = pa.Table.from_pandas(flagged.astype({"attachments": "Int64"}), preserve_index=False)
    for name in ("rule_ids", "signals"):
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(
            flagged[name].tolist(), type=pa.list_(pa.string())))
    return table


def town_registers(files: list[FilePart], town: str) -> dict[str, pd.DataFrame]:
    """The town's rows of each register kind, stacked from its files."""
    stacked: dict[str, list[pd.DataFrame]] = {kind: [] for kind in REGISTER_KINDS}
    for part in files:
        stacked[part.register].append(read_part(part.part_dir, "register", town=town))
    return {kind: pd.concat(frames, ignore_index=True) if frames
            else empty_frame(COLUMNS[kind]) for kind, frames in stacked.items()}


def subjects(registers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per subject of the registers: its name, counterparty, source row and terms."""
    rows = []
    for kind, subject_kind in SUBJECT_OF.items():
        frame = registers[kind]
        for record in frame.to_dict("records"):
            rows.append({
                "town": record["town"], "village": record["village"],
                "subject_kind": subject_kind, "subject_id": record[ID_COLUMNS[kind]],
                "name": record.get(NAME_FIELD[kind]) or "",
                "counterparty": record.get(COUNTERPARTY_FIELD.get(kind, ""), "") or "",
                "source_file": record["source_file"], "source_sheet": record["source_sheet"],
                "source_row": record["source_row"], "terms": _terms(record),
            })
    frame = pd.DataFrame(rows, columns=[*SUBJECT_KEY, "name", "counterparty", "source_file",
                                        "source_sheet", "source_row", "terms"])
    return frame.drop_duplicates(SUBJECT_KEY)


def _terms(record: dict[str, Any]) -> dict[str, str]:
    terms = {}
    for name, header in TERM_HEADERS.items():
        value = record.get(name)
        if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
            continue
        if name.endswith("_fen"):
            value = f"{int(value) / 100:,.2f}"
        elif isinstance(value, pd.Timestamp | dt.date):
            value = f"{pd.Timestamp(value):%Y-%m-%d}"
        terms[header] = str(value)
    extra = record.get("extra") or ""
    if extra:
        terms |= {str(key): str(value) for key, value in json.loads(extra).items()}
    return terms


def evidence_lines(entries: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The journal lines the register cases rest on, each with its case (the first case
    naming it), as the findings workbook's lines sheet shows them."""
    pairs = [(entry, case) for case, ids in zip(cases["case_id"], cases["entry_ids"],
                                                strict=True) for entry in ids]
    if not pairs:
        return entries.iloc[:0].assign(flagged=pd.Series(dtype="bool"),
                                       rank=pd.Series(dtype="int64"),
                                       case_id=pd.Series(dtype="str"))
    case_of = pd.DataFrame(pairs, columns=["entry_id", "case_id"]).drop_duplicates("entry_id")
    lines = entries.merge(case_of, on="entry_id", how="inner")
    return lines.assign(flagged=True, rank=1)


def subject_pages(cases: pd.DataFrame, findings: pd.DataFrame, schedule: pd.DataFrame,
                  known: pd.DataFrame) -> pd.DataFrame:
    """Per register case, what its page shows: the subject's name and terms, each finding
    with its evidence, and for a contract its schedule with what was matched to each amount
    due (JSON texts)."""
    if cases.empty:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in SUBJECT_COLUMNS})
    named = {tuple(row[:4]): row[4] for row in zip(
        *(known[name] for name in SUBJECT_KEY), known.to_dict("records"), strict=True)}
    found: dict[tuple, list[dict]] = {}
    for item in findings.to_dict("records"):
        found.setdefault(tuple(item[name] for name in SUBJECT_KEY), []).append(item)
    due: dict[tuple, list[dict]] = {}
    for item in schedule.to_dict("records"):
        due.setdefault((item["town"], item["village"], item["contract_no"]), []).append(item)
    rows = []
    for case in cases.itertuples(index=False):
        key = (case.town, case.village, case.subject_kind, case.subject_id)
        subject = named.get(key, {})
        amounts = (due.get((case.town, case.village, case.subject_id), [])
                   if case.subject_kind == "contract" else [])
        rows.append({
            "case_id": case.case_id, "town": case.town, "village": case.village,
            "subject_kind": case.subject_kind, "subject_id": case.subject_id,
            "name": str(subject.get("name") or ""),
            "terms": json.dumps(subject.get("terms") or {}, ensure_ascii=False),
            "findings": json.dumps([
                {"check_id": item["check_id"], "kind": item["kind"],
                 "severity": item["severity"], "reason": item["reason"],
                 "entry_ids": list(item["entry_ids"]),
                 "evidence": json.loads(item["evidence"] or "{}")}
                for item in found.get(key, [])], ensure_ascii=False, default=str),
            "schedule": json.dumps([_due(item) for item in amounts], ensure_ascii=False),
        })
    return pd.DataFrame(rows, columns=SUBJECT_COLUMNS)


def _due(item: dict[str, Any]) -> dict[str, Any]:
    def day(value: Any) -> str:
        return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"

    def number(value: Any) -> int | None:
        return None if value is None or pd.isna(value) else int(value)

    return {"instalment": number(item.get("instalment")), "direction": item["direction"],
            "due_on": day(item["due_on"]), "amount_due_fen": number(item["amount_due_fen"]),
            "matched_fen": number(item["matched_fen"]),
            "matched_entry_ids": list(item["matched_entry_ids"] or []),
            "last_received_on": day(item["last_received_on"]), "status": item["status"],
            "days_overdue": number(item["days_overdue"]), "origin": item["origin"]}


def village_contracts(contracts: pd.DataFrame, schedule: pd.DataFrame, as_of: dt.date,
                      params: AuditParams) -> pd.DataFrame:
    """Per village and year of the schedule up to the audit date: contracts in force, those
    ending within the lead time (in the audit date's year), rent due and received, and what
    is overdue (amounts due to the village, 收)."""
    rents = schedule[(schedule["direction"] == "收") & (schedule["due_on"] <= pd.Timestamp(as_of))
                     & (schedule["status"] != BEFORE_BOOKS)]
    if rents.empty and contracts.empty:
        return pd.DataFrame({name: pd.Series(dtype="str" if name in ("town", "village")
                                             else "int64") for name in VILLAGE_CONTRACT_COLUMNS})
    open_fen = (rents["amount_due_fen"] - rents["matched_fen"]).clip(lower=0)
    overdue = rents["status"].isin(("逾期未收", "部分收到"))
    money = rents.assign(year=rents["due_on"].dt.year.astype("int64"),
                         overdue_fen=open_fen.where(overdue, 0), overdue_items=overdue.astype(int)
                         ).groupby(["town", "village", "year"]).agg(
        rent_due_fen=("amount_due_fen", "sum"), rent_received_fen=("matched_fen", "sum"),
        overdue_fen=("overdue_fen", "sum"), overdue_items=("overdue_items", "sum"))
    years = sorted(set(money.index.get_level_values("year")) | {as_of.year})
    lead = pd.Timedelta(days=params.registers.expiring_days)
    starts = contracts["start_on"].to_numpy(dtype="datetime64[ns]")[:, None]
    ends = contracts["end_on"].to_numpy(dtype="datetime64[ns]")[:, None]
    first_days = np.array([f"{year}-01-01" for year in years], dtype="datetime64[ns]")
    last_days = np.array([f"{year}-12-31" for year in years], dtype="datetime64[ns]")
    # contracts in force in each year (a blank date leaves that side open)
    active = ((np.isnat(starts) | (starts <= last_days)) & (np.isnat(ends) | (ends >= first_days)))
    audit_day = np.datetime64(pd.Timestamp(as_of).to_datetime64(), "ns")
    ending = ends[:, 0]
    expiring = ~np.isnat(ending) & (ending >= audit_day) & (
        ending <= audit_day + np.timedelta64(lead.value, "ns"))
    counts = []
    for (town, village), rows in contracts.groupby(["town", "village"]).indices.items():
        in_force = active[rows].sum(axis=0)
        for year, count in zip(years, in_force.tolist(), strict=True):
            counts.append({"town": town, "village": village, "year": year,
                           "contracts_active": count,
                           "contracts_expiring": int(expiring[rows].sum())
                           if year == as_of.year else 0})
    frame = pd.DataFrame(counts, columns=["town", "village", "year", "contracts_active",
                                          "contracts_expiring"])
    merged = frame.merge(money.reset_index(), on=["town", "village", "year"], how="outer")
    for name in VILLAGE_CONTRACT_COLUMNS[3:]:
        merged[name] = merged[name].fillna(0).astype("int64")
    return merged[VILLAGE_CONTRACT_COLUMNS].sort_values(["village", "year"], ignore_index=True)


def write_registers(parts: list[RegisterPart], out_dir: Path) -> dict[str, Path]:
    """contracts.parquet, plans.parquet, assets.parquet, resources.parquet and
    schedule.parquet: the towns' register rows and amounts due, where any register was read."""
    if not parts:
        return {}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in REGISTER_OUTPUTS:
        frames = [read_part(part.part_dir, name) for part in parts]
        frame = pd.concat([item for item in frames if len(item)] or frames[:1],
                          ignore_index=True)
        if name == "plans" and frame.empty:
            continue
        path = out_dir / f"{name}.parquet"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if "matched_entry_ids" in frame.columns:  # a list column pandas cannot name back
            table = table.set_column(
                table.schema.get_field_index("matched_entry_ids"), "matched_entry_ids",
                pa.array([list(ids) for ids in frame["matched_entry_ids"]],
                         type=pa.list_(pa.string())))
        with parquet_writer(path, table.replace_schema_metadata(None)) as writer:
            writer.write_table(table.replace_schema_metadata(None))
        written[name] = path
    return written


def register_record(parts: list[RegisterPart], without_books: list[str]) -> dict[str, Any]:
    """What run.json says of the registers: rows per kind, cases and findings per check, the
    audit date per town, and the towns whose registers came without books."""
    rows = {kind: sum(part.rows.get(kind, 0) for part in parts) for kind in REGISTER_KINDS}
    checks: dict[str, int] = {}
    for part in parts:
        for check, count in part.check_counts.items():
            checks[check] = checks.get(check, 0) + count
    return {
        "towns": {part.town: {"rows": part.rows, "cases": part.n_cases,
                              "rule_cases": part.n_rule_cases, "as_of": part.as_of,
                              "files": list(part.files)} for part in parts},
        "rows": rows, "cases": sum(part.n_cases for part in parts),
        "rule_cases": sum(part.n_rule_cases for part in parts),
        "check_counts": dict(sorted(checks.items())),
        "towns_without_books": without_books,
    }
