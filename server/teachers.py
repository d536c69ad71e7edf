"""Finding a teacher by name, and claiming one for a new PC with the teacher's PIN verifier.

Claims are rate-limited on the server clock (:mod:`server.ratelimit`): five wrong PINs for a
teacher lock that teacher's claims, twenty from a device lock that device's claims. A locked
teacher or device is refused even with the right PIN, so guessing gains nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import ratelimit
from server.db import begin_immediate
from server.errors import ApiError
from server.models import DeviceTeacher, Teacher
from server.pins import PinHash, verifier_matches
from wire.sync import (
    PIN_WRONG,
    TEACHER_UNKNOWN,
    TEACHERS_SEARCH_MAX,
    TOO_MANY_ATTEMPTS,
    TeacherProfile,
    TeacherSummary,
)


def find(session: Session, name: str) -> list[TeacherSummary]:
    """Teachers whose name contains ``name`` (case-insensitive), at most 20, by name."""
    rows = session.execute(
        select(Teacher.id, Teacher.name, Teacher.school)
        .where(Teacher.name.icontains(name, autoescape=True))
        .order_by(Teacher.name, Teacher.id)
        .limit(TEACHERS_SEARCH_MAX)
    ).all()
    return [TeacherSummary(id=id_, name=n, school=school) for id_, n, school in rows]


def claim(
    session: Session, device_id: str, teacher_id: str, verifier: str, now: datetime
) -> TeacherProfile:
    """Links the teacher to the device if ``verifier`` is the teacher's; commits.

    Raises:
        ApiError: 404 ``teacher_unknown``; 403 ``pin_wrong`` with ``attempts_left``; 429
            ``too_many_attempts`` with ``retry_after`` while the teacher or device is locked.
    """
    outcome: TeacherProfile | ApiError
    device_key, teacher_key = ratelimit.device_key(device_id), ratelimit.teacher_key(teacher_id)
    with session.begin():
        begin_immediate(session)
        teacher = session.get(Teacher, teacher_id)
        wait = ratelimit.retry_after(session, device_key, now)
        if wait is not None:
            outcome = _locked("too many wrong PINs from this device", wait)
        elif teacher is None:
            outcome = ApiError(404, TEACHER_UNKNOWN, f"no teacher {teacher_id} on this server")
        elif (wait := ratelimit.retry_after(session, teacher_key, now)) is not None:
            outcome = _locked("too many wrong PINs for this teacher", wait)
        elif not verifier_matches(
            verifier, PinHash(teacher.pin_hash, teacher.pin_salt, teacher.pin_params)
        ):
            teacher_left = ratelimit.failed(session, teacher_key, ratelimit.CLAIM_TEACHER, now)
            device_left = ratelimit.failed(session, device_key, ratelimit.CLAIM_DEVICE, now)
            outcome = ApiError(
                403,
                PIN_WRONG,
                "the PIN is not this teacher's",
                attempts_left=min(teacher_left, device_left),
            )
        else:
            ratelimit.forget(session, teacher_key)
            if session.get(DeviceTeacher, (device_id, teacher_id)) is None:
                session.add(
                    DeviceTeacher(device_id=device_id, teacher_id=teacher_id, how="claimed", at=now)
                )
            outcome = profile_of(teacher)
    if isinstance(outcome, ApiError):
        raise outcome  # after the commit, so a wrong PIN is counted
    return outcome


def profile_of(teacher: Teacher) -> TeacherProfile:
    """The teacher row as the wire shows it."""
    return TeacherProfile.model_validate(
        {
            "id": teacher.id,
            "seq": teacher.profile_seq,
            "name": teacher.name,
            "school": teacher.school,
            "gender": teacher.gender,
            "age_band": teacher.age_band,
            "subject": teacher.subject,
        }
    )


def _locked(why: str, wait: int) -> ApiError:
    return ApiError(429, TOO_MANY_ATTEMPTS, f"{why}; try again in {wait} seconds", retry_after=wait)
