"""Audit parameters: thresholds per county with town overrides, model and review settings.

Thresholds are set locally (by the county or town), never nationally, so they are configuration.
The committed defaults are in ``checks/default_params.yaml``; a county passes its own file with
``--config`` and only states what differs. The loaded object is the flow's parameter and is
recorded in ``run.json``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from checks.registers.params import RegisterParams
from checks.scorecard_params import ScorecardParams

DEFAULT_PARAMS_FILE = Path(__file__).with_name("default_params.yaml")


class Thresholds(BaseModel):
    """Money thresholds in yuan (exact decimals) and windows in days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cash_holding_limit: Decimal = Field(Decimal("5000"), description="库存现金日终余额上限（元）")
    cash_payment_ceiling: Decimal = Field(
        Decimal("1000"), description="对单位单笔现金支付上限（元），达到即违规"
    )
    approval_tier: Decimal = Field(
        Decimal("10000"), description="非生产性开支须村民（代表）会议决议的金额（元）"
    )
    tender_line: Decimal = Field(Decimal("100000"), description="工程须招标并签订合同的金额（元）")
    hospitality_banned: bool = Field(True, description="是否禁止村级开支招待费")
    split_window_days: int = Field(30, ge=1, description="拆分支付的时间窗口（天）")
    closed_through: str | None = Field(
        None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="已结账的最后会计期间（YYYY-MM），不设则只按年终结转凭证判断",
    )
    closed_on: dt.date | None = Field(
        None, description="结账日期；不设则取已结账最后期间的月末"
    )

    @field_validator(
        "cash_holding_limit", "cash_payment_ceiling", "approval_tier", "tender_line"
    )
    @classmethod
    def _non_negative_cents(cls, value: Decimal) -> Decimal:
        if value < 0 or value != value.quantize(Decimal("0.01")):
            raise ValueError("金额阈值须为非负数，最多两位小数")
        return value

    @model_validator(mode="after")
    def _close_date_needs_period(self) -> Thresholds:
        if self.closed_on is not None and self.closed_through is None:
            raise ValueError("设置了结账日期 closed_on，但没有设置已结账期间 closed_through")
        return self

    def fen(self, name: str) -> int:
        """A money threshold in integer fen (分)."""
        return int(getattr(self, name) * 100)

    def close_date(self) -> dt.date | None:
        """The day the periods up to ``closed_through`` were closed (结账)."""
        if self.closed_on is not None or self.closed_through is None:
            return self.closed_on
        year, month = map(int, self.closed_through.split("-"))
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return following - dt.timedelta(days=1)


