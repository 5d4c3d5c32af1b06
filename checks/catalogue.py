"""The rule catalogue: every rule and signal with its basis and the thresholds in force, as text
for the terminal and as Markdown (committed as ``checks/RULES.md``)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from checks.charts import CHART_KEYS, charts_in_force
from checks.params import AuditParams, CounterpartyKind, Thresholds, load_params
from checks.prepared import MONEY_THRESHOLDS
from checks.registers.audit import REGISTER_CHECKS
from checks.registers.check import RegisterCheck
from checks.rules import RULES
from checks.rules.rule import SEVERITY_TEXT, Rule
from checks.signals import SIGNALS
from checks.signals.calendar import official_years, readings_text
from checks.sources import Basis
from checks.wording import money

STATUS_TEXT = {
    "confirmed": "已核实",
    "local": "地方性科目",
    "unconfirmed": "未核实",
    "county": "本县增设",
}


def _value_text(name: str, value: Any) -> str:
    if value is None:
        return "未设置"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name in MONEY_THRESHOLDS or isinstance(value, Decimal):
        return f"{money(int(Decimal(value) * 100))} 元"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "、".join(str(item) for item in value) or "（空）"
    if isinstance(value, dict):
        return "；".join(f"{key}：{_value_text(name, item)}" for key, item in value.items()) \
            or "（空）"
    if isinstance(value, CounterpartyKind):
        return f"名称以{'、'.join(value.endings)}结尾，或含{'、'.join(value.words)}"
    if name.endswith("_days"):
        return f"{value} 天"
    return str(value)


def threshold_description(name: str) -> str:
    field = Thresholds.model_fields.get(name)
    if field is None or not field.description:
        raise KeyError(f"threshold {name!r} is not a documented field of Thresholds")
    return field.description


def setting_description(path: str) -> str:
    """The description of a parameter named by a dotted path ("keywords.red_ink_markers")."""
    model: type[BaseModel] = AuditParams
    description = ""
    for part in path.split("."):
        field = model.model_fields.get(part)
        if field is None:
            raise KeyError(f"parameter {path!r} does not exist")
        description = field.description or ""
        annotation = field.annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) \
            else BaseModel
    if not description:
        raise KeyError(f"parameter {path!r} has no description")
    return description


def setting_value(params: AuditParams, path: str) -> Any:
    value: Any = params
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _threshold_lines(rule: Rule, params: AuditParams) -> list[str]:
    lines = []
    for name in rule.thresholds:
        county = getattr(params.thresholds, name)
        towns = [
            f"{town}：{_value_text(name, getattr(params.thresholds_for(town), name))}"
            for town in sorted(params.town_overrides)
            if getattr(params.thresholds_for(town), name) != county
        ]
        text = f"{threshold_description(name)}（thresholds.{name}）= {_value_text(name, county)}"
        if towns:
            text += f"；乡镇另有规定：{'，'.join(towns)}"
        lines.append(text)
    return lines


def _setting_lines(settings: tuple[str, ...], params: AuditParams) -> list[str]:
    return [
        f"{setting_description(path)}（{path}）= {_value_text(path, setting_value(params, path))}"
        for path in settings
    ]


def _basis_text(basis: Basis) -> str:
    return f"{basis.text}（{basis.source}）"


def _rule_facts(rule: Rule, params: AuditParams) -> list[tuple[str, list[str]]]:
    return [
        ("类别", [f"{rule.category}；严重程度：{SEVERITY_TEXT[rule.severity]}"]),
        ("检查", [rule.description]),
        ("依据", [_basis_text(basis) for basis in rule.basis]),
        ("阈值", _threshold_lines(rule, params)),
        ("参数", _setting_lines(rule.settings, params)),
    ]


KIND_TEXT = {"rule": "规则", "signal": "疑点信号"}
SUBJECT_TEXT = {"contract": "合同", "asset": "资产", "resource": "资源", "account": "村账科目"}


def _register_check_facts(
    check: RegisterCheck, params: AuditParams
) -> list[tuple[str, list[str]]]:
    return [
        ("性质", [f"{KIND_TEXT[check.kind]}；严重程度：{SEVERITY_TEXT[check.severity]}；"
                  f"对象：{SUBJECT_TEXT[check.subject_kind]}"]),
        ("检查", [check.description]),
        ("依据", [_basis_text(basis) for basis in check.basis]),
        ("参数", _setting_lines(check.settings, params)),
    ]


def _register_town_lines(params: AuditParams) -> list[str]:
    return [
        f"{town}：" + "，".join(f"{name} = {_value_text(name, value)}"
                               for name, value in override.items())
        for town, override in sorted(params.registers.town_overrides.items())
    ]


def _chart_lines(params: AuditParams) -> list[str]:
    lines = []
    for chart in charts_in_force(params).values():
        statuses: dict[str, list[str]] = {}
        for account in chart.accounts.values():
            statuses.setdefault(account.status, []).append(account.code)
        counts = "，".join(
            f"{STATUS_TEXT.get(status, status)} {len(codes)} 个"
            + (f"（{'、'.join(codes)}）" if status in {"local", "county"} else "")
            for status, codes in statuses.items()
        )
        lines.append(
            f"{chart.label()}（{chart.issuer}发布，{chart.source}）：{chart.applies}，"
            f"一级科目 {len(chart.accounts)} 个（{counts}）"
        )
    lines.append(
        "2023 年制度的科目编码只有一个公开来源，标为未核实；本县如与财政部附件不同，用参数 charts "
        f"增设或停用一级科目（{'、'.join(CHART_KEYS)} 两套分别设置），不必改代码。"
    )
    return lines


def _calendar_lines() -> list[str]:
    """Each year's source (years of the same source together), the days read as the notices
    say where the package says otherwise, and what is not covered."""
    lines = []
    by_source = itertools.groupby(sorted(official_years().items()),
                                  key=lambda item: (item[1].notice, item[1].sources))
    for (notice, sources), years in by_source:
        numbers = [year for year, _ in years]
        span = f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else f"{numbers[0]}"
        lines.append(f"{span} 年：{notice}（{'；'.join(sources)}）")
    return [*lines, f"chinese-calendar 与通知不一致处按通知：{readings_text()}",
            "其他年份未收录，只按周六、周日判断，信号说明中注明。"]


def catalogue_text(params: AuditParams) -> str:
    """Every rule and signal with the thresholds in force, for the terminal."""
    lines = [f"三资审计规则目录（{params.county}）", ""]
    for rule in RULES:
        lines.append(f"{rule.id}  {rule.message}")
        for label, values in _rule_facts(rule, params):
            lines.extend(f"  {label}：{value}" for value in values)
        lines.append("")
    lines.extend(["疑点信号（不是违规，只提示复核）", ""])
    for signal in SIGNALS:
        lines.append(f"{signal.id}  {signal.name}")
        lines.append(f"  检查：{signal.description}")
        lines.extend(f"  依据：{_basis_text(basis)}" for basis in signal.basis)
        lines.extend(f"  参数：{line}" for line in _setting_lines(signal.settings, params))
        lines.append("")
    lines.extend(["三资台账检查（合同、资产、资源台账与账簿对照）", ""])
    for check in REGISTER_CHECKS:
        lines.append(f"{check.id}  {check.name}")
        for label, values in _register_check_facts(check, params):
            lines.extend(f"  {label}：{value}" for value in values)
        lines.append("")
    lines.extend(f"  乡镇另有规定：{line}" for line in _register_town_lines(params))
    lines.append("科目表")
    lines.extend(f"  {line}" for line in _chart_lines(params))
    lines.append("")
    lines.append("法定节假日数据")
    lines.extend(f"  {line}" for line in _calendar_lines())
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalogue_markdown(params: AuditParams) -> str:
    """Every rule and signal with the thresholds in force, as Markdown."""
    lines = [
        "# 三资审计规则目录",
        "",
        "<!-- Generated by checks.catalogue.catalogue_markdown(load_params()); "
        "tests/checks/test_catalogue.py fails when it is out of date. -->",
        "",
        f"参数：{params.county}（默认参数）。规则违规（rule_ids）与疑点信号（signal.*）分开："
        "信号只提示复核，从不计为违规。“达到”指大于或等于（≥）。",
        "",
        "| 规则 | 违规 | 类别 | 严重程度 |",
        "|---|---|---|---|",
    ]
    lines.extend(
        f"| `{rule.id}` | {rule.message} | {rule.category} | {SEVERITY_TEXT[rule.severity]} |"
        for rule in RULES
    )
    lines.append("")
    for rule in RULES:
        lines.extend([f"## `{rule.id}` {rule.message}", ""])
        for label, values in _rule_facts(rule, params):
            if not values:
                continue
            if len(values) == 1:
                lines.append(f"- **{label}**：{values[0]}")
            else:
                lines.append(f"- **{label}**：")
                lines.extend(f"  - {value}" for value in values)
        lines.append("")
    lines.extend(["## 疑点信号", "", "| 信号 | 名称 | 检查 | 依据 |", "|---|---|---|---|"])
    lines.extend(
        f"| `{signal.id}` | {signal.name} | {_cell(signal.description)} | "
        f"{_cell('；'.join(_basis_text(basis) for basis in signal.basis))} |"
        for signal in SIGNALS
    )
    lines.append("")
    lines.extend(["信号参数：", ""])
    settings = dict.fromkeys(path for signal in SIGNALS for path in signal.settings)
    lines.extend(f"- {line}" for line in _setting_lines(tuple(settings), params))
    lines.extend(["", "## 三资台账检查", "",
                  "合同、资产、资源台账与账簿对照的检查，发现的问题指向合同、资产、资源或村账科目；"
                  "疑点信号只提示复核。", "",
                  "| 检查 | 名称 | 性质 | 对象 | 严重程度 |", "|---|---|---|---|---|"])
    lines.extend(
        f"| `{check.id}` | {check.name} | {KIND_TEXT[check.kind]} | "
        f"{SUBJECT_TEXT[check.subject_kind]} | {SEVERITY_TEXT[check.severity]} |"
        for check in REGISTER_CHECKS
    )
    for check in REGISTER_CHECKS:
        lines.extend(["", f"### `{check.id}` {check.name}", ""])
        for label, values in _register_check_facts(check, params):
            if len(values) == 1:
                lines.append(f"- **{label}**：{values[0]}")
            elif values:
                lines.append(f"- **{label}**：")
                lines.extend(f"  - {value}" for value in values)
    towns = _register_town_lines(params)
    if towns:
        lines.extend(["", "乡镇另有规定：", ""])
        lines.extend(f"- {line}" for line in towns)
    lines.extend(["", "## 科目表", ""])
    lines.extend(f"- {line}" for line in _chart_lines(params))
    lines.extend(["", "## 法定节假日数据", ""])
    lines.extend(f"- {line}" for line in _calendar_lines())
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(load_params()), end="")
