"""When and how fast downloads may run, and how much disk they must leave free.

The county profile (:mod:`app.county`) sets the rules for all its schools; the settings screen
may change them on one PC (stored in :mod:`app.storage.settings`; a value set there wins).

Times are the PC's local wall-clock time: a window such as ``18:00-07:00`` (after school until
the next morning) may wrap past midnight; ``start == end`` means all day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from app.storage import settings

DEFAULT_RESERVE = 1024**3

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z/]*)\s*$")
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_RATE_UNITS = {
    "": 1,
    "b/s": 1,
    "kb/s": 1000,
    "mb/s": 1000**2,
    "kbit/s": 1000 / 8,
    "mbit/s": 1000**2 / 8,
    "kbps": 1000 / 8,
    "mbps": 1000**2 / 8,
    "kbit": 1000 / 8,
    "mbit": 1000**2 / 8,
}


class PolicyError(ValueError):
    """A window, rate or size that cannot be understood; the message says what is expected."""


@dataclass(frozen=True)
class TimeWindow:
    """Daily hours, local time, in which downloads may run."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> TimeWindow:
        """``"18:00-07:00"`` -> a window from 18:00 to 07:00 the next morning."""
        parts = text.split("-")
        if len(parts) != 2:
            raise PolicyError(f'window {text!r}: expected "HH:MM-HH:MM", e.g. "18:00-07:00"')
        start, end = (_parse_time(part, text) for part in parts)
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def is_open(self, now: datetime) -> bool:
        t = now.time().replace(tzinfo=None)
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def opens_after(self, now: datetime) -> timedelta:
        """How long until the window opens (zero when it is open)."""
        if self.is_open(now):
            return timedelta(0)
        start = now.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)
        if start <= now:
            start += timedelta(days=1)
        return start - now

    def closes_after(self, now: datetime) -> timedelta | None:
        """How long until the window closes (``None``: all day; zero when closed)."""
        if self.start == self.end:
            return None
        if not self.is_open(now):
            return timedelta(0)
        end = now.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= now:
            end += timedelta(days=1)
        return end - now


def _parse_time(part: str, text: str) -> time:
    match = _TIME.match(part)
    if match is None or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        raise PolicyError(f'window {text!r}: expected "HH:MM-HH:MM", e.g. "18:00-07:00"')
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour == 24:
        if minute:
            raise PolicyError(f"window {text!r}: there is no {hour}:{minute:02d}")
        hour = 0
    return time(hour, minute)


def parse_size(text: str) -> int:
    """``"1 GB"``, ``"500MB"``, ``"2GiB"``, ``"1048576"`` -> bytes; ``""`` -> 0."""
    return _parse_amount(text, _SIZE_UNITS, 'a size such as "1 GB" or "500 MB"')


def parse_rate(text: str) -> int:
    """``"2 Mbit/s"``, ``"512 kbit/s"``, ``"200 KB/s"``, ``"0"`` -> bytes per second;
    ``""`` or ``"0"`` -> 0 (no cap)."""
    return _parse_amount(text, _RATE_UNITS, 'a rate such as "2 Mbit/s" or "200 KB/s"')


def _parse_amount(text: str, units: Mapping[str, float], expected: str) -> int:
    if not text.strip():
        return 0
    match = _AMOUNT.match(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in units:
        raise PolicyError(f"{text!r}: expected {expected}")
    return int(float(match.group(1)) * units[unit])


def format_rate(rate: int) -> str:
    """Bytes per second as a county IT person writes it (``"2 Mbit/s"``); ``""`` for none."""
    if rate <= 0:
        return ""
    bits = rate * 8
    if bits % 1_000_000 == 0:
        return f"{bits // 1_000_000} Mbit/s"
    if bits % 1000 == 0:
        return f"{bits // 1000} kbit/s"
    return f"{rate} B/s"


@dataclass(frozen=True)
class DownloadPolicy:
    """The rules a download run follows.

    Attributes:
        window: hours downloads may run; ``None``: any time.
        max_rate: bandwidth cap in bytes per second; 0: none.
        reserve: bytes of disk always left free.
    """

    window: TimeWindow | None = None
    max_rate: int = 0
    reserve: int = DEFAULT_RESERVE


def load_policy(session: Session, county: DownloadPolicy | None = None) -> DownloadPolicy:
    """The county's rules, with what this PC's settings override.

    A window stored as ``""`` on this PC means "any time" (the teacher removed the county's
    window); a value never set falls back to the county's.
    """
    county = county or DownloadPolicy()
    window_text = settings.get_set(session, settings.DOWNLOAD_WINDOW)
    max_rate = settings.get_set(session, settings.DOWNLOAD_MAX_RATE)
    reserve = settings.get_set(session, settings.DOWNLOAD_RESERVE)
    window = county.window
    if window_text is not None:
        try:
            window = TimeWindow.parse(window_text) if window_text else None
        except PolicyError:
            window = county.window  # a damaged setting must not stop downloads for good
    return DownloadPolicy(
        window=window,
        max_rate=county.max_rate if max_rate is None else max(0, int(max_rate)),
        reserve=county.reserve if reserve is None else max(0, int(reserve)),
    )


def save_policy(session: Session, policy: DownloadPolicy) -> None:
    """Stores the rules chosen on this PC's settings screen (in the caller's transaction)."""
    settings.put(session, settings.DOWNLOAD_WINDOW, str(policy.window) if policy.window else "")
    settings.put(session, settings.DOWNLOAD_MAX_RATE, policy.max_rate)
    settings.put(session, settings.DOWNLOAD_RESERVE, policy.reserve)