class CounterpartyKind(BaseModel):
    """How a kind of counterparty (餐饮, 住宿 …) is told by its name: the name ends with one of
    ``endings`` (the longest ending of any kind decides), or, ending in none, contains one of
    ``words`` (餐饮 in 青石餐饮服务有限公司)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endings: tuple[str, ...] = Field((), description="名称以这些词结尾即属此类")
    words: tuple[str, ...] = Field(
        (), description="名称不以任何一类的结尾词结尾时，含这些词即属此类")


COUNTERPARTY_KINDS: dict[str, CounterpartyKind] = {
    "餐饮": CounterpartyKind(
        endings=("饭店", "餐厅", "餐馆", "饭馆", "菜馆", "酒楼", "酒家", "饭庄", "食府", "家乐",
                 "大排档", "火锅店", "烧烤店", "小吃店", "面馆"),
        words=("餐饮", "农家乐", "渔家乐", "饭店", "酒楼", "餐厅", "饭庄", "食府"),
    ),
    "住宿": CounterpartyKind(
        endings=("酒店", "宾馆", "旅馆", "旅社", "招待所", "山庄", "度假村", "民宿", "客栈"),
        words=("酒店", "宾馆", "招待所", "度假村"),
    ),
    "烟酒": CounterpartyKind(
        endings=("烟酒店", "烟酒行", "烟酒部", "烟酒商行", "烟酒超市", "酒行", "酒庄", "酒业"),
        words=("烟酒", "烟草", "酒业", "酒类", "名酒", "名烟"),
    ),
    "礼品": CounterpartyKind(
        endings=("礼品店", "礼品行", "礼品部", "礼品中心"), words=("礼品", "购物卡")
    ),
}


class Keywords(BaseModel):
    """Word lists the rules read; a county adds its own local wording."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organisation_suffixes: tuple[str, ...] = Field(
        (
            "有限公司", "公司", "集团", "合作社", "超市", "商行", "商店", "门市部", "经营部",
            "医院", "卫生院", "学校", "中心", "委员会", "事务所", "宾馆", "酒店", "饭店",
            "酒家", "农家乐", "加油站", "银行", "信用社", "工作室", "厂", "店", "站", "所",
            "部", "社", "场", "院", "局", "馆", "行",
        ),
        description=(
            "收款方名称（去掉末尾括号中的注释）以这些词结尾，或属于某一类收款方"
            "（counterparty_kinds），即视为单位（而非个人）"
        ),
    )
    single_character_min_length: int = Field(
        4,
        ge=1,
        description="单字后缀（如“店”“社”）只在名称至少这么长时才视为单位，避免把人名误判为单位",
    )
    red_ink_markers: tuple[str, ...] = Field(
        ("冲销", "冲回", "红字", "红冲", "冲红", "冲正", "冲账", "注销", "订正"),
        description=(
            "摘要含这些词、且本村此前有同一科目同一方向、金额不小于冲销额的原分录的负数金额，"
            "视为红字冲销，不算违规"
        ),
    )
    banned_summary_terms: tuple[str, ...] = Field(
        ("招待", "宴请", "烟酒", "香烟", "礼品", "购物卡", "白条"),
        description="禁止列支招待费的地方，摘要含这些词即违规（单独即可认定）",
    )
    hospitality_hints: tuple[str, ...] = Field(
        ("接待", "餐", "宴", "饭", "烟", "酒", "土特产", "纪念品"),
        description=(
            "摘要含这些词只是招待、烟酒、礼品开支的迹象，须另有收款方类别的证据才认定"
        ),
    )
    hint_exceptions: tuple[str, ...] = Field(
        ("酒精", "烟花", "烟感", "烟囱", "烟道", "烟雾", "禁烟", "戒烟", "餐具", "饭盒"),
        description="含迹象用字但另有所指的词（如“酒精消毒”），先从摘要中去掉再找迹象",
    )
    hospitality_accounts: tuple[str, ...] = Field(
        ("招待", "接待", "宴请", "礼品", "烟酒"),
        description="费用科目名称（明细科目，如“管理费用-招待费”）含这些词即为招待开支（单独即可认定）",
    )
    counterparty_kinds: dict[str, CounterpartyKind] = Field(
        default_factory=lambda: dict(COUNTERPARTY_KINDS),
        description="按名称识别的收款方类别：类别名 → 结尾词（endings）和名称用词（words）",
    )
    hospitality_kinds: tuple[str, ...] = Field(
        ("餐饮", "住宿", "烟酒", "礼品"),
        description="收款方属于这些类别，是招待、烟酒、礼品开支的一类证据（须与摘要迹象同时出现）",
    )
    closing_markers: tuple[str, ...] = Field(
        ("结转",), description="年终结转凭证的摘要用词"
    )


