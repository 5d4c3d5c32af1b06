"""Village scorecards (村级考核计分卡): one row per village and year, each indicator a function
named after the column it returns.

Accounts are taken by meaning, not by code: a line's first-level code is looked up in the chart
in force for its period and unit (:func:`checks.prepared.chart_in_force`), and the indicators
read that account's category, normal side, name and roles. 502 is 经营支出 in the 2004 chart
and 投资收益 in the 2023 chart; both read as what they mean, so a village whose books switch
charts in 2024 has one series. Year-end closing vouchers (word 转, period 12, 结转 in the 摘要,
a line on 本年收益) move the year's income and spending into equity and are left out of the
flows; red-ink reversals are negative amounts (docs/reading-exports.md, 各种写法怎么认) and net
out in every sum.

:func:`ledger_lines` gives the few columns the indicators read, once per town; each indicator
takes that frame and returns a Series on (town, village, year). Inputs are never mutated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks.charts import CHART_KEYS, FIRST_LEVEL_DIGITS, Chart
from checks.prepared import CLOSING_WORD, chart_in_force, dense_key, per_group_any, terms_pattern

KEY = ["town", "village", "year"]
# What the indicators read of the canonical entries.
ENTRY_COLUMNS = ["town", "village", "period", "voucher_word", "voucher_number", "summary",
                 "account_code", "account_name", "debit_fen", "credit_fen"]
INCOME, EXPENSE, ASSET, LIABILITY = "income", "expense", "asset", "liability"
ADMIN_EXPENSE = "管理费用"
# The journal's indicators, in the order of scorecards.parquet.
JOURNAL_INDICATORS = ["income_fen", "operating_income_fen", "expense_fen", "admin_expense_fen",
                      "admin_expense_share", "cadre_pay_fen", "cash_payment_share", "debt_ratio"]


def _meanings(charts: dict[str, Chart]) -> pd.DataFrame:
    """Per chart ("2004"/"2023") and first-level code: its kind (income, expense, asset,
    liability or none), its name and whether it is cash or bank."""
    rows = []
    for key in CHART_KEYS:
        for code, account in charts[key].accounts.items():
            kind = {("损益", "贷"): INCOME, ("损益", "借"): EXPENSE}.get(
                (account.category, account.side),
                {"资产": ASSET, "负债": LIABILITY}.get(account.category, ""))
            rows.append({"chart": key, "first_level": code, "kind": kind, "name": account.name,
                         "cash": "cash" in account.roles, "bank": "bank" in account.roles,
                         "current_income": "current_income" in account.roles})
    return pd.DataFrame(rows)


def ledger_lines(entries: pd.DataFrame, charts: dict[str, Chart], named: np.ndarray | None,
                 *, closing_markers: tuple[str, ...], cadre_pay_terms: tuple[str, ...],
                 ) -> pd.DataFrame:
    """The lines the indicators read: town, village, year, the account's ``kind``, ``name``,
    ``cash``/``bank``, ``closing`` (on a year-end closing voucher), ``transfer`` (on a voucher
    touching only cash and bank: 提现、存现), ``cadre_pay`` (the 摘要 or account name holds a
    cadre pay term) and the amounts. ``named``: per row, the chart ``unit_charts`` names for
    its unit (:func:`checks.prepared.named_charts`), or None. Lines on codes the chart in
    force does not know have kind "". A new frame."""
    new_chart = chart_in_force(entries["period"], named)
    first_level = entries["account_code"].str[:FIRST_LEVEL_DIGITS]
    keys = pd.DataFrame({"chart": np.where(new_chart, CHART_KEYS[1], CHART_KEYS[0]),
                         "first_level": first_level.to_numpy()})
    meaning = keys.merge(_meanings(charts), on=["chart", "first_level"], how="left")
    kind = meaning["kind"].fillna("").to_numpy(dtype=object)
    cash = meaning["cash"].fillna(False).to_numpy(dtype=bool)
    bank = meaning["bank"].fillna(False).to_numpy(dtype=bool)
    current_income = meaning["current_income"].fillna(False).to_numpy(dtype=bool)
    year = entries["period"].str[:4].astype("int64").to_numpy()
    month = entries["period"].str[5:7].astype("int64").to_numpy()
    voucher = dense_key(entries["town"], entries["village"], entries["period"],
                        entries["voucher_word"], entries["voucher_number"])
    closing_line = _contains(entries["summary"], closing_markers)
    closing = ((entries["voucher_word"] == CLOSING_WORD).to_numpy() & (month == 12)
               & per_group_any(closing_line, voucher) & per_group_any(current_income, voucher))
    money = cash | bank
    transfer = ~per_group_any(~money, voucher)
    cadre_pay = (_contains(entries["summary"], cadre_pay_terms)
                 | _contains(entries["account_name"], cadre_pay_terms))
    return pd.DataFrame({
        "town": entries["town"].to_numpy(), "village": entries["village"].to_numpy(),
        "year": year, "kind": kind, "name": meaning["name"].fillna("").to_numpy(dtype=object),
        "cash": cash, "bank": bank, "closing": closing, "transfer": transfer,
        "cadre_pay": cadre_pay,
        "debit_fen": entries["debit_fen"].to_numpy(dtype=np.int64),
        "credit_fen": entries["credit_fen"].to_numpy(dtype=np.int64),
    })


def _contains(text: pd.Series, terms: tuple[str, ...]) -> np.ndarray:
    pattern = terms_pattern(terms)
    if not pattern:
        return np.zeros(len(text), dtype=bool)
    return text.str.contains(pattern, regex=True).to_numpy(dtype=bool)


def _village_years(lines: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(lines[KEY].drop_duplicates().sort_values(KEY),
                                    names=KEY)


def _sum(lines: pd.DataFrame, mask: np.ndarray, amount: pd.Series) -> pd.Series:
    """The exact int64 sum of ``amount`` over the rows in ``mask``, per village-year of
    ``lines`` (0 where none)."""
    picked = amount[mask].groupby([lines["town"][mask], lines["village"][mask],
                                   lines["year"][mask]]).sum()
    return picked.reindex(_village_years(lines), fill_value=0).astype("int64")


def _flows(lines: pd.DataFrame) -> np.ndarray:
    """The lines that are the year's flows: not on a year-end closing voucher."""
    return ~lines["closing"].to_numpy()


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)).astype("float64")


