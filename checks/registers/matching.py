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
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from checks.prepared import per_group_any
from checks.registers.columns import SCHEDULE_COLUMNS
from checks.registers.ledger import contract_candidates, tuples

MONEY_KINDS = ("cash", "bank")
RECEIPT_KINDS = ("rent_income", "receivable")
# what a line names a contract by (:func:`checks.registers.ledger.contract_candidates`)
CANDIDATE_COLUMNS = ["village", "contract_ref", "summary", "name_key"]
FLOW_COLUMNS = ["entry_id", "village", "date", "period", "amount_fen", "contracts", "direction"]


BEFORE_BOOKS = "账期之前"  # due before the village's books begin: not judged


@dataclass(frozen=True)
class ContractLines:
    """The journal lines that belong to contracts, each with the contracts it names
    (``FLOW_COLUMNS``): ``flows`` the receipts (收) and payments (付), ``income`` the income
    booked to contracts (credits to rent-income accounts, whether received or accrued)."""

    flows: pd.DataFrame
    income: pd.DataFrame


def _lengths(candidates: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, candidates), dtype=np.int64, count=len(candidates))


def _in_voucher(voucher: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per line, the contracts it names, else those named anywhere in its voucher (in the
    order its lines name them)."""
    lengths = _lengths(candidates)
    naming = lengths > 0
    pairs = pd.DataFrame({
        "voucher": np.repeat(voucher[naming], lengths[naming]),
        "contract": list(itertools.chain.from_iterable(candidates[naming])),
    }).drop_duplicates().sort_values("voucher", kind="stable")
    firsts, starts = np.unique(pairs["voucher"].to_numpy(), return_index=True)
    numbers = pairs["contract"].tolist()
    bounds = [*starts.tolist(), len(numbers)]
    per_voucher = np.empty(voucher.max() + 1 if len(voucher) else 0, dtype=object)
    per_voucher.fill(())
    per_voucher[firsts] = tuples(tuple(numbers[start:stop])
                                 for start, stop in itertools.pairwise(bounds))
    return np.where(naming, candidates, per_voucher[voucher])


def _flows(lines: pd.DataFrame, mask: np.ndarray, amount: np.ndarray, names: np.ndarray,
           direction: str) -> pd.DataFrame:
    """The lines of ``mask`` that name a contract, with their ``amount`` and ``names``
    (``lines`` has the columns of ``FLOW_COLUMNS`` it gives)."""
    mask = mask & (_lengths(names) > 0)
    chosen = lines.loc[mask]
    return pd.DataFrame({
        "entry_id": chosen["entry_id"].array, "village": chosen["village"].array,
        "date": chosen["date"].to_numpy(), "period": chosen["period"].array,
        "amount_fen": amount[mask].astype(np.int64), "contracts": names[mask],
        "direction": direction,
    })


def contract_lines(lines: pd.DataFrame, contracts: pd.DataFrame) -> ContractLines:
    """The receipts, payments and income of the journal that belong to contracts (module
    docstring). Only the vouchers holding such a line are searched for contract names."""
    if lines.empty or contracts.empty:
        return ContractLines(pd.DataFrame(columns=FLOW_COLUMNS),
                             pd.DataFrame(columns=FLOW_COLUMNS))
    voucher = lines["voucher"].to_numpy()
    kind = lines["kind"]
    debit, credit = lines["debit_fen"].to_numpy(), lines["credit_fen"].to_numpy()
    money = kind.isin(MONEY_KINDS).to_numpy()
    cash_in = per_group_any(money & (debit > 0), voucher)
    cash_out = per_group_any(money & (credit > 0), voucher)
    receipts = cash_in & kind.isin(RECEIPT_KINDS).to_numpy() & (credit != 0)
    payments = cash_out & ~money & (debit != 0)
    income = (kind == "rent_income").to_numpy() & (credit != 0)
    searched = per_group_any(receipts | payments | income, voucher)
    numbered, named = contract_candidates(lines[CANDIDATE_COLUMNS], contracts)
    citing = _lengths(numbered) > 0
    cited = {(village, number) for village, numbers in zip(
        lines["village"][citing].tolist(), numbered[citing], strict=True) for number in numbers}
    # from here on, the lines of the searched vouchers only
    lines = lines.loc[searched, ["entry_id", "village", "date", "period"]]
    named = _in_voucher(voucher[searched], named[searched])
    numbered = _in_voucher(voucher[searched], numbered[searched])
    paying = payments[searched] & ((_lengths(numbered) > 0) | (_lengths(named) > 0))
    paid_to = np.empty(len(lines), dtype=object)
    paid_to.fill(())
    paid_to[paying] = tuples(
        by_number or tuple(number for number in by_name if (village, number) not in cited)
        for village, by_number, by_name in zip(
            lines["village"][paying].tolist(), numbered[paying], named[paying], strict=True))
    debit, credit = debit[searched], credit[searched]
    # a line's net amount: one written with the same sum on both sides moves nothing
    flows = pd.concat([_flows(lines, receipts[searched], credit - debit, named, "收"),
                       _flows(lines, payments[searched], debit - credit, paid_to, "付")],
                      ignore_index=True)
    return ContractLines(flows=flows,
                         income=_flows(lines, income[searched], credit, named, "收"))


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