class ChartOverride(BaseModel):
    """A county's changes to one chart of accounts (一级科目), without touching code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    add: dict[str, str] = Field(
        default_factory=dict, description="本县增设的一级科目：编码 → 名称"
    )
    remove: tuple[str, ...] = Field(
        (), description="本县不使用的一级科目编码（如未确认的地方性科目）"
    )

    @field_validator("add")
    @classmethod
    def _three_digit_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for code, name in value.items():
            if not (len(code) == 3 and code.isdigit()) or not name.strip():
                raise ValueError(f"增设科目须为三位数字编码和非空名称：{code} {name}")
        return value


class SignalParams(BaseModel):
    """Settings of the journal-entry tests that raise signals (疑点), not breaches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    round_amount_unit: Decimal = Field(
        Decimal("1000"), gt=0, description="整数金额的单位（元）：支出是它的整数倍即为整数金额"
    )
    round_amount_min: Decimal = Field(
        Decimal("5000"), ge=0, description="整数金额信号只看不低于此额的支出（元）"
    )
    near_threshold_share: float = Field(
        0.9, gt=0, lt=1, description="金额达到限额的这个比例以上、但未达到限额，即为“接近限额”"
    )
    duplicate_window_days: int = Field(
        7, ge=0, description="同一收款方、同一金额的支出在这么多天内重复出现即为疑似重复支付"
    )
    rare_max_count: int = Field(
        1, ge=1, description="一个科目或借贷科目组合在本村出现不超过这么多次即为罕见"
    )
    rare_min_lines: int = Field(
        300, ge=1, description="本村分录不少于这么多条时才判断罕见科目和罕见科目组合"
    )
    benford_min_amounts: int = Field(
        300, ge=1, description="本村一年至少有这么多笔金额才做本福特首位数字检验"
    )
    benford_min_amount: Decimal = Field(
        Decimal("10"), ge=0, description="本福特检验只用不低于此额的金额（元）"
    )
    benford_mad_limit: float = Field(
        0.015, gt=0, description="首位数字平均绝对偏差超过此值即为不符合本福特定律（Nigrini）"
    )
    benford_z_critical: float = Field(
        3.29,
        gt=0,
        description=(
            "不符合时，首位数字占比偏多的 z 值超过此值才标记（3.29 即 0.1% 显著性；"
            "300 笔符合本福特定律的金额误报约 0.7%，1.96 时约 14%）"
        ),
    )
    hospitality_payee_kinds: tuple[str, ...] = Field(
        ("餐饮", "烟酒", "礼品"),
        description=(
            "付给这些类别收款方的支出，摘要和科目却记作其他开支（没有招待、餐饮等字样），"
            "列为疑点（收款方类别见 keywords.counterparty_kinds）"
        ),
    )


