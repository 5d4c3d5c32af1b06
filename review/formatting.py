"""How the review pages and exports write money and time for a Chinese reader."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# The zone people read unless the settings name another (SANZI_TIMEZONE, flows/settings.py).
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def format_yuan(fen: int | None) -> str:
    """Integer fen as yuan with thousands separators and two decimals: 123456789 → 1,234,567.89."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def format_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """A UTC timestamp in ``zone`` (the app's: the settings' ``SANZI_TIMEZONE``), to the
    minute."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
