"""Entries dated on a rest day: a weekend that is not a make-up working day, or a public holiday."""

from __future__ import annotations

import numpy as np
import pandas as pd

from checks import sources
from checks.context import CheckContext
from checks.prepared import CLOSING_WORD
from checks.signals.calendar import covered_years, rest_days
from checks.signals.signal import Signal, hits


def _rest_day_find(frame: pd.DataFrame, context: CheckContext) -> pd.DataFrame:
    texts, rest = rest_days(frame["voucher_date"])
    # 转 vouchers are book adjustments dated by convention (month end), not business done that day.
    marked = np.flatnonzero(rest & (frame["voucher_word"] != CLOSING_WORD).to_numpy())
    return hits(marked, "凭证日期 " + texts[marked])


REST_DAY = Signal(
    id="signal.weekend",
    name="节假日或周末记账",
    description=(
        "凭证日期是法定节假日，或是不调休上班的周六、周日（按国务院办公厅历年放假调休通知，"
        f"已收录 {covered_years()[0]}–{covered_years()[-1]} 年；其他年份只按周末判断）；"
        "转字凭证按惯例记在月末，不计。"
    ),
    basis=(sources.JOURNAL_TESTING_AID, sources.PUBLIC_HOLIDAYS),
    find=_rest_day_find,
)
