"""argparse in Chinese: its help, usage and error messages, with the flags' names kept.

argparse looks its texts up through the module's ``_`` and ``ngettext`` (gettext) while it
builds a parser, formats help and parses; :class:`ChineseArgumentParser` answers those look-ups
from :data:`MESSAGES` for the duration of each call. A usage error is one line on standard
error, with where to find the usage, and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

EXIT_USAGE = 2

# argparse's message ids (Python 3.11-3.13) → Chinese; the %-placeholders are kept.
MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "无效的取值 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 无效，应为%(type)s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s":
        "选项 %(option)s 有歧义，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 须有其一",
    "ignored explicit argument %r": "多余的值 %r",
    "can't open '%(filename)s': %(error)s": "无法打开「%(filename)s」：%(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "没有命令 %(parser_name)r（可选：%(choices)s）",
}


def translate(message: str) -> str:
    return MESSAGES.get(message, message)


def _translate_plural(singular: str, plural: str, count: int) -> str:
    return translate(singular if count == 1 else plural)


@contextmanager
def _in_chinese() -> Iterator[None]:
    looked_up = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = translate, _translate_plural  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = looked_up  # type: ignore[attr-defined]


def named_type(convert: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    """``convert`` under a Chinese name, which argparse shows when a value does not convert
    (``取值 'abc' 无效，应为整数``)."""

    def converted(text: str) -> Any:
        return convert(text)

    converted.__name__ = name
    return converted


INTEGER = named_type(int, "整数")
NUMBER = named_type(float, "数字")


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that speaks Chinese; its sub-command parsers are of this class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with _in_chinese():
            super().__init__(*args, **kwargs)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        with _in_chinese():
            return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        with _in_chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with _in_chinese():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        """One line: what is wrong and where the usage is; exit status 2."""
        self.exit(EXIT_USAGE, f"错误：{message}（用法见 {self.prog} -h）\n")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        sys.exit(status)