def income_fen(lines: pd.DataFrame) -> pd.Series:
    """收入合计: credits less debits of every income account (损益, credit side)."""
    mask = _flows(lines) & (lines["kind"] == INCOME).to_numpy()
    return _sum(lines, mask, lines["credit_fen"] - lines["debit_fen"]).rename("income_fen")


def operating_income_fen(lines: pd.DataFrame, excluded: tuple[str, ...]) -> pd.Series:
    """经营性收入: income less the income accounts named in ``excluded`` (补助收入)."""
    mask = (_flows(lines) & (lines["kind"] == INCOME).to_numpy()
            & ~lines["name"].isin(excluded).to_numpy())
    return _sum(lines, mask, lines["credit_fen"] - lines["debit_fen"]).rename(
        "operating_income_fen")


def expense_fen(lines: pd.DataFrame) -> pd.Series:
    """支出合计: debits less credits of every expense account (损益, debit side)."""
    mask = _flows(lines) & (lines["kind"] == EXPENSE).to_numpy()
    return _sum(lines, mask, lines["debit_fen"] - lines["credit_fen"]).rename("expense_fen")


def admin_expense_fen(lines: pd.DataFrame) -> pd.Series:
    """管理费用: debits less credits of 管理费用 (541 in 2004, 513 in 2023)."""
    mask = _flows(lines) & (lines["name"] == ADMIN_EXPENSE).to_numpy()
    return _sum(lines, mask, lines["debit_fen"] - lines["credit_fen"]).rename(
        "admin_expense_fen")


def admin_expense_share(admin_expense_fen: pd.Series, expense_fen: pd.Series) -> pd.Series:
    """管理费用占支出的比例 (empty where there was no spending)."""
    return _share(admin_expense_fen, expense_fen).rename("admin_expense_share")


def cadre_pay_fen(lines: pd.DataFrame) -> pd.Series:
    """干部报酬: spending whose 摘要 or account name holds a cadre pay term (the expense side
    only, so paying out 应付工资 later is not counted twice)."""
    mask = (_flows(lines) & (lines["kind"] == EXPENSE).to_numpy()
            & lines["cadre_pay"].to_numpy())
    return _sum(lines, mask, lines["debit_fen"] - lines["credit_fen"]).rename("cadre_pay_fen")


def cash_payment_share(lines: pd.DataFrame) -> pd.Series:
    """现金支付占比: of the money paid out of cash and bank (their credits), the share paid in
    cash; moving money between cash and bank (提现、存现) is not a payment."""
    paying = _flows(lines) & ~lines["transfer"].to_numpy()
    cash = _sum(lines, paying & lines["cash"].to_numpy(), lines["credit_fen"])
    money = _sum(lines, paying & (lines["cash"] | lines["bank"]).to_numpy(), lines["credit_fen"])
    return _share(cash, money).rename("cash_payment_share")


