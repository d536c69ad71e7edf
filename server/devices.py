"""Schools, their enrollment codes, and the devices enrolled with them.

A school's enrollment code is 8 letters from :func:`wire.sync.enrollment_alphabet`, stored
normalized (:func:`wire.sync.normalize_enrollment_code`) and shown as ``XXXX-XXXX``. Enrolling
hands a device a random token; the server keeps only its sha256, so a stolen database does not
let anyone act as a device. Wrong codes are counted per client address
(:data:`server.ratelimit.ENROLL`).

For PCs that never reach the network, the county issues devices ahead of time
(:func:`issue`), whose credentials travel on a stick (:mod:`wire.stick_enroll`). Such a device
has not been seen yet: its ``last_seen`` is :data:`NEVER_SEEN`, earlier than any enrollment (the
column cannot be null), and the first request it makes writes the real time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from server import ratelimit
from server.db import begin_immediate
from server.errors import ApiError, NotFoundError
from server.models import BundleImport, Device, DeviceTeacher, School, ServerMeta
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
#: How many devices one ``issue`` may make.
ISSUE_MAX = 200
#: The name of issued devices when none is given; each gets a number after it.
ISSUED_NAME = "U盘登记"
ISSUED_NAME_MAX = 90  # Device.name holds 100: room for " 1234"
#: ``last_seen`` of an issued device no request has come from yet: before any enrollment.
NEVER_SEEN = datetime(1970, 1, 1, tzinfo=UTC)


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
    #: The last request from it; None: none yet (issued for a stick, see :func:`issue`).
    last_seen: datetime | None
    revoked_at: datetime | None
    #: When its last progress bundle was imported, if ever.
    last_bundle: datetime | None = None

    @property
    def never_heard_from(self) -> bool:
        """No request and no bundle came from it: an issued credential no PC used yet."""
        return self.last_seen is None and self.last_bundle is None


@dataclass(frozen=True)
class Issued:
    """A device :func:`issue` made; the only place its token exists in clear."""

    device_id: str
    name: str
    token: str


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
    """Every device ever enrolled or issued, oldest first."""
    bundles = (
        select(BundleImport.device_id, func.max(BundleImport.imported_at).label("last"))
        .group_by(BundleImport.device_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Device.id,
            Device.name,
            School.name,
            Device.enrolled_at,
            Device.last_seen,
            Device.revoked_at,
            bundles.c.last,
        )
        .join(School, School.id == Device.school_id)
        .outerjoin(bundles, bundles.c.device_id == Device.id)
        .order_by(Device.enrolled_at, Device.id)
    ).all()
    return [
        DeviceInfo(id_, name, school, enrolled, _seen(seen), revoked, _aware(last_bundle))
        for id_, name, school, enrolled, seen, revoked, last_bundle in rows
    ]


def _seen(last_seen: datetime) -> datetime | None:
    return None if last_seen <= NEVER_SEEN else last_seen


def _aware(moment: datetime | None) -> datetime | None:
    """``max()`` over a typed column comes back untyped: naive text on SQLite."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


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
            _seen(device.last_seen),
            device.revoked_at,
        )
    return info, newly


def find_school(session: Session, school: str) -> School:
    """The school named exactly ``school``; else, if it is a number, the school with that id
    (the id ``schools list`` shows).

    Raises:
        NotFoundError: no such school, or several schools have that name.
    """
    named = session.scalars(select(School).where(School.name == school.strip())).all()
    if len(named) > 1:
        ids = ", ".join(str(s.id) for s in named)
        raise NotFoundError(f'several schools are named "{school}" (ids {ids}): give the id')
    if named:
        return named[0]
    found = session.get(School, int(school)) if school.strip().isdigit() else None
    if found is None:
        raise NotFoundError(
            f'no school named "{school}"; the schools and their ids: '
            "`python -m server schools list --data-dir D`"
        )
    return found


def issue(session: Session, school: str, count: int, now: datetime, name: str = "") -> list[Issued]:
    """Makes ``count`` devices for ``school`` (a name or an id, see :func:`find_school`), each
    with a fresh token, for PCs that will enroll by stick; commits them in one transaction.

    They are named ``name`` (default :data:`ISSUED_NAME`) and a number, continuing after the
    highest number the school's devices of that name have. Until one is used, its ``last_seen``
    is :data:`NEVER_SEEN`.

    Returns:
        The devices with their tokens: the only time the tokens exist in clear.

    Raises:
        ValueError: ``count`` is not 1 to :data:`ISSUE_MAX`, or ``name`` is too long.
        NotFoundError: no such school (or the name is not unique).
    """
    if not 1 <= count <= ISSUE_MAX:
        raise ValueError(f"the count must be 1 to {ISSUE_MAX}, not {count}")
    base = name.strip() or ISSUED_NAME
    if len(base) > ISSUED_NAME_MAX:
        raise ValueError(f"a device name has at most {ISSUED_NAME_MAX} characters")
    issued = []
    with session.begin():
        begin_immediate(session)
        found = find_school(session, school)
        first = _last_number(session, found.id, base) + 1
        for number in range(first, first + count):
            token = secrets.token_urlsafe(TOKEN_BYTES)
            device = Device(
                id=str(uuid.uuid4()),
                school_id=found.id,
                name=f"{base} {number}",
                token_sha256=token_digest(token),
                enrolled_at=now,
                last_seen=NEVER_SEEN,
            )
            session.add(device)
            issued.append(Issued(device.id, device.name, token))
    return issued


def _last_number(session: Session, school_id: int, base: str) -> int:
    names = session.scalars(
        select(Device.name).where(Device.school_id == school_id, Device.name.startswith(base))
    )
    pattern = re.compile(re.escape(base) + r" (\d{1,9})")
    numbers = [int(m.group(1)) for n in names if (m := pattern.fullmatch(n))]
    return max(numbers, default=0)


def withdraw_issued(session: Session, device_ids: Sequence[str]) -> int:
    """Deletes devices :func:`issue` just made whose credential never left the server (it
    could not be written to the stick), so nothing is left that no PC can hold. Commits.

    Only devices never used are deleted (no request, no bundle, no teacher): a device in use is
    left alone, as it could not have been one of those.

    Returns:
        How many were deleted.
    """
    if not device_ids:
        return 0
    with session.begin():
        begin_immediate(session)
        used = select(BundleImport.device_id).where(BundleImport.device_id.in_(device_ids))
        gone = session.execute(
            delete(Device)
            .where(
                Device.id.in_(device_ids),
                Device.last_seen == NEVER_SEEN,
                Device.id.not_in(used),
                Device.id.not_in(select(DeviceTeacher.device_id)),
            )
            .returning(Device.id)
        )
        return len(gone.all())


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
