"""How the review pages and exports write money and time for a Chinese reader."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def format_yuan(fen: int | None) -> str:
    """Integer fen as yuan with thousands separators and two decimals: 123456789 → 1,234,567.89."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def format_time(moment: datetime | None) -> str:
    """A UTC timestamp in Beijing time, to the minute."""
    if moment is None:
        return ""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
