"""Import profiles (docs/reading-exports.md 导入配置): how to read one export layout, written
as YAML, no code.

Automatic recognition (the conventions of :mod:`flows.ingest.conventions`) is the default. A
profile adds what one layout needs: its headers for fields, headers that are not fields, the
unit a file belongs to, 方向 words, rows to skip, where the header is, the chart of accounts
its units keep to. Profiles for
common vendor layouts ship in ``profiles/`` beside this module and are chosen when a file's
header row holds all of a profile's ``match`` headers; a user's profile is chosen with
``--profile FILE`` and then applies to every file of the run.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flows.ingest.conventions import FIELDS, header_key

PROFILES_DIR = Path(__file__).with_name("profiles")


class DirectionWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    debit: tuple[str, ...] = Field(description="表示借方的方向值")
    credit: tuple[str, ...] = Field(description="表示贷方的方向值")

    @field_validator("debit", "credit", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        return [str(item) for item in value] if isinstance(value, list) else value


class ImportProfile(BaseModel):
    """How to read one export layout; every key but ``name`` may be left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="配置名称，显示在 inspect 和运行记录中")
    description: str = Field("", description="这份配置适用于哪种导出")
    match: tuple[str, ...] = Field(
        (), description="表头同时含有这些列名时自动选用本配置（用 --profile 指定时不看）")
    columns: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="字段 → 列名（优先于内置别名；同一字段多列时每行取第一个非空的）")
    ignore: tuple[str, ...] = Field((), description="这些列不当作任何字段（原值保留）")
    header_row: int | None = Field(None, ge=1, le=200, description="表头所在行号（不设则自动查找）")
    sheets: tuple[str, ...] = Field((), description="只读这些工作表（不设则读全部）")
    unit: str | None = Field(
        None, description="账套所属单位（村），表中、标题和文件名都没有写明时使用；可写“乡镇 村”")
    directions: DirectionWords | None = Field(None, description="方向列的取值（借 / 贷）")
    skip_rows: tuple[str, ...] = Field(
        (), description="正则表达式：任一单元格匹配的行作为模板说明行跳过")
    chart: Literal["2004", "2023", "other"] | None = Field(
        None, description="用本配置读的单位所依的科目表（同参数 unit_charts；"
                          "参数中已列出的单位以参数为准）")

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = [name for name in value if name not in FIELDS]
        if unknown:
            raise ValueError(f"未知字段 {'、'.join(unknown)}；可用字段：{'、'.join(FIELDS)}")
        return {name: tuple(header_key(alias) for alias in aliases)
                for name, aliases in value.items()}

    @field_validator("match", "ignore", mode="after")
    @classmethod
    def _header_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(header_key(text) for text in value)

    @field_validator("skip_rows")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"正则表达式「{pattern}」无效：{error}") from None
        return value


class ProfileError(ValueError):
    """An import profile that cannot be used; the message names the file and the key."""


def load_profile(path: Path | str) -> ImportProfile:
    """A profile file, validated; ``ProfileError`` says which file and key are wrong and why."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"导入配置文件不存在：{path}") from None
    except yaml.YAMLError as error:
        raise ProfileError(f"导入配置「{path.name}」不是有效的 YAML：{error}") from None
    if not isinstance(raw, dict):
        raise ProfileError(f"导入配置「{path.name}」的顶层应为键值映射（name: …、columns: …）")
    try:
        return ImportProfile.model_validate(raw)
    except ValidationError as error:
        problems = "；".join(
            f"{'.'.join(str(part) for part in item['loc']) or '（顶层）'}：{_message(item)}"
            for item in error.errors()
        )
        raise ProfileError(f"导入配置「{path.name}」有误：{problems}") from None


def _message(item: dict) -> str:
    kind = item.get("type", "")
    if kind == "extra_forbidden":
        return "不认识的键（可用键见 docs/reading-exports.md）"
    if kind == "missing":
        return "缺少此项"
    return str(item.get("msg", "")).removeprefix("Value error, ")


@cache
def shipped_profiles() -> tuple[ImportProfile, ...]:
    """The vendor profiles that ship with the project, in file-name order."""
    return tuple(load_profile(path) for path in sorted(PROFILES_DIR.glob("*.yaml")))


def matching_profile(
    header_keys: set[str], profiles: tuple[ImportProfile, ...]
) -> ImportProfile | None:
    """The profile whose ``match`` headers are all in the header row, the most specific first."""
    fitting = [profile for profile in profiles
               if profile.match and set(profile.match) <= header_keys]
    return max(fitting, key=lambda profile: len(profile.match), default=None)
