"""The download queue: which assets this PC still has to fetch, in which order. Survives restarts.

A teacher choosing a course queues its missing assets (:data:`PRIORITY_TEACHER`); a course the
county marks for every school is queued by the catalog refresh (:data:`PRIORITY_COUNTY`); an
item a teacher opens before it is here jumps ahead of everything (:data:`PRIORITY_NOW`). Within
a priority, courses go in the order they were asked for and items in course order, so the first
lessons are ready first.

One row per asset, whoever asked: the content store keeps one copy per PC, usable by every
teacher. A row goes when its asset is stored (:func:`done`). Pausing is per course (its rows)
or for everything (:data:`app.storage.settings.DOWNLOADS_PAUSED`).

This module only keeps the list; :mod:`app.sync.download_runner` works through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.storage import settings
from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.models import Asset, Course, Item, QueuedDownload

PRIORITY_NOW = 100
PRIORITY_TEACHER = 50
PRIORITY_COUNTY = 10

#: Waits after the 1st, 2nd, 3rd... failure of one asset before it is tried again.
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)


@dataclass(frozen=True)
class QueuedAsset:
    """One queued asset, as the runner and the downloads screen see it.

    Attributes:
        sha256, size, media_type: the asset.
        course_id, course_title: the course it was queued for.
        title: the title of its first item in that course.
        priority: see the module doc.
        paused: paused by a teacher (the course's Pause button).
        failures: failed attempts so far; ``last_error`` says why the last one failed.
        retry_at: not tried again before this time (UTC, naive); ``None``: any time.
        have: bytes already on disk (a partial download), when asked for with ``partial_dir``.
    """

    sha256: str
    size: int
    media_type: str
    course_id: str
    course_title: str
    title: str
    priority: int
    paused: bool
    failures: int
    last_error: str
    retry_at: datetime | None
    have: int = 0


def enqueue_course(
    session: Session,
    course_id: str,
    *,
    priority: int = PRIORITY_TEACHER,
    clock: Clock = utc_now,
) -> int:
    """Marks a course as wanted on this PC and queues every asset of it not yet stored.

    Assets already queued keep their place but take the higher priority, and are un-paused:
    asking again means "I want it". Returns how many assets are queued for the course now.

    Raises:
        ValueError: the course is not in the local catalog.
    """
    course = session.get(Course, course_id)
    if course is None:
        raise ValueError(f"course {course_id!r} is not in the local catalog")
    now = naive_utc(clock())
    if course.download_requested_at is None:
        course.download_requested_at = now
    missing = [
        sha
        for (sha,) in session.execute(
            select(Item.asset_sha256)
            .join(Asset, Asset.sha256 == Item.asset_sha256)
            .where(Item.course_id == course_id, Asset.stored_at.is_(None))
            .order_by(Item.lesson_position, Item.position)
        )
    ]
    unique = list(dict.fromkeys(missing))
    if not unique:
        return 0
    _insert(session, unique, course_id, priority, now)
    return len(unique)


def enqueue_item(session: Session, item_id: str, *, clock: Clock = utc_now) -> bool:
    """A teacher opened an item that is not here yet: its asset goes first, the rest of its
    course is queued behind (at teacher priority). Returns whether anything was queued."""
    item = session.get(Item, item_id)
    if item is None:
        return False
    stored = session.scalar(
        select(Asset.stored_at.is_not(None)).where(Asset.sha256 == item.asset_sha256)
    )
    enqueue_course(session, item.course_id, clock=clock)
    if stored:
        return False
    _insert(session, [item.asset_sha256], item.course_id, PRIORITY_NOW, naive_utc(clock()))
    return True


def _insert(
    session: Session, shas: list[str], course_id: str, priority: int, now: datetime
) -> None:
    first = int(session.scalar(select(func.coalesce(func.max(QueuedDownload.seq), 0))) or 0) + 1
    rows = [
        {
            "sha256": sha,
            "course_id": course_id,
            "priority": priority,
            "seq": first + i,
            "queued_at": now,
            "paused": False,
            "failures": 0,
            "last_error": "",
            "retry_at": None,
        }
        for i, sha in enumerate(shas)
    ]
    stmt = sqlite_insert(QueuedDownload)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["sha256"],
            set_={
                "priority": func.max(QueuedDownload.priority, stmt.excluded.priority),
                "paused": False,
                "retry_at": None,
            },
        ),
        rows,
    )


def enqueue_requested(session: Session, course_ids: list[str], *, clock: Clock = utc_now) -> int:
    """After a catalog refresh: queues what new versions of already-wanted courses added.

    Returns how many assets were queued.
    """
    queued = 0
    wanted = session.scalars(
        select(Course.id).where(
            Course.id.in_(course_ids), Course.download_requested_at.is_not(None)
        )
    ).all()
    for course_id in wanted:
        priority = session.scalar(
            select(func.max(QueuedDownload.priority)).where(QueuedDownload.course_id == course_id)
        )
        queued += enqueue_course(
            session, course_id, priority=priority or PRIORITY_TEACHER, clock=clock
        )
    return queued


def next_asset(session: Session, *, clock: Clock = utc_now) -> QueuedAsset | None:
    """The asset to download now: highest priority first, not paused, not waiting to retry.

    Rows whose asset got stored some other way (a USB pack, another course) are dropped here
    (so this needs a write transaction; :func:`peek_next` does not).
    """
    _drop_stored(session)
    return peek_next(session, clock=clock)


def peek_next(session: Session, *, clock: Clock = utc_now) -> QueuedAsset | None:
    """:func:`next_asset` without the tidying: for checking, mid-download, what goes first."""
    if settings.get(session, settings.DOWNLOADS_PAUSED):
        return None
    now = naive_utc(clock())
    rows = _select(session).where(
        QueuedDownload.paused.is_(False),
        or_(QueuedDownload.retry_at.is_(None), QueuedDownload.retry_at <= now),
    )
    row = session.execute(rows.limit(1)).first()
    return QueuedAsset(*row) if row else None


def next_retry(session: Session) -> datetime | None:
    """When the earliest asset waiting after a failure may be tried again (naive UTC)."""
    return session.scalar(
        select(func.min(QueuedDownload.retry_at)).where(
            QueuedDownload.paused.is_(False), QueuedDownload.retry_at.is_not(None)
        )
    )


def queued(session: Session, partial_dir: Path | None = None) -> list[QueuedAsset]:
    """Everything queued, in download order (paused ones included), for the downloads screen.

    With ``partial_dir``, ``have`` tells the bytes of each already on disk.
    """
    items = [QueuedAsset(*row) for row in session.execute(_select(session))]
    if partial_dir is None:
        return items
    return [_with_have(item, partial_dir) for item in items]


def _with_have(item: QueuedAsset, partial_dir: Path) -> QueuedAsset:
    try:
        have = min((partial_dir / f"{item.sha256}.part").stat().st_size, item.size)
    except OSError:
        return item
    return QueuedAsset(**{**item.__dict__, "have": have})


def _select(session: Session):  # type: ignore[no-untyped-def]
    first_item = (
        select(func.min(Item.title))
        .where(
            Item.asset_sha256 == QueuedDownload.sha256,
            Item.course_id == QueuedDownload.course_id,
        )
        .scalar_subquery()
    )
    return (
        select(
            QueuedDownload.sha256,
            Asset.size,
            Asset.media_type,
            QueuedDownload.course_id,
            func.coalesce(Course.title, QueuedDownload.course_id),
            func.coalesce(first_item, ""),
            QueuedDownload.priority,
            QueuedDownload.paused,
            QueuedDownload.failures,
            QueuedDownload.last_error,
            QueuedDownload.retry_at,
        )
        .join(Asset, Asset.sha256 == QueuedDownload.sha256)
        .outerjoin(Course, Course.id == QueuedDownload.course_id)
        .where(Asset.stored_at.is_(None))
        .order_by(QueuedDownload.priority.desc(), QueuedDownload.seq)
    )


def _drop_stored(session: Session) -> None:
    stored = select(Asset.sha256).where(Asset.stored_at.is_not(None))
    session.execute(delete(QueuedDownload).where(QueuedDownload.sha256.in_(stored)))


def done(session: Session, sha256: str) -> None:
    """The asset is stored: it leaves the queue."""
    session.execute(delete(QueuedDownload).where(QueuedDownload.sha256 == sha256))


def note_failure(session: Session, sha256: str, error: str, *, clock: Clock = utc_now) -> int:
    """An attempt failed in a way a later retry may fix; the asset waits a while (longer after
    each failure) and the others go first. Returns the failures so far."""
    row = session.get(QueuedDownload, sha256)
    if row is None:
        return 0
    row.failures += 1
    row.last_error = error
    delay = RETRY_DELAYS[min(row.failures, len(RETRY_DELAYS)) - 1]
    row.retry_at = naive_utc(clock()) + delay
    return row.failures


def retry_now(session: Session) -> None:
    """ "Try again" in the UI: assets waiting after a failure may go now."""
    session.execute(update(QueuedDownload).values(retry_at=None))


def pause_course(session: Session, course_id: str, paused: bool = True) -> None:
    """Pauses (or resumes) the course's queued assets."""
    session.execute(
        update(QueuedDownload).where(QueuedDownload.course_id == course_id).values(paused=paused)
    )


def paused_all(session: Session) -> bool:
    return settings.get(session, settings.DOWNLOADS_PAUSED)


def pause_all(session: Session, paused: bool = True) -> None:
    """The downloads screen's "Pause all" (or "Resume")."""
    settings.put(session, settings.DOWNLOADS_PAUSED, paused)


def cancel_course(session: Session, course_id: str) -> None:
    """The course is no longer wanted: its assets leave the queue.

    Their partial files stay on disk for a while, so the course is cheap to resume if it is
    asked for again; once none of a partial's files was touched for
    :data:`app.sync.partial_sweep.ORPHAN_AFTER` (two weeks), the download runner's sweep at
    its next start removes them (at once if the asset arrived another way meanwhile).
    """
    session.execute(delete(QueuedDownload).where(QueuedDownload.course_id == course_id))
    session.execute(update(Course).where(Course.id == course_id).values(download_requested_at=None))


@dataclass(frozen=True)
class QueueTotals:
    """How much is queued: assets and bytes (``have``: of them, bytes already on disk)."""

    assets: int
    size: int
    paused: int


def totals(session: Session) -> QueueTotals:
    count, size, paused = session.execute(
        select(
            func.count(QueuedDownload.sha256),
            func.coalesce(func.sum(Asset.size), 0),
            func.coalesce(func.sum(func.cast(QueuedDownload.paused, type_=Asset.size.type)), 0),
        )
        .join(Asset, Asset.sha256 == QueuedDownload.sha256)
        .where(Asset.stored_at.is_(None))
    ).one()
    return QueueTotals(int(count), int(size), int(paused))
