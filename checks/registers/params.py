"""Parameters of the register checks (docs/registers.md, "三资台账的检查"): grace and lead times,
legal term caps, the low-price line, the platform trade line, the cadre list and how the books
tell who is paid as a cadre.

A county states what differs in its parameters file under ``registers:``; a town's own values go
under ``registers.town_overrides`` and are applied by :meth:`RegisterParams.for_town`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RegisterParams(BaseModel):
    """What the checks across the 三资 registers and the ledger read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grace_days: int = Field(
        30, ge=0, description="应收租金（承包费）到期后这么多天内仍未收到，才算逾期未收")
    overdue_high_days: int = Field(
        90, ge=1, description="应收款逾期达到这么多天即为严重逾期（高风险）")
    expiring_days: int = Field(
        90, ge=0, description="合同在这么多天内到期即提示续约或收回（合同到期预警）")
    expired_in_use_days: int = Field(
        30, ge=0,
        description="合同到期超过这么多天，标的仍显示出租/发包或仍在收租，且没有续约合同，即为到期未处理")
    lease_years: int = Field(20, ge=1, description="租赁合同的最长期限（年），民法典第七百零五条")
    cultivated_end: dt.date = Field(
        dt.date(2028, 12, 31),
        description="耕地发包、流转合同的终止日期不得晚于此日（二轮承包期届满日，已延包的乡镇改为延包届满日）")
    wasteland_years: int = Field(50, ge=1, description="四荒地承包、租赁的最长期限（年）")
    forest_years: int = Field(70, ge=1, description="林地承包、流转的最长期限（年）")
    reserve_land_years: int = Field(3, ge=1, description="机动地发包的最长期限（年）")
    low_price_share: float = Field(
        0.7, gt=0, le=1,
        description="每亩年租金低于同乡镇同类土地合同中位数的这个比例，列为低价疑点信号")
    low_price_rule_share: float = Field(
        0.4, gt=0, le=1,
        description=("每亩年租金低于同乡镇同类土地合同中位数的这个比例（且同类合同够数），即为低价发包违规；"
                     "同类土地的正常租金也常相差一倍以上，故低于疑点比例"))
    low_price_min_peers: int = Field(
        5, ge=1,
        description="同乡镇同类土地的其他合同少于这么多份时，低价只作为疑点信号（样本太少）")
    platform_trade_line: Decimal = Field(
        Decimal("100000"), ge=0,
        description="工程、采购、出售等合同金额达到此额（元）须进入农村产权交易平台公开交易（招标）")
    platform_rent_line: Decimal = Field(
        Decimal("10000"), ge=0,
        description="发包、出租合同年租金达到此额（元）须进入农村产权交易平台公开交易")
    platform_trade_modes: tuple[str, ...] = Field(
        ("公开竞价", "遴选", "招标", "拍卖", "续约"),
        description="视为通过产权交易平台公开交易的交易方式")
    works_tolerance: Decimal = Field(
        Decimal("0"), ge=0, description="工程付款超过合同金额多少元以内不算超付")
    ledger_tolerance: Decimal = Field(
        Decimal("0"), ge=0, description="资产台账与账面金额相差在此额（元）以内不算账实不符")
    idle_months: int = Field(
        12, ge=1, description="经营性资产或资源没有合同、也没有收入达到这么多个月，即为疑似闲置")
    cadres: tuple[str, ...] = Field(
        (), description="本县提供的村干部（两委、理事、监事、报账员）名单，"
                        "合同对方是其中之一即为关联交易")
    cadre_pay_terms: tuple[str, ...] = Field(
        ("干部报酬", "干部工资", "村干部", "误工补贴", "岗位补贴", "工资"),
        description=("报酬用词：借方分录的摘要或科目名称同时含这些词和干部用词（cadre_titles）、收款人"
                     "为个人时，收款人视为领取报酬的村干部；村级计分卡按这些词统计干部报酬"))
    cadre_titles: tuple[str, ...] = Field(
        ("干部", "两委", "书记", "主任", "报账员"),
        description=("干部用词：与报酬用词同时出现才把收款人视为村干部，只有工资、补贴等报酬用词不算"
                     "（从应付工资领取报酬的个人不看用词）"))
    town_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="各乡镇与全县不同的台账检查参数，键为乡镇名，值为要改的参数")

    @field_validator("platform_trade_line", "platform_rent_line", "works_tolerance",
                     "ledger_tolerance")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        if value != value.quantize(Decimal("0.01")):
            raise ValueError("金额参数最多两位小数")
        return value

    def fen(self, name: str) -> int:
        """A money parameter in integer fen (分)."""
        return int(getattr(self, name) * 100)

    def for_town(self, town: str) -> RegisterParams:
        """The parameters in force in one town: the county's with the town's overrides."""
        override = self.town_overrides.get(town)
        if not override:
            return self
        return RegisterParams(**{**self.model_dump(exclude={"town_overrides"}), **override})
