"""Benchmark: the rule layer (pandera) against the same checks in plain pandas.

Builds a synthetic canonical frame in memory (default about 1,000,000 entries: 20 villages per
town, two-line vouchers numbered per village, period and word, cash payments covered by same-day
top-ups, both charts across the 2024 switch, and about 1 % of vouchers with one of four breaches:
unbalanced, banned 摘要, no attachments, preparer reviewing their own voucher), then times

- ``evaluate_rules``: canonical schema (pandera, lazy) + prepared frame + every rule as a pandera
  check validated lazily + failure cases mapped to entries and worded + signals;
- the same work without pandera: the canonical checks as plain vectorised pandas, and each rule's
  own vectorised test called directly, failing rows taken from its boolean result.

The prepared frame and the signals are the same code on both sides (no pandera) and are timed
once. Prints the best of ``--repeat`` runs of each stage and of ``evaluate_rules`` end to end.

Run: ``.venv/bin/python -m bench.bench_rules [--entries N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from checks.canonical import canonical_failures
from checks.context import CheckContext
from checks.entry_schema import ENTRY_COLUMNS, PERIOD_PATTERN
from checks.params import load_params
from checks.prepared import prepare_entries
from checks.rules import RULES, evaluate_rules
from checks.rules.evaluation import rule_breaches
from checks.signals import evaluate_signals

# (2004 code, 2023 code, name) of the purposes a synthetic payment is booked to.
PURPOSES = [
    ("541001", "513001", "管理费用-办公费", "购办公用品"),
    ("541003", "513003", "管理费用-水电费", "付电费"),
    ("541005", "513005", "管理费用-维修费", "村部维修"),
    ("502", "511", "经营支出", "付租赁山林管护费"),
    ("551001", "514", "公益支出", "村道保洁"),
    ("154001", "153001", "在建工程-村道硬化工程", "付村道硬化工程款"),
]
PAYEES = ["青石镇鑫盛五金店", "白沙镇供电所", "王建国", "李秀英", "桃源宏远建筑有限公司", "刘海"]


def synthetic_entries(n_entries: int, seed: int = 20261124) -> pd.DataFrame:
    """About ``n_entries`` canonical entries of two-line vouchers over two years."""
    rng = np.random.default_rng(seed)
    n_vouchers = n_entries // 2
    villages_per_town, n_towns = 20, max(1, n_entries // 50_000)
    n_villages = villages_per_town * n_towns
    village = rng.integers(0, n_villages, n_vouchers)
    year = rng.choice([2023, 2024], n_vouchers)
    month = rng.integers(1, 13, n_vouchers)
    day = rng.integers(1, 29, n_vouchers)
    order = np.lexsort((day, month, year, village))
    village, year, month, day = village[order], year[order], month[order], day[order]
    period = np.char.add(np.char.add(year.astype(str), "-"), np.char.zfill(month.astype(str), 2))
    book = pd.factorize(pd.Series(village.astype(str)) + "|" + period)[0]
    number = pd.Series(np.ones(n_vouchers, dtype=np.int64)).groupby(book).cumsum().to_numpy()
    purpose = rng.integers(0, len(PURPOSES), n_vouchers)
    amount = rng.lognormal(mean=7.5, sigma=1.2, size=n_vouchers).astype(np.int64) * 100 + 100
    new = year >= 2024
    codes = np.array([[p[0], p[1]] for p in PURPOSES])[purpose, new.astype(int)]
    names = np.array([p[2] for p in PURPOSES])[purpose]
    summaries = np.array([p[3] for p in PURPOSES])[purpose]
    cash_paid = (amount < 150_000) & (rng.random(n_vouchers) < 0.3)
    credit_code = np.where(cash_paid, "101", "102")
    credit_name = np.where(cash_paid, np.where(new, "库存现金", "现金"), "银行存款")
    payee = np.array(PAYEES)[rng.integers(0, len(PAYEES), n_vouchers)]
    person = np.array(["王建国", "李秀英", "刘海"])[rng.integers(0, 3, n_vouchers)]
    payee = np.where(cash_paid, person, payee)
    # A cash payment is preceded by a top-up on the same day (提取备用金), so the till stays >= 0.
    top_up = cash_paid
    # About 1 % of vouchers carry one of four breaches.
    kind = np.where(rng.random(n_vouchers) < 0.01, rng.integers(1, 5, n_vouchers), 0)
    unbalanced = kind == 1
    summaries = np.where(kind == 2, "招待检查组工作餐", summaries)
    attachments = np.where(kind == 3, 0, 1)
    reviewer = np.where(kind == 4, "李会计", "王主管")
    town = np.array([f"第{t}镇" for t in range(n_towns)])[village // villages_per_town]
    village_name = np.char.add(np.array([f"村{v:04d}" for v in range(n_villages)])[village], "")
    date = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day})
    ).to_numpy().astype("datetime64[s]")

    def lines(debit_code, debit_name, credit_code, credit_name, debit, credit, summary, word,
              numbers, selected):
        count = int(selected.sum())
        base = {
            "town": town[selected], "village": village_name[selected],
            "period": period[selected], "voucher_date": date[selected],
            "voucher_word": np.full(count, word), "voucher_number": numbers[selected],
            "summary": summary[selected], "counterparty": payee[selected],
            "attachments": attachments[selected], "reviewer": reviewer[selected],
        }
        first = {**base, "line_no": np.ones(count, dtype=np.int64),
                 "account_code": debit_code[selected], "account_name": debit_name[selected],
                 "debit_fen": debit[selected], "credit_fen": np.zeros(count, dtype=np.int64)}
        second = {**base, "line_no": np.full(count, 2, dtype=np.int64),
                  "account_code": credit_code[selected], "account_name": credit_name[selected],
                  "debit_fen": np.zeros(count, dtype=np.int64), "credit_fen": credit[selected]}
        return [pd.DataFrame(first), pd.DataFrame(second)]

    everything = np.ones(n_vouchers, dtype=bool)
    debit = np.where(unbalanced, amount + 100, amount)
    parts = lines(codes, names, credit_code, credit_name, debit, amount, summaries, "记",
                  number, everything)
    top_up_numbers = pd.Series(np.where(top_up, 1, 0)).groupby(book).cumsum().to_numpy()
    parts += lines(
        np.full(n_vouchers, "101"), np.where(new, "库存现金", "现金"), np.full(n_vouchers, "102"),
        np.full(n_vouchers, "银行存款"), amount, amount, np.full(n_vouchers, "提取备用金"), "付",
        top_up_numbers, top_up,
    )
    frame = pd.concat(parts, ignore_index=True)
    n_rows = len(frame)
    frame["org_code"] = ""
    frame["voucher_no"] = frame["voucher_word"] + "-" + frame["voucher_number"].astype(str)
    frame["settlement"] = ""
    frame["attachments"] = frame["attachments"].astype("Int64")
    frame["decision_ref"] = "JY-001"
    frame["contract_ref"] = "HT-001"
    frame["preparer"] = "李会计"
    frame["bookkeeper"] = "李会计"
    frame["source_file"] = "bench.csv"
    frame["source_sheet"] = ""
    frame["source_row"] = np.arange(2, n_rows + 2, dtype=np.int64)
    frame["entry_id"] = pd.Series(np.arange(n_rows)).map("{:08x}".format)
    frame["content_hash"] = ""
    frame["extra"] = ""
    frame = frame[ENTRY_COLUMNS]
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].astype("str")
    frame["voucher_date"] = frame["voucher_date"].astype("datetime64[s]")
    return frame


def plain_canonical_failures(entries: pd.DataFrame) -> int:
    """The canonical schema's checks as plain vectorised pandas; the number of failures."""
    failures = int((entries["village"].str.len() < 1).sum())
    failures += int((~entries["period"].str.match(PERIOD_PATTERN)).sum())
    failures += int((entries["voucher_word"].str.len() < 1).sum())
    failures += int((entries["voucher_number"] < 0).sum())
    failures += int((entries["line_no"] < 1).sum())
    failures += int((~entries["account_code"].str.fullmatch(r"\d+")).sum())
    failures += int((entries["attachments"] < 0).sum())
    failures += int((entries["source_file"].str.len() < 1).sum())
    failures += int((entries["source_row"] < 1).sum())
    failures += int(entries["entry_id"].duplicated().sum())
    return failures