def debt_ratio(lines: pd.DataFrame) -> pd.Series:
    """资产负债率 at each year end: liabilities (credit less debit) ÷ assets (debit less
    credit), each the sum of the village's lines from its first period in the books up to
    that year's end (no opening balances are known, so a village whose books start mid-life
    reads low); empty where the assets are not positive or the liabilities negative (books
    that start after the debts were taken on)."""
    movement = {kind: _sum(lines, (lines["kind"] == kind).to_numpy(), amount)
                for kind, amount in ((ASSET, lines["debit_fen"] - lines["credit_fen"]),
                                     (LIABILITY, lines["credit_fen"] - lines["debit_fen"]))}
    balance = {kind: series.groupby(level=["town", "village"]).cumsum()
               for kind, series in movement.items()}
    liabilities = balance[LIABILITY].where(balance[LIABILITY] >= 0)
    return _share(liabilities, balance[ASSET]).rename("debt_ratio")


def journal_indicators(lines: pd.DataFrame, *, operating_income_excludes: tuple[str, ...]
                       ) -> pd.DataFrame:
    """Every journal indicator per village-year (:data:`JOURNAL_INDICATORS`), KEY as columns."""
    income = income_fen(lines)
    expense = expense_fen(lines)
    admin = admin_expense_fen(lines)
    columns = [income, operating_income_fen(lines, operating_income_excludes), expense, admin,
               admin_expense_share(admin, expense), cadre_pay_fen(lines),
               cash_payment_share(lines), debt_ratio(lines)]
    return pd.concat(columns, axis=1)[JOURNAL_INDICATORS].reset_index()


RENT_COLUMNS = ["rent_due_fen", "rent_received_fen"]
CASE_COLUMNS = ["rule_cases", "confirmed_cases", "open_cases"]
CHANGE_COLUMNS = ["income_change_fen", "operating_income_change_fen",
                  "operating_income_change_share"]


def with_rents(indicators: pd.DataFrame, village_contracts: pd.DataFrame | None) -> pd.DataFrame:
    """The indicators with ``rent_due_fen`` and ``rent_received_fen`` of the registers'
    village contracts (flows/stages/registers.py: ``village_contracts``); empty where no
    register was read for the village. A new frame."""
    if village_contracts is None or village_contracts.empty:
        return indicators.assign(**{name: pd.array([pd.NA] * len(indicators), dtype="Int64")
                                    for name in RENT_COLUMNS})
    rents = village_contracts[[*KEY, *RENT_COLUMNS]].astype({"year": "int64"})
    merged = indicators.merge(rents, on=KEY, how="left")
    return merged.astype({name: "Int64" for name in RENT_COLUMNS})


def case_counts(cases: pd.DataFrame) -> pd.DataFrame:
    """Per village-year, from the store's cases (``town``, ``village``, ``year``, ``rule``:
    raised by a stated rule, ``status``: resolved, open, reopened or the verdict in force):
    ``rule_cases`` (rule cases not resolved by a correction), ``confirmed_cases`` (decided
    属实) and ``open_cases`` (awaiting a decision)."""
    if cases.empty:
        return pd.DataFrame({name: pd.Series(dtype="str" if name in KEY[:2] else "int64")
                             for name in [*KEY, *CASE_COLUMNS]})
    status = cases["status"]
    flags = pd.DataFrame({
        "rule_cases": cases["rule"].astype(bool) & (status != "resolved"),
        "confirmed_cases": status == "confirmed",
        "open_cases": status.isin(("open", "reopened")),
    }).astype("int64")
    counted = pd.concat([cases[KEY].astype({"year": "int64"}), flags], axis=1)
    return counted.groupby(KEY, as_index=False)[CASE_COLUMNS].sum()


def with_cases(indicators: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The indicators with the case counts of :func:`case_counts` (0 where none)."""
    merged = indicators.merge(counts, on=KEY, how="left")
    return merged.fillna({name: 0 for name in CASE_COLUMNS}).astype(
        {name: "int64" for name in CASE_COLUMNS})


def with_changes(indicators: pd.DataFrame) -> pd.DataFrame:
    """Year-on-year changes against the village's previous year in the books (empty for its
    first year or where the previous year is missing): income and operating income in fen,
    and operating income as a share of the previous year's (empty where that was not
    positive)."""
    ordered = indicators.sort_values(KEY, ignore_index=True)
    previous = ordered.groupby(["town", "village"]).shift(1)
    follows = (ordered["year"] - previous["year"]) == 1
    changes = {}
    for name in ("income_fen", "operating_income_fen"):
        before = previous[name].where(follows)
        changes[name.replace("_fen", "_change_fen")] = (
            ordered[name] - before).astype("Int64")
    before = previous["operating_income_fen"].where(follows)
    changes["operating_income_change_share"] = (
        (ordered["operating_income_fen"] - before) / before.where(before > 0)).astype("float64")
    return ordered.assign(**changes)
