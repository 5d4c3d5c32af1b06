"""Rules on accounts: the code exists in the chart in force, and the name agrees with it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.charts import NameCheck
from checks.context import CheckContext
from checks.prepared import dense_key
from checks.rules.rule import Rule
from checks.wording import join, texts


def _code_valid_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return frame["code_known"].to_numpy()


def _code_valid_explain(
    frame: pd.DataFrame, rows: np.ndarray, context: CheckContext
) -> np.ndarray:
    failing = frame.iloc[rows]

    def reason(pair: tuple[bool, str]) -> str:
        new_chart, first_level = pair
        chart, other = context.chart(new_chart), context.chart(not new_chart)
        text = (
            f"的一级科目 {first_level} 不在 {chart.label()}科目表中（该制度适用于{chart.applies}）"
        )
        if first_level in other.accounts:
            text += f"；{first_level} 是 {other.key} 年制度的“{other.accounts[first_level].name}”"
        return text

    pairs = list(zip(failing["new_chart"], failing["first_level"], strict=True))
    reasons = {pair: reason(pair) for pair in dict.fromkeys(pairs)}
    return join(
        "科目编码 ", texts(failing["account_code"]), " ",
        np.array([reasons[pair] for pair in pairs], dtype=object),
    )


ACCOUNT_CODE_VALID = Rule(
    id="account.code_valid",
    category="科目",
    severity="medium",
    message="科目编码不在本期适用的科目表中",
    description=(
        "按会计期间选用科目表（2024-01 以前为 2004 年制度，以后为 2023 年制度），科目编码的前三位"
        "（一级科目）不在该表中；明细科目按前缀延伸一级科目；标记该分录。一个村（核算单位）的分录"
        "多半不在该表中时，视为采用其他会计制度的账套（如村办企业），本规则及其他依赖科目表的规则"
        "不检查该单位，运行记录中列出。"
    ),
    basis=(sources.CHART_2004, sources.CHART_2023),
    test=_code_valid_test,
    explain=_code_valid_explain,
    settings=("charts",),
)


def _disagreements(frame: pd.DataFrame, context: CheckContext) -> pd.Series:
    """Per row: why its account name disagrees with its code, or "" when it does not."""
    judged = ((frame["account_name"] != "").to_numpy() & frame["code_known"].to_numpy()
              & ~frame["chart_unknown"].to_numpy())
    subset = frame.loc[judged, ["new_chart", "account_code", "account_name"]]
    reasons = pd.Series("", index=frame.index, dtype="str")
    if subset.empty:
        return reasons
    combination = dense_key(subset["new_chart"], subset["account_code"], subset["account_name"])
    _, first_rows = np.unique(combination, return_index=True)
    checks = {
        new: NameCheck(chart=context.chart(new), other=context.chart(not new))
        for new in (False, True)
    }
    distinct = subset.iloc[first_rows]
    verdicts = np.array(
        [
            checks[bool(new)].disagreement(code, name) or ""
            for new, code, name in zip(
                distinct["new_chart"], distinct["account_code"], distinct["account_name"],
                strict=True,
            )
        ],
        dtype=object,
    )
    by_combination = np.empty(combination.max() + 1, dtype=object)
    by_combination[combination[first_rows]] = verdicts
    reasons.loc[subset.index] = by_combination[combination]
    return reasons


def _name_test(frame: pd.DataFrame, context: CheckContext) -> np.ndarray:
    return (_disagreements(frame, context) == "").to_numpy()


def _name_explain(frame: pd.DataFrame, rows: np.ndarray, context: CheckContext) -> np.ndarray:
    return _disagreements(frame.iloc[rows], context).to_numpy(dtype=object)


ACCOUNT_NAME_MATCHES = Rule(
    id="account.name_matches",
    category="科目",
    severity="low",
    message="科目名称与科目编码不符",
    description=(
        "科目名称不为空且明显是另一个一级科目：“一级-明细”式名称的第一段、一级科目编码上的名称，"
        "或明细科目编码上与本制度另一一级科目同名的名称；现金与库存现金等别名、全角半角括号视为一致，"
        "单独的明细名称（如“办公费”）不算不符；标记该分录。"
    ),
    basis=(sources.CHART_2004, sources.CHART_2023),
    test=_name_test,
    explain=_name_explain,
    settings=("charts",),
)
