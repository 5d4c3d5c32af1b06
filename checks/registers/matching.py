"""Matching the schedule of amounts due to the journal: rent received, works paid.

A receipt (direction 收) is a credit to a rent-income or receivable account (:mod:`ledger`) in
a voucher that debits cash or bank — money that came in, not an accrual; a payment (direction
付) is a debit to any account but cash and bank in a voucher that credits cash or bank. It is
the contract's when the line names the contract (number or counterparty), or, when the line
names none, when another line of its voucher does (the bank line often carries the
counterparty). A payment is taken for a contract by its counterparty only while the village's
books never cite that contract by number: where the bookkeeper writes the number on the
contract's payments, the contractor's other payments (repairs, materials) are other business.

Receipts are allocated to the contract's amounts due oldest-due-first, whenever they came:
a late payment settles the oldest debt, an early one the next instalment, and a partial one
leaves the rest open. A receipt naming several contracts (one tenant, two parcels) is allocated
after the receipts naming one, over those contracts' open amounts, oldest first. Red-ink
(negative) receipts take back the latest allocations. Only journal lines up to ``as_of`` count.

Each amount due then has a status: 已收清 (matched in full), 未到期 (not yet due and not paid
in full), 部分收到 (due, partly matched), 逾期未收 (due, nothing matched); ``days_overdue`` is
the days from the due date to ``as_of`` while anything is open, else the days it was paid late
(0 when on time). Amounts due before a village's books begin (or in a village without books)
cannot be judged from them: nothing is allocated to them and their status is 账期之前.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from checks.prepared import per_group_any
from checks.registers.columns import SCHEDULE_COLUMNS
from checks.registers.ledger import contract_candidates

MONEY_KINDS = ("cash", "bank")
RECEIPT_KINDS = ("rent_income", "receivable")
FLOW_COLUMNS = ["entry_id", "village", "date", "period", "amount_fen", "contracts", "direction"]


BEFORE_BOOKS = "账期之前"  # due before the village's books begin: not judged


def _voucher_candidates(lines: pd.DataFrame, candidates: pd.Series) -> pd.Series:
    """Per line, the contracts named anywhere in its voucher."""
    named = pd.DataFrame({"voucher": lines["voucher"], "contract": candidates}).explode("contract")
    named = named.dropna(subset=["contract"])
    per_voucher = named.groupby("voucher")["contract"].agg(lambda values: tuple(dict.fromkeys(
        values)))
    return lines["voucher"].map(per_voucher).apply(lambda value: value if isinstance(
        value, tuple) else ())


def contract_flows(lines: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """The receipts (收) and payments (付) of the journal that belong to contracts, with the
    contracts each names (``FLOW_COLUMNS``)."""
    if lines.empty or contracts.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    own = contract_candidates(lines, contracts)
    named = own.where(own.str.len() > 0, _voucher_candidates(lines, own))
    numbered = contract_candidates(lines, contracts, by_name=False)
    numbered = numbered.where(numbered.str.len() > 0, _voucher_candidates(lines, numbered))
    cited = {(village, number) for village, numbers in zip(lines["village"], numbered,
                                                           strict=True) for number in numbers}
    paid_to = pd.Series([
        by_number or tuple(number for number in by_name if (village, number) not in cited)
        for village, by_number, by_name in zip(lines["village"], numbered, named, strict=True)
    ], index=lines.index, dtype=object)
    money = lines["kind"].isin(MONEY_KINDS)
    cash_in = per_group_any(money & (lines["debit_fen"] > 0), lines["voucher"].to_numpy())
    cash_out = per_group_any(money & (lines["credit_fen"] > 0), lines["voucher"].to_numpy())
    receipts = cash_in & lines["kind"].isin(RECEIPT_KINDS) & (lines["credit_fen"] != 0)
    payments = cash_out & ~money & (lines["debit_fen"] != 0)
    frames = []
    # a line's net amount: one written with the same sum on both sides moves nothing
    for direction, mask, amount, names in (
            ("收", receipts, lines["credit_fen"] - lines["debit_fen"], named),
            ("付", payments, lines["debit_fen"] - lines["credit_fen"], paid_to)):
        mask = np.asarray(mask) & (names.str.len() > 0).to_numpy()
        chosen = lines.loc[mask]
        frames.append(pd.DataFrame({
            "entry_id": chosen["entry_id"], "village": chosen["village"], "date": chosen["date"],
            "period": chosen["period"], "amount_fen": amount[mask].astype(np.int64),
            "contracts": names[mask], "direction": direction,
        }))
    return pd.concat(frames, ignore_index=True)


def income_lines(lines: pd.DataFrame, contracts: pd.DataFrame) -> pd.DataFrame:
    """Income booked to contracts: credits to rent-income accounts naming a contract (itself or
    in its voucher), whether received or accrued (``FLOW_COLUMNS``)."""
    if lines.empty or contracts.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    own = contract_candidates(lines, contracts)
    named = own.where(own.str.len() > 0, _voucher_candidates(lines, own))
    mask = ((lines["kind"] == "rent_income") & (lines["credit_fen"] != 0)
            & (named.str.len() > 0)).to_numpy()
    chosen = lines.loc[mask]
    return pd.DataFrame({
        "entry_id": chosen["entry_id"], "village": chosen["village"], "date": chosen["date"],
        "period": chosen["period"], "amount_fen": chosen["credit_fen"].astype(np.int64),
        "contracts": named[mask], "direction": "收",
    }).reset_index(drop=True)


def _allocate(rows: list[dict[str, Any]], flows: Iterable[tuple[str, Any, int]]) -> None:
    """Allocate ``flows`` (entry id, date, amount) to ``rows`` (open amounts due, in due-date
    order) oldest-due-first, in place."""
    for entry_id, day, amount in flows:
        if amount >= 0:
            for row in rows:
                if amount == 0:
                    break
                take = min(amount, row["amount_due_fen"] - row["matched_fen"])
                if take > 0:
                    row["matched_fen"] += take
                    row["matched_entry_ids"].append(entry_id)
                    row["last_received_on"] = day
                    amount -= take
        else:
            for row in reversed(rows):
                give_back = min(-amount, row["matched_fen"])
                if give_back > 0:
                    row["matched_fen"] -= give_back
                    row["matched_entry_ids"].append(entry_id)
                    amount += give_back


def match_schedule(schedule: pd.DataFrame, flows: pd.DataFrame, as_of: dt.date,
                   books_start: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The schedule with each amount due's match, status and days overdue (a new frame);
    ``books_start`` maps a village to the first day of its books (None: all are judged)."""
    records = schedule.to_dict("records")
    for row in records:
        row.update(matched_fen=0, matched_entry_ids=[], last_received_on=pd.NaT)
    if books_start is not None:
        unjudged = [row for row in records if row["village"] not in books_start
                    or row["due_on"] < books_start[row["village"]]]
        ids = {id(row) for row in unjudged}
        records_judged = [row for row in records if id(row) not in ids]
        for row in unjudged:
            row.update(status=BEFORE_BOOKS, days_overdue=pd.NA)
    else:
        records_judged = records
    cutoff = pd.Timestamp(as_of)
    usable = flows.loc[flows["date"] <= cutoff].sort_values(["date", "entry_id"], kind="stable")
    by_contract: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in sorted(records_judged, key=lambda item: item["due_on"]):
        by_contract.setdefault((row["village"], row["direction"], row["contract_no"]),
                               []).append(row)
    pooled: dict[tuple[str, str, tuple[str, ...]], list[tuple[str, Any, int]]] = {}
    single: dict[tuple[str, str, str], list[tuple[str, Any, int]]] = {}
    for entry_id, village, day, amount, named, direction in zip(
        usable["entry_id"], usable["village"], usable["date"], usable["amount_fen"],
        usable["contracts"], usable["direction"], strict=True,
    ):
        if len(named) == 1:
            single.setdefault((village, direction, named[0]), []).append((entry_id, day, amount))
        else:
            pooled.setdefault((village, direction, tuple(sorted(named))), []).append(
                (entry_id, day, amount))
    for key, received in single.items():
        _allocate(by_contract.get(key, []), received)
    for (village, direction, numbers), received in pooled.items():
        rows = sorted((row for number in numbers
                       for row in by_contract.get((village, direction, number), [])),
                      key=lambda item: item["due_on"])
        _allocate(rows, received)
    for row in records_judged:
        row.update(_status(row, cutoff))
    matched = pd.DataFrame(records, columns=list(SCHEDULE_COLUMNS))
    return matched.astype(SCHEDULE_COLUMNS) if len(matched) else schedule.copy()


def _status(row: dict[str, Any], as_of: pd.Timestamp) -> dict[str, Any]:
    due, owed, paid = row["due_on"], row["amount_due_fen"], row["matched_fen"]
    if paid >= owed:
        late = 0 if pd.isna(row["last_received_on"]) else (row["last_received_on"] - due).days
        return {"status": "已收清", "days_overdue": max(late, 0)}
    if due > as_of:
        return {"status": "未到期", "days_overdue": 0}
    return {"status": "部分收到" if paid > 0 else "逾期未收",
            "days_overdue": (as_of - due).days}