def plain_rule_counts(frame: pd.DataFrame, context: CheckContext) -> dict[str, int]:
    """Each rule's own vectorised test called directly, failing rows worded: no pandera."""
    counts = {}
    for rule in RULES:
        rows = np.flatnonzero(~np.asarray(rule.test(frame, context), dtype=bool))
        if len(rows):
            rule.explain(frame, rows, context)
        counts[rule.id] = len(rows)
    return counts


def _timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _best(repeat: int, work: Callable[[], object]) -> tuple[float, object]:
    runs = [_timed(work) for _ in range(repeat)]
    return min(seconds for seconds, _ in runs), runs[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    params = load_params()
    seconds, entries = _timed(lambda: synthetic_entries(args.entries))
    print(f"synthetic frame: {len(entries):,} entries in {seconds:.1f} s (best of {args.repeat})")

    context = CheckContext.of(params)
    frame = prepare_entries(entries, params, context.charts)
    stages = {
        "canonical schema": (
            lambda: canonical_failures(entries), lambda: plain_canonical_failures(entries)
        ),
        "rules (checks, failure cases, wording)": (
            lambda: rule_breaches(frame, RULES, context),
            lambda: plain_rule_counts(frame, context),
        ),
    }
    print(f"{'stage':40s} {'pandera':>9s} {'plain':>9s} {'factor':>7s}")
    for name, (with_pandera, plain) in stages.items():
        pandera_seconds, _ = _best(args.repeat, with_pandera)
        plain_seconds, _ = _best(args.repeat, plain)
        print(
            f"{name:40s} {pandera_seconds:8.2f}s {plain_seconds:8.2f}s "
            f"{pandera_seconds / plain_seconds:6.2f}x"
        )
    shared = {
        "prepared frame (shared)": lambda: prepare_entries(entries, params, context.charts),
        "signals (shared, no pandera)": lambda: evaluate_signals(frame, context),
    }
    for name, work in shared.items():
        print(f"{name:40s} {_best(args.repeat, work)[0]:8.2f}s")

    total, evaluation = _best(args.repeat, lambda: evaluate_rules(entries, params))
    counts = evaluation.rule_counts()
    plain_counts = plain_rule_counts(frame, context)
    if counts != plain_counts:
        raise SystemExit(f"pandera and plain pandas disagree: {counts} vs {plain_counts}")
    print(f"{'evaluate_rules end to end':40s} {total:8.2f}s "
          f"({total / len(entries) * 100_000:.2f} s per 100k entries)")
    rules_hit = sum(1 for n in counts.values() if n)
    print(
        f"breaches: {len(evaluation.breaches):,} ({rules_hit} rules hit, same as plain pandas);"
        f" signals: {len(evaluation.signals):,}"
    )
    for rule_id, count in counts.items():
        if count:
            print(f"  {rule_id:28s} {count:>9,}")


if __name__ == "__main__":
    main()
