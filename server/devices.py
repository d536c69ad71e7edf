"""Schools, their enrollment codes, and the devices enrolled with them.

A school's enrollment code is 8 letters from :func:`wire.sync.enrollment_alphabet`, stored
normalized (:func:`wire.sync.normalize_enrollment_code`) and shown as ``XXXX-XXXX``. Enrolling
hands a device a random token; the server keeps only its sha256, so a stolen database does not
let anyone act as a device. Wrong codes are counted per client address
(:data:`server.ratelimit.ENROLL`).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server import ratelimit
from server.db import begin_immediate
from server.errors import ApiError, NotFoundError
from server.models import Device, School, ServerMeta
from wire.sync import (
    ENROLLMENT_CODE_WRONG,
    TOO_MANY_ATTEMPTS,
    Enrollment,
    enrollment_alphabet,
    normalize_enrollment_code,
)

CODE_LENGTH = 8
TOKEN_BYTES = 32
SCHOOL_NAME_MAX = 200


@dataclass(frozen=True)
class SchoolInfo:
    id: int
    name: str
    code: str  # normalized
    devices: int = 0

    @property
    def shown_code(self) -> str:
        return format_code(self.code)


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    school: str
    enrolled_at: datetime
    last_seen: datetime
    revoked_at: datetime | None


def new_code() -> str:
    """A random enrollment code, normalized (8 letters, about 40 bits)."""
    alphabet = enrollment_alphabet()
    return "".join(secrets.choice(alphabet) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``AB3DEF7H`` -> ``AB3D-EF7H``, as people read and type it."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def token_digest(token: str) -> str:
    """What the server stores and looks a device up by: sha256 of its token, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def server_id(session: Session) -> str:
    """The id made when this server's database was created (revision 0002)."""
    return session.scalars(select(ServerMeta.server_id).where(ServerMeta.id == 1)).one()


def add_school(session: Session, name: str, now: datetime) -> SchoolInfo:
    """Adds a school with a fresh enrollment code; commits.

    Raises:
        ValueError: the name is blank or longer than 200 characters.
    """
    name = name.strip()
    if not name or len(name) > SCHOOL_NAME_MAX:
        raise ValueError(f"a school name needs 1 to {SCHOOL_NAME_MAX} characters")
    with session.begin():
        begin_immediate(session)
        school = School(name=name, enrollment_code=_unused_code(session), created=now)
        session.add(school)
        session.flush()
        return SchoolInfo(school.id, school.name, school.enrollment_code)


def replace_code(session: Session, school_id: int) -> SchoolInfo:
    """Gives the school a new enrollment code; the old one stops working. Commits.

    Devices already enrolled keep working.

    Raises:
        NotFoundError: no such school.
    """
    with session.begin():
        begin_immediate(session)
        school = session.get(School, school_id)
        if school is None:
            raise NotFoundError(f"no school with id {school_id}")
        school.enrollment_code = _unused_code(session)
        return SchoolInfo(school.id, school.name, school.enrollment_code)


def list_schools(session: Session) -> list[SchoolInfo]:
    """Every school with its code and number of enrolled (not revoked) devices, by id."""
    devices = (
        select(Device.school_id, func.count().label("n"))
        .where(Device.revoked_at.is_(None))
        .group_by(Device.school_id)
        .subquery()
    )
    rows = session.execute(
        select(School.id, School.name, School.enrollment_code, devices.c.n)
        .outerjoin(devices, devices.c.school_id == School.id)
        .order_by(School.id)
    ).all()
    return [SchoolInfo(id_, name, code, n or 0) for id_, name, code, n in rows]


def list_devices(session: Session) -> list[DeviceInfo]:
    """Every device ever enrolled, oldest first."""
    rows = session.execute(
        select(
            Device.id,
            Device.name,
            School.name,
            Device.enrolled_at,
            Device.last_seen,
            Device.revoked_at,
        )
        .join(School, School.id == Device.school_id)
        .order_by(Device.enrolled_at, Device.id)
    ).all()
    return [DeviceInfo(*row) for row in rows]


def revoke_device(session: Session, device_id: str, now: datetime) -> tuple[DeviceInfo, bool]:
    """Revokes a device: its token is refused from now on (403 ``device_revoked``). Commits.

    Returns:
        The device, and whether it was revoked just now (False: it already was).

    Raises:
        NotFoundError: no such device.
    """
    with session.begin():
        begin_immediate(session)
        device = session.get(Device, device_id)
        if device is None:
            raise NotFoundError(f"no device with id {device_id}")
        newly = device.revoked_at is None
        if newly:
            device.revoked_at = now
        school = session.get(School, device.school_id)
        assert school is not None  # a foreign key
        info = DeviceInfo(
            device.id,
            device.name,
            school.name,
            device.enrolled_at,
            device.last_seen,
            device.revoked_at,
        )
    return info, newly


def enroll(
    session: Session, code: str, device_name: str, address: str, now: datetime
) -> Enrollment:
    """Enrolls a device with a school's enrollment code; commits before answering.

    Raises:
        ApiError: 403 ``enrollment_code_wrong``; 429 ``too_many_attempts`` once the address
            made too many wrong attempts (see :data:`server.ratelimit.ENROLL`).
    """
    key = ratelimit.enroll_key(address)
    outcome: Enrollment | ApiError
    with session.begin():
        begin_immediate(session)
        wait = ratelimit.retry_after(session, key, now)
        school = session.execute(
            select(School.id, School.name).where(
                School.enrollment_code == normalize_enrollment_code(code)
            )
        ).first()
        if wait is not None:
            outcome = ApiError(
                429,
                TOO_MANY_ATTEMPTS,
                "too many wrong enrollment codes from this address; try again later",
                retry_after=wait,
            )
        elif school is None:
            outcome = ApiError(
                403,
                ENROLLMENT_CODE_WRONG,
                "this is not the enrollment code of a school on this server",
                attempts_left=ratelimit.failed(session, key, ratelimit.ENROLL, now),
            )
        else:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            device = Device(
                id=str(uuid.uuid4()),
                school_id=school.id,
                name=device_name.strip() or "PC",
                token_sha256=token_digest(token),
                enrolled_at=now,
                last_seen=now,
            )
            session.add(device)
            outcome = Enrollment(
                device_id=device.id, token=token, school=school.name, server_id=server_id(session)
            )
    if isinstance(outcome, ApiError):
        raise outcome  # after the commit, so the failure is counted
    return outcome


def touch(session: Session, device_id: str, now: datetime) -> None:
    """Sets ``last_seen``; commits. Callers do it at most once a minute per device."""
    with session.begin():
        begin_immediate(session)
        session.execute(update(Device).where(Device.id == device_id).values(last_seen=now))


def _unused_code(session: Session) -> str:
    while True:
        code = new_code()
        taken = session.scalar(select(School.id).where(School.enrollment_code == code))
        if taken is None:
            return code