class ReviewBudget(BaseModel):
    """How many entries the model and signals may raise for inspectors: the cut-off for
    ``flagged`` of the entries that break no stated rule (those that do are all flagged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: float = Field(0.05, gt=0, le=1, description=(
        "模型和疑点信号标记复核的分录最多占全部分录的比例（违反规则的分录全部列出，不受此限）"))
    per_village_max: int = Field(60, ge=1, description=(
        "模型和疑点信号每村每次运行最多标记的分录数（违反规则的不受此限）"))
    min_risk: float = Field(0.3, ge=0, le=1, description=(
        "风险分低于此值的分录不由模型和疑点信号标记（违反规则的照样列出）"))


class ModelParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    n_estimators: int = Field(200, ge=10)
    max_samples: int = Field(256, ge=16)
    seed: int = 20261124
    training_rows: int = Field(
        200_000, ge=1_000,
        description="训练模型时从全县分录中按乡镇比例抽取的最多行数（每棵树只用 max_samples 行）",
    )
    reuse: bool = Field(
        False,
        description="复用数据目录中已训练的同设置模型（增量重跑时使用）；否则每次运行重新训练",
    )


class IngestParams(BaseModel):
    """How exports are read besides what they say themselves (docs/reading-exports.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quarantine_alert_share: float = Field(
        0.5, gt=0, le=1,
        description="一个文件被隔离的行占读取行的比例超过此值，即视为没有读好：运行结束时点名，"
                    "并以非零状态退出",
    )
    unit: str | None = Field(
        None, description="文件中、标题和文件名都没有写明单位时，账套所属的单位（村），"
                          "可写“乡镇 村”；命令行 --unit 同义")
    profile: str | None = Field(
        None, description="导入配置文件（YAML）的路径，对全部文件适用；命令行 --profile 同义。"
                          "不设则按表头自动识别（含随项目提供的常见软件配置）")


class AuditParams(BaseModel):
    """Everything a run needs to know besides its inputs; recorded with each run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    county: str = "默认县"
    default_town: str | None = Field(
        None, description="文件中没有乡镇信息时使用的乡镇名称"
    )
    thresholds: Thresholds = Thresholds()
    town_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    opening_cash: dict[str, Decimal] = Field(
        default_factory=dict,
        description="各村库存现金期初余额（元），键为“乡镇/村”或村名；未列出的村从 0 起算",
    )
    keywords: Keywords = Keywords()
    charts: dict[Literal["2004", "2023"], ChartOverride] = Field(
        default_factory=dict, description="本县对科目表的调整（增设或停用一级科目）"
    )
    unit_charts: dict[str, Literal["2004", "2023", "other"]] = Field(
        default_factory=dict,
        description=(
            "按单位指定科目表，键为“乡镇/单位”或单位名称：2004 或 2023 表示该单位不论会计期间"
            "都按此制度的科目记账（如 2024 年后仍用旧科目表的村），other 表示采用其他会计制度"
            "（如村办企业），依赖科目表的规则不检查该单位；未列出的单位按会计期间选用科目表，"
            "科目编码大多不在其中时自动视为 other"
        ),
    )
    signals: SignalParams = SignalParams()
    ingest: IngestParams = IngestParams()
    review: ReviewBudget = ReviewBudget()
    model: ModelParams = ModelParams()
    registers: RegisterParams = RegisterParams()
    scorecards: ScorecardParams = ScorecardParams()

    @model_validator(mode="after")
    def _kinds_are_defined(self) -> AuditParams:
        defined = set(self.keywords.counterparty_kinds)
        named = {*self.keywords.hospitality_kinds, *self.signals.hospitality_payee_kinds}
        if named - defined:
            raise ValueError(
                f"收款方类别 {'、'.join(sorted(named - defined))} 没有在 "
                f"keywords.counterparty_kinds 中定义（已定义：{'、'.join(sorted(defined))}）"
            )
        return self

    def thresholds_for(self, town: str) -> Thresholds:
        """The thresholds in force in one town: the county's, with the town's overrides."""
        override = self.town_overrides.get(town)
        if not override:
            return self.thresholds
        return Thresholds(**{**self.thresholds.model_dump(), **override})

    def unit_chart(self, town: str, village: str) -> str:
        """The chart ``unit_charts`` names for a unit ("" where it names none)."""
        return self.unit_charts.get(f"{town}/{village}", self.unit_charts.get(village, ""))

    def opening_cash_fen(self, town: str, village: str) -> int:
        """A village's opening 101 cash balance in fen: by "town/village", then by village."""
        amount = self.opening_cash.get(f"{town}/{village}", self.opening_cash.get(village, 0))
        return int(Decimal(amount) * 100)

    def record(self) -> dict[str, Any]:
        """A JSON-ready description for ``run.json``."""
        return self.model_dump(mode="json")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_params(path: Path | str | None = None) -> AuditParams:
    """Load the committed defaults, overlaid with a county's file when one is given."""
    raw = yaml.safe_load(DEFAULT_PARAMS_FILE.read_text(encoding="utf-8")) or {}
    if path is not None:
        path = Path(path)
        try:
            override = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError as exc:
            raise ValueError(f"参数文件不存在：{path}") from exc
        except yaml.YAMLError as exc:
            raise ValueError(f"参数文件 {path} 不是有效的 YAML：{exc}") from exc
        if not isinstance(override, dict):
            raise ValueError(f"参数文件 {path} 的顶层应为键值映射")
        raw = _merge(raw, override)
    return AuditParams.model_validate(raw)
