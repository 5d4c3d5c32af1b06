"""Parameters of the village scorecards (村级考核计分卡) and their three-colour warning
(三色预警): the assessment's lines and which conditions make a village red or yellow.

The lines are the county's and its towns' (the national rules leave the figures to them,
docs/rules.md "Parameters"): a county
states what differs in its parameters file under ``scorecards:``, a town its own values under
``scorecards.town_overrides``, applied by :meth:`ScorecardParams.for_town`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The conditions a scorecard is coloured by (models/scorecard_status.py says how each is met).
Condition = Literal["confirmed_breach", "debt_over_line", "income_below_line",
                    "income_falling", "rent_overdue", "open_rule_cases"]


class ScorecardParams(BaseModel):
    """The assessment's lines and the colour each condition gives a village-year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    income_line: Decimal = Field(
        Decimal("150000"), ge=0,
        description="经营性收入达到此额（元）即为“达线村”；默认 15 万元，即乡镇年度总结"
                    "“15 万元以上的村达到 100%”的口径")
    operating_income_excludes: tuple[str, ...] = Field(
        ("补助收入",),
        description="经营性收入不含的收入科目（按一级科目名称，两套科目表通用）；默认全部收入减补助收入")
    debt_warning_line: float = Field(
        0.5, gt=0,
        description="资产负债率警戒线（负债 ÷ 资产）：浙江省村经济合作社组织条例第十八条由乡镇"
                    "对债务规模设置警戒线；默认 50% 只是占位，没有出处，须由乡镇设定")
    falling_years: int = Field(
        2, ge=1, description="经营性收入连续下降这么多年即为“收入连续下降”")
    rent_overdue_share: float = Field(
        0.1, ge=0, lt=1,
        description="当年到期的应收租金（承包费）未收部分超过应收的这个比例，即为“租金逾期”")
    red_when: tuple[Condition, ...] = Field(
        ("confirmed_breach",), description="出现这些情形即为红色（约谈提醒）")
    yellow_when: tuple[Condition, ...] = Field(
        ("debt_over_line", "income_below_line", "income_falling", "rent_overdue"),
        description="出现这些情形（且不为红色）即为黄色（关注）；都没有即为绿色")
    town_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="各乡镇与全县不同的计分卡参数，键为乡镇名，值为要改的参数")

    @field_validator("income_line")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        if value != value.quantize(Decimal("0.01")):
            raise ValueError("金额参数最多两位小数")
        return value

    @model_validator(mode="after")
    def _one_colour_per_condition(self) -> ScorecardParams:
        both = sorted(set(self.red_when) & set(self.yellow_when))
        if both:
            raise ValueError(f"情形 {', '.join(both)} 同时列在 red_when 和 yellow_when 中，"
                             "只能选一种颜色")
        return self

    def income_line_fen(self) -> int:
        """The income line in integer fen (分)."""
        return int(self.income_line * 100)

    def for_town(self, town: str) -> ScorecardParams:
        """The parameters in force in one town: the county's with the town's overrides."""
        override = self.town_overrides.get(town)
        if not override:
            return self
        return ScorecardParams(**{**self.model_dump(exclude={"town_overrides"}), **override})
