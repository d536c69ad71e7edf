"""The outbox and the inbox of a teacher's records.

Every record made here (``origin = "local"``) is pushed once: the server acknowledges batches in
local sequence order and the sync engine then moves ``PUSH_CURSOR`` past them, in one write. So
the outbox is "local records after the cursor" and nothing on the rows changes. Records made on
other PCs arrive by pull (``origin = "pulled"``) and are never pushed back.

Profile records of teachers the server does not know yet (``TeacherSync.linked`` false) are
pushed first, whatever their place in the log, so the server always learns of a teacher before
its progress (profiles made before revision 0003 got their ``profile.created`` after their
progress).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.models import Profile, ProgressEvent, SyncProblem, TeacherSync
from wire.sync import PROFILE_PREFIX, Record, Rejection, TeacherProfile


@dataclass(frozen=True)
class Outgoing:
    """A local record as the push sends it."""

    seq: int
    id: str
    teacher: str
    kind: str
    item: str
    at: datetime
    data: str

    def wire(self) -> dict[str, str]:
        """The JSON object of :class:`wire.sync.Record` (built without pydantic: it is hot)."""
        return {
            "id": self.id,
            "teacher": self.teacher,
            "kind": self.kind,
            "item": self.item,
            "at": self.at.isoformat(),
            "data": self.data,
        }


@dataclass(frozen=True)
class Problem:
    record_id: str
    code: str
    detail: str
    noted_at: datetime


_RECORD_TABLE: Table = ProgressEvent.__table__  # type: ignore[assignment]

_COLUMNS = (
    ProgressEvent.seq,
    ProgressEvent.id,
    ProgressEvent.profile_id,
    ProgressEvent.kind,
    ProgressEvent.item_id,
    ProgressEvent.wall_time,
    ProgressEvent.payload,
)


def pending(session: Session, after_seq: int, limit: int) -> list[Outgoing]:
    """Local records after ``after_seq``, oldest first."""
    rows = session.execute(
        select(*_COLUMNS)
        .where(ProgressEvent.seq > after_seq, ProgressEvent.origin == "local")
        .order_by(ProgressEvent.seq)
        .limit(limit)
    )
    return [Outgoing(*row) for row in rows]


def unlinked_profile_records(session: Session) -> list[Outgoing]:
    """The local profile records of teachers the server has not confirmed yet."""
    rows = session.execute(
        select(*_COLUMNS)
        .join(TeacherSync, TeacherSync.profile_id == ProgressEvent.profile_id)
        .where(
            TeacherSync.linked.is_(False),
            ProgressEvent.origin == "local",
            ProgressEvent.kind.startswith(PROFILE_PREFIX),
        )
        .order_by(ProgressEvent.seq)
    )
    return [Outgoing(*row) for row in rows]


def pending_count(session: Session, after_seq: int) -> int:
    """How many local records wait to be pushed."""
    count = session.scalar(
        select(func.count())
        .select_from(ProgressEvent)
        .where(ProgressEvent.seq > after_seq, ProgressEvent.origin == "local")
    )
    return int(count or 0)


def mark_linked(session: Session, teacher_ids: Iterable[str]) -> None:
    ids = list(teacher_ids)
    if ids:
        session.execute(
            update(TeacherSync).where(TeacherSync.profile_id.in_(ids)).values(linked=True)
        )


def mark_unlinked(session: Session, teacher_ids: Iterable[str]) -> None:
    ids = list(teacher_ids)
    if ids:
        session.execute(
            update(TeacherSync).where(TeacherSync.profile_id.in_(ids)).values(linked=False)
        )


def note_rejections(
    session: Session, rejections: Sequence[Rejection], *, clock: Clock = utc_now
) -> None:
    """Keeps what the server refused, to show it; the records themselves stay in the log."""
    now = clock()
    for rejection in rejections:
        problem = session.get(SyncProblem, rejection.id)
        if problem is None:
            session.add(
                SyncProblem(
                    record_id=rejection.id,
                    code=rejection.code,
                    detail=rejection.detail[:2000],
                    noted_at=now,
                )
            )
        else:
            problem.code, problem.detail, problem.noted_at = rejection.code, rejection.detail, now


def problems(session: Session) -> list[Problem]:
    rows = session.scalars(select(SyncProblem).order_by(SyncProblem.noted_at))
    return [Problem(p.record_id, p.code, p.detail, p.noted_at) for p in rows]


def problem_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SyncProblem)) or 0)


@dataclass(frozen=True)
class PullState:
    teacher: str
    cursor: int


def pull_cursors(session: Session) -> list[PullState]:
    """Every teacher on this PC the server knows lives here, with the cursor pulled to."""
    rows = session.execute(
        select(TeacherSync.profile_id, TeacherSync.pull_cursor)
        .where(TeacherSync.linked.is_(True))
        .order_by(TeacherSync.profile_id)
    )
    return [PullState(teacher, cursor) for teacher, cursor in rows]


def store_pulled(
    session: Session,
    teacher_id: str,
    records: Sequence[Record],
    cursor: int,
    profile: TeacherProfile | None,
    *,
    push_cursor: int,
) -> int:
    """Stores one teacher's page of records from other PCs and its cursor (the caller's
    transaction holds both). Returns how many records were new here."""
    rows = [
        {
            "id": r.id,
            "profile_id": teacher_id,
            "item_id": r.item,
            "kind": r.kind,
            "payload": r.data,
            "wall_time": naive_utc(r.at),
            "origin": "pulled",
        }
        for r in records
        if r.teacher == teacher_id and not r.kind.startswith(PROFILE_PREFIX)
    ]
    new = 0
    if rows:
        # Core on the session's connection: its executemany reports the rows really inserted.
        result = session.connection().execute(insert(_RECORD_TABLE).prefix_with("OR IGNORE"), rows)
        new = max(0, result.rowcount)
    values: dict[str, object] = {"pull_cursor": cursor}
    if profile is not None and _apply_profile(session, profile, push_cursor):
        values["profile_seq"] = profile.seq
    session.execute(
        update(TeacherSync).where(TeacherSync.profile_id == teacher_id).values(**values)
    )
    return new


def _apply_profile(session: Session, remote: TeacherProfile, push_cursor: int) -> bool:
    """Takes the server's profile fields unless this PC has profile changes not pushed yet
    (they reach the server later and then win, by server sequence)."""
    waiting = session.scalar(
        select(func.count())
        .select_from(ProgressEvent)
        .where(
            ProgressEvent.profile_id == remote.id,
            ProgressEvent.origin == "local",
            ProgressEvent.seq > push_cursor,
            ProgressEvent.kind.startswith(PROFILE_PREFIX),
        )
    )
    if waiting:
        return False
    profile = session.get(Profile, remote.id)
    if profile is None:
        return False
    profile.name = remote.name
    profile.school = remote.school
    profile.gender = remote.gender
    profile.age_band = remote.age_band
    profile.subject = remote.subject
    return True
