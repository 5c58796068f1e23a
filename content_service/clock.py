"""Library time, one module for every feature: moments are stored in UTC and
shown in Western Indonesia Time (WIB, Asia/Jakarta), where Batam is.

``utcnow`` (the column default of every timestamp), ``as_utc`` (SQLite hands
timezone columns back naive, in UTC), ``local`` and ``local_today`` (the
moment or the date in WIB), and ``WIB`` / ``UTC`` themselves."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
WIB = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands timezone columns back naive, in UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local(moment: datetime) -> datetime:
    """The moment in Asia/Jakarta."""
    return as_utc(moment).astimezone(WIB)


def local_today(now: datetime | None = None) -> date:
    """Today's date in WIB (or the WIB date of ``now``)."""
    return local(now or utcnow()).date()
