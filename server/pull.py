"""``POST /api/v1/sync/pull``: a teacher's records from other devices, after a cursor.

For each teacher, the teacher's highest ``record.seq`` is read *first*, then the rows in
``(cursor, max]``: every record of that teacher up to ``max`` was committed before ``max`` was
visible (records of one teacher are committed in seq order, see :func:`server.db.lock_teachers`),
so a cursor moved to ``max`` never skips one committed late. Records this device pushed and
``profile.*`` records are left out, and the cursor jumps past them; the teacher's current
profile comes along when ``teacher.profile_seq`` is past the cursor. The limit is shared by all
teachers of the request, in the order they were asked for.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import ApiError
from server.models import DeviceTeacher, StoredRecord, Teacher
from server.push import ID_CHUNK
from wire.sync import (
    INVALID,
    PROFILE_PREFIX,
    TEACHER_NOT_ON_DEVICE,
    PullRequest,
    PullResult,
    Record,
    TeacherChanges,
    TeacherProfile,
)


def pull(session: Session, device_id: str, request: PullRequest, now: datetime) -> PullResult:
    """The changes for the teachers in ``request`` (see the module docstring).

    Args:
        session: a session with no transaction in progress; only reads.
        device_id: the asking device.
        request: the device's cursors and the limit for the whole answer.
        now: the server's clock, for ``server_time``.

    Raises:
        ApiError: 403 ``teacher_not_on_device`` for a teacher this device neither created nor
            claimed; 422 ``invalid`` for a negative cursor.
    """
    negative = [teacher for teacher, cursor in request.cursors.items() if cursor < 0]
    if negative:
        raise ApiError(422, INVALID, f"cursors.{negative[0]}: must be 0 or more")
    teacher_ids = list(request.cursors)
    with session.begin():
        profiles = _profiles(session, device_id, teacher_ids)
        missing = [teacher for teacher in teacher_ids if teacher not in profiles]
        if missing:
            raise ApiError(
                403,
                TEACHER_NOT_ON_DEVICE,
                f"teacher {missing[0]} does not live on this device; claim the teacher first",
            )
        budget = request.limit
        changes: list[TeacherChanges] = []
        for teacher_id in teacher_ids:
            since = request.cursors[teacher_id]
            page = _teacher_page(session, device_id, teacher_id, since, budget)
            budget -= len(page.records)
            profile = profiles[teacher_id]
            if profile.seq > since:
                page = page.model_copy(update={"profile": profile})
            changes.append(page)
    return PullResult(teachers=changes, server_time=now)


def _teacher_page(
    session: Session, device_id: str, teacher_id: str, since: int, budget: int
) -> TeacherChanges:
    top = session.scalar(
        select(func.max(StoredRecord.seq)).where(StoredRecord.teacher_id == teacher_id)
    )
    if top is None or top <= since:
        return TeacherChanges(teacher=teacher_id, records=[], cursor=since, has_more=False)
    rows = session.execute(
        select(
            StoredRecord.seq,
            StoredRecord.id,
            StoredRecord.kind,
            StoredRecord.item,
            StoredRecord.at,
            StoredRecord.data,
        )
        .where(
            StoredRecord.teacher_id == teacher_id,
            StoredRecord.seq > since,
            StoredRecord.seq <= top,
            StoredRecord.device_id != device_id,
            ~StoredRecord.kind.startswith(PROFILE_PREFIX),
        )
        .order_by(StoredRecord.seq)
        .limit(budget + 1)
    ).all()
    has_more = len(rows) > budget
    # With more to come, the cursor stops just before the first record left out: everything
    # before it was either sent or is this device's own.
    cursor = rows[budget].seq - 1 if has_more else top
    records = [
        Record.model_construct(
            id=record_id,
            teacher=teacher_id,
            kind=kind,
            item=item,
            at=at.replace(tzinfo=None),  # naive UTC, as the device sent it
            data=data,
        )
        for _, record_id, kind, item, at, data in rows[:budget]
    ]
    return TeacherChanges(teacher=teacher_id, records=records, cursor=cursor, has_more=has_more)


def _profiles(
    session: Session, device_id: str, teacher_ids: list[str]
) -> dict[str, TeacherProfile]:
    """The current profiles of those of ``teacher_ids`` that live on the device."""
    found: dict[str, TeacherProfile] = {}
    unique = sorted(set(teacher_ids))
    for start in range(0, len(unique), ID_CHUNK):
        chunk = unique[start : start + ID_CHUNK]
        rows = session.execute(
            select(
                Teacher.id,
                Teacher.name,
                Teacher.school,
                Teacher.gender,
                Teacher.age_band,
                Teacher.subject,
                Teacher.profile_seq,
            )
            .join(DeviceTeacher, DeviceTeacher.teacher_id == Teacher.id)
            .where(DeviceTeacher.device_id == device_id, Teacher.id.in_(chunk))
        )
        for id_, name, school, gender, age_band, subject, seq in rows:
            found[id_] = TeacherProfile.model_validate(
                {
                    "id": id_,
                    "seq": seq,
                    "name": name,
                    "school": school,
                    "gender": gender,
                    "age_band": age_band,
                    "subject": subject,
                }
            )
    return found
