"""Tiny literal ledgers for rule tests: a clean village book to add one breach to at a time."""

from __future__ import annotations

from typing import Any

from checks.context import CheckContext
from checks.params import AuditParams, load_params
from checks.prepared import prepare_entries
from checks.rules import RULES, RuleEvaluation, evaluate_rules
from checks.rules.evaluation import rule_breaches
from tests.entries import make_entries

YUAN = 100


def voucher(
    period: str,
    number: int,
    day: str,
    summary: str,
    lines: list[tuple[str, str, float, float]],
    *,
    word: str = "记",
    **fields: Any,
) -> list[dict[str, Any]]:
    """One voucher's rows: ``lines`` are (code, name, debit yuan, credit yuan)."""
    return [
        {
            "period": period,
            "voucher_word": word,
            "voucher_number": number,
            "voucher_date": day,
            "line_no": line_no,
            "summary": summary,
            "account_code": code,
            "account_name": name,
            "debit_fen": round(debit * YUAN),
            "credit_fen": round(credit * YUAN),
            **fields,
        }
        for line_no, (code, name, debit, credit) in enumerate(lines, start=1)
    ]


def clean_book() -> list[dict[str, Any]]:
    """A village's clean books across the 2024 chart switch: cash drawn and swept back, office,
    utility and works payments with their papers, a red-ink reversal, the 2023 year-end close
    and a profit distribution after it."""
    return [
        *voucher("2023-03", 1, "2023-03-02", "提取备用金",
                 [("101", "现金", 2500, 0), ("102", "银行存款", 0, 2500)], settlement="现金支票"),
        *voucher("2023-03", 2, "2023-03-03", "购办公用品",
                 [("541001", "管理费用-办公费", 800, 0), ("101", "现金", 0, 800)],
                 counterparty="青石镇文具店"),
        *voucher("2023-03", 3, "2023-03-06", "付电费",
                 [("541003", "管理费用-水电费", 1500, 0), ("102", "银行存款", 0, 1500)],
                 counterparty="青石镇供电所"),
        *voucher("2023-03", 4, "2023-03-08", "报销差旅费",
                 [("541004", "管理费用-差旅费", 1200, 0), ("101", "现金", 0, 1200)],
                 counterparty="王伟"),
        *voucher("2023-03", 5, "2023-03-31", "库存现金存入银行",
                 [("102", "银行存款", 500, 0), ("101", "现金", 0, 500)]),
        *voucher("2023-03", 6, "2023-03-10", "付村道硬化工程款",
                 [("154001", "在建工程-村道硬化工程", 150000, 0), ("102", "银行存款", 0, 150000)],
                 counterparty="桃源宏远建筑有限公司", contract_ref="HT-2023-001",
                 decision_ref="JY-2023-001"),
        *voucher("2023-03", 7, "2023-03-09", "红字冲销重复记账的电费",
                 [("541003", "管理费用-水电费", -1500, 0), ("102", "银行存款", 0, -1500)],
                 counterparty="青石镇供电所"),
        *voucher("2023-03", 8, "2023-03-13", "购置办公桌椅",
                 [("541001", "管理费用-办公费", 12000, 0), ("102", "银行存款", 0, 12000)],
                 counterparty="青石镇家具店", decision_ref="JY-2023-002"),
        *voucher("2023-12", 1, "2023-12-05", "收土地承包费",
                 [("102", "银行存款", 20000, 0), ("511001", "发包及上交收入-承包收入", 0, 20000)],
                 counterparty="张三"),
        *voucher("2023-12", 1, "2023-12-31", "结转本年收入",
                 [("511001", "发包及上交收入-承包收入", 20000, 0), ("321", "本年收益", 0, 20000)],
                 word="转", attachments=0),
        *voucher("2023-12", 2, "2023-12-31", "结转本年支出",
                 [("321", "本年收益", 14000, 0), ("541", "管理费用", 0, 14000)],
                 word="转", attachments=0),
        *voucher("2023-12", 3, "2023-12-31", "结转本年收益",
                 [("321", "本年收益", 6000, 0), ("322001", "收益分配-未分配收益", 0, 6000)],
                 word="转", attachments=0),
        *voucher("2023-12", 4, "2023-12-31", "提取公积公益金",
                 [("322002", "收益分配-提取公积公益金", 600, 0), ("311", "公积公益金", 0, 600)],
                 word="转", attachments=0),
        *voucher("2024-01", 1, "2024-01-05", "提取备用金",
                 [("101", "库存现金", 1000, 0), ("102", "银行存款", 0, 1000)]),
        *voucher("2024-01", 2, "2024-01-08", "付村道保洁费",
                 [("514", "公益支出", 900, 0), ("101", "库存现金", 0, 900)],
                 counterparty="李秀英"),
        *voucher("2024-01", 3, "2024-01-09", "付灌溉泵站改造工程款",
                 [("153001", "在建工程-灌溉泵站改造工程", 50000, 0), ("102", "银行存款", 0, 50000)],
                 counterparty="桃源宏远建筑有限公司", contract_ref="HT-2024-001"),
        *voucher("2024-01", 4, "2024-01-31", "库存现金存入银行",
                 [("102", "银行存款", 100, 0), ("101", "库存现金", 0, 100)]),
    ]


def evaluate(rows: list[dict[str, Any]], params: AuditParams | None = None) -> RuleEvaluation:
    return evaluate_rules(make_entries(rows), params or load_params())


def hits(
    rows: list[dict[str, Any]], rule_id: str, params: AuditParams | None = None
) -> dict[str, str]:
    """entry_id → detail of the entries breaching ``rule_id``, found by running that rule's
    pandera check on the prepared frame (as :func:`evaluate_rules` does, without the others)."""
    params = params or load_params()
    context = CheckContext.of(params)
    frame = prepare_entries(make_entries(rows), params, context.charts)
    (rule,) = [rule for rule in RULES if rule.id == rule_id]
    found = rule_breaches(frame, (rule,), context)
    assert set(found["rule_id"]) <= {rule_id}
    return dict(zip(found["entry_id"], found["detail"], strict=True))


def entry_ids(rows: list[dict[str, Any]], start: int) -> set[str]:
    """The ids ``make_entries`` gives ``rows`` when they follow ``start`` earlier rows."""
    return {f"e{position:04d}" for position in range(start, start + len(rows))}


def with_params(**thresholds: Any) -> AuditParams:
    """The default parameters with some county thresholds changed."""
    params = load_params()
    return params.model_copy(
        update={"thresholds": params.thresholds.model_copy(update=thresholds)}
    )
