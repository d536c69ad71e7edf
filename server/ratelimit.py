"""Counting wrong enrollment codes and PINs, in the database and on the server's clock.

Each key (:func:`enroll_key`, :func:`teacher_key`, :func:`device_key`) has one ``attempt`` row.
Failures are counted in a window that starts with the first failure; the failure that reaches
the limit locks the key for ``Limit.lock``, and a locked key refuses every attempt, right or
wrong, until then. Since the counters live in the database they hold across restarts and
across server processes; the row is locked (``FOR UPDATE`` on PostgreSQL, the single writer on
SQLite) for the rest of the caller's transaction, so concurrent guesses are counted one by one.

Call these inside a write transaction (``server.db.begin_immediate``) and commit it even when
the attempt is refused, or the failure is not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import Attempt


@dataclass(frozen=True)
class Limit:
    """At most ``max_failures`` failures within ``window``; then locked for ``lock``."""

    max_failures: int
    window: timedelta
    lock: timedelta


#: Wrong enrollment codes from one client address.
ENROLL = Limit(10, timedelta(minutes=10), timedelta(minutes=10))
#: Wrong PINs for one teacher, from any device.
CLAIM_TEACHER = Limit(5, timedelta(minutes=15), timedelta(minutes=15))
#: Wrong PINs from one device, for any teacher.
CLAIM_DEVICE = Limit(20, timedelta(hours=1), timedelta(hours=1))


def enroll_key(address: str) -> str:
    return f"enroll:{address}"


def teacher_key(teacher_id: str) -> str:
    return f"claim-teacher:{teacher_id}"


def device_key(device_id: str) -> str:
    return f"claim-device:{device_id}"


def retry_after(session: Session, key: str, now: datetime) -> int | None:
    """Seconds until ``key`` may try again (at least 1), or None when it is not locked.

    Locks the key's row until the transaction ends.
    """
    row = _locked_row(session, key, now)
    if row.locked_until is None or row.locked_until <= now:
        return None
    return max(1, math.ceil((row.locked_until - now).total_seconds()))


def failed(session: Session, key: str, limit: Limit, now: datetime) -> int:
    """Counts one failure for ``key``; returns how many more are allowed (0: now locked)."""
    row = _locked_row(session, key, now)
    expired_lock = row.locked_until is not None and row.locked_until <= now
    if expired_lock or row.window_start + limit.window <= now:
        row.window_start, row.failures, row.locked_until = now, 0, None
    row.failures += 1
    if row.failures >= limit.max_failures:
        row.locked_until = now + limit.lock
    session.flush()
    return max(0, limit.max_failures - row.failures)


def left(session: Session, key: str, limit: Limit, now: datetime) -> int:
    """How many failures ``key`` may still make before it is locked."""
    row = _locked_row(session, key, now)
    if row.window_start + limit.window <= now or (
        row.locked_until is not None and row.locked_until <= now
    ):
        return limit.max_failures
    return max(0, limit.max_failures - row.failures)


def forget(session: Session, key: str) -> None:
    """Clears the failures of ``key`` (a teacher's, after the right PIN)."""
    row = session.get(Attempt, key)
    if row is not None:
        row.failures, row.locked_until = 0, None
        session.flush()


def _locked_row(session: Session, key: str, now: datetime) -> Attempt:
    """The key's row, made if missing, locked for the rest of the transaction."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Attempt)
        .values(key=key, window_start=now, failures=0, locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = session.scalars(
        select(Attempt)
        .where(Attempt.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row
