"""Audit parameters: thresholds per county with town overrides, model and review settings.

Thresholds are set locally, never nationally (REFERENCE.md §2.3), so they are configuration.
The committed defaults are in ``checks/default_params.yaml``; a county passes its own file with
``--config`` and only states what differs. The loaded object is the flow's parameter and is
recorded in ``run.json``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

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

    @field_validator(
        "cash_holding_limit", "cash_payment_ceiling", "approval_tier", "tender_line"
    )
    @classmethod
    def _non_negative_cents(cls, value: Decimal) -> Decimal:
        if value < 0 or value != value.quantize(Decimal("0.01")):
            raise ValueError("金额阈值须为非负数，最多两位小数")
        return value

    def fen(self, name: str) -> int:
        """A money threshold in integer fen (分)."""
        return int(getattr(self, name) * 100)


class ReviewBudget(BaseModel):
    """How many entries inspectors can read: the cut-off for ``flagged``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: float = Field(0.05, gt=0, le=1, description="全部分录中标记复核的最大比例")
    per_village_max: int = Field(60, ge=1, description="每村每次运行最多标记的分录数")
    min_risk: float = Field(0.3, ge=0, le=1, description="风险分低于此值的分录不标记")


class ModelParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    n_estimators: int = Field(200, ge=10)
    max_samples: int = Field(256, ge=16)
    seed: int = 20261124


class AuditParams(BaseModel):
    """Everything a run needs to know besides its inputs; recorded with each run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    county: str = "默认县"
    default_town: str | None = Field(
        None, description="文件中没有乡镇信息时使用的乡镇名称"
    )
    thresholds: Thresholds = Thresholds()
    town_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    review: ReviewBudget = ReviewBudget()
    model: ModelParams = ModelParams()

    def thresholds_for(self, town: str) -> Thresholds:
        """The thresholds in force in one town: the county's, with the town's overrides."""
        override = self.town_overrides.get(town)
        if not override:
            return self.thresholds
        return Thresholds(**{**self.thresholds.model_dump(), **override})

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
