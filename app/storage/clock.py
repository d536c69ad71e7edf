"""The clock, injected: storage and sync take a ``Clock`` instead of reading the time themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, as a naive UTC datetime (how the database stores time)."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as naive UTC; an aware time (a server's, a test's) is converted first."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
