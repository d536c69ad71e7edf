"""Teacher profiles on a shared PC, each opened with its own PIN.

The PIN (or password) is hashed with ``hashlib.scrypt`` and a random salt; only the hash is
stored. Five wrong PINs in a row lock the profile for a minute, so a PIN cannot be guessed by
trying them all at the school PC.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.storage.clock import Clock, utc_now
from app.storage.db import Database
from app.storage.errors import ProfileError, ProfileLockedError, WrongPinError
from app.storage.ids import new_id
from app.storage.models import AGE_BANDS, GENDERS, Profile, ProgressEvent, TeacherSync
from wire.sync import PROFILE_CREATED, PROFILE_UPDATED, TeacherProfile, pin_verifier

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PIN_MIN, PIN_MAX = 4, 64
MAX_ATTEMPTS = 5
LOCK_TIME = timedelta(minutes=1)


@dataclass(frozen=True)
class ProfileSummary:
    """What the profile picker shows: no secrets."""

    id: str
    name: str
    school: str
    gender: str
    age_band: str
    subject: str


@dataclass(frozen=True)
class Teacher:
    """An opened profile. Only :func:`unlock` and :func:`create_profile` make one."""

    id: str
    name: str
    school: str


def _hash_pin(pin: str, salt: bytes, params: str) -> bytes:
    values = dict(part.split("=") for part in params.split(":", 1)[1].split(","))
    return hashlib.scrypt(
        pin.encode("utf-8"),
        salt=salt,
        n=int(values["n"]),
        r=int(values["r"]),
        p=int(values["p"]),
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )


def check_pin_rules(pin: str) -> None:
    """Raises ProfileError when a new PIN is too short or too long."""
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise ProfileError(f"the PIN must have {PIN_MIN} to {PIN_MAX} characters")


def create_profile(
    session: Session,
    *,
    name: str,
    school: str,
    gender: str,
    age_band: str,
    subject: str,
    pin: str,
    clock: Clock = utc_now,
) -> Teacher:
    """Adds a profile (in the caller's write transaction) and returns it opened."""
    name = name.strip()
    if not name:
        raise ProfileError("a profile needs a name")
    if gender not in GENDERS:
        raise ProfileError(f"unknown gender {gender!r}")
    if age_band not in AGE_BANDS:
        raise ProfileError(f"unknown age band {age_band!r}")
    check_pin_rules(pin)
    params = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"
    salt = os.urandom(16)
    profile = Profile(
        id=new_id(),
        name=name,
        school=school.strip(),
        gender=gender,
        age_band=age_band,
        subject=subject.strip(),
        pin_hash=_hash_pin(pin, salt, params),
        pin_salt=salt,
        pin_params=params,
        created_at=clock(),
        failed_attempts=0,
    )
    session.add(profile)
    session.flush()
    # The server learns of the teacher through this record (the PIN itself stays here).
    fields = {
        "name": profile.name,
        "school": profile.school,
        "gender": gender,
        "age_band": age_band,
        "subject": profile.subject,
        "pin_verifier": pin_verifier(profile.id, pin),
    }
    session.add(
        ProgressEvent(
            id=new_id(),
            profile_id=profile.id,
            item_id="",
            kind=PROFILE_CREATED,
            payload=json.dumps(fields, ensure_ascii=False, separators=(",", ":")),
            wall_time=profile.created_at,
            origin="local",
        )
    )
    session.add(TeacherSync(profile_id=profile.id, linked=False, pull_cursor=0, profile_seq=0))
    session.flush()
    return Teacher(id=profile.id, name=profile.name, school=profile.school)


EDITABLE_FIELDS = ("name", "school", "gender", "age_band", "subject")


def update_profile(
    session: Session,
    teacher: Teacher,
    *,
    new_pin: str | None = None,
    clock: Clock = utc_now,
    **fields: str,
) -> Teacher:
    """Changes profile fields (and the PIN) here and queues them for the server, in the
    caller's write transaction. Only what changed is recorded; on the server the last change
    it receives wins (by its sequence, not by this PC's clock).

    Raises:
        ProfileError: an unknown field, a bad value, or a PIN breaking the rules.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ProfileError(f"not a profile field: {sorted(unknown)[0]}")
    profile = session.get(Profile, teacher.id)
    if profile is None:
        raise ProfileError("this profile no longer exists")
    changed: dict[str, str] = {}
    for key, value in fields.items():
        value = value.strip()
        if key == "name" and not value:
            raise ProfileError("a profile needs a name")
        if key == "gender" and value not in GENDERS:
            raise ProfileError(f"unknown gender {value!r}")
        if key == "age_band" and value not in AGE_BANDS:
            raise ProfileError(f"unknown age band {value!r}")
        if getattr(profile, key) != value:
            setattr(profile, key, value)
            changed[key] = value
    if new_pin is not None:
        check_pin_rules(new_pin)
        profile.pin_salt = os.urandom(16)
        profile.pin_params = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"
        profile.pin_hash = _hash_pin(new_pin, profile.pin_salt, profile.pin_params)
        changed["pin_verifier"] = pin_verifier(profile.id, new_pin)
    if changed:
        session.add(
            ProgressEvent(
                id=new_id(),
                profile_id=profile.id,
                item_id="",
                kind=PROFILE_UPDATED,
                payload=json.dumps(changed, ensure_ascii=False, separators=(",", ":")),
                wall_time=clock(),
                origin="local",
            )
        )
    session.flush()
    return Teacher(id=profile.id, name=profile.name, school=profile.school)


def adopt_profile(
    session: Session, remote: TeacherProfile, pin: str, *, clock: Clock = utc_now
) -> Teacher:
    """Adds (or refreshes) a teacher the server confirmed with ``pin`` on this PC.

    The teacher already exists on the server, so no ``profile.created`` record is made; the
    PIN typed here becomes the local PIN. Pulling the teacher's records starts from the
    beginning.
    """
    check_pin_rules(pin)
    params = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"
    salt = os.urandom(16)
    profile = session.get(Profile, remote.id)
    if profile is None:
        profile = Profile(id=remote.id, created_at=clock(), failed_attempts=0)
        session.add(profile)
    profile.name = remote.name
    profile.school = remote.school
    profile.gender = remote.gender
    profile.age_band = remote.age_band
    profile.subject = remote.subject
    profile.pin_hash = _hash_pin(pin, salt, params)
    profile.pin_salt = salt
    profile.pin_params = params
    profile.locked_until = None
    profile.failed_attempts = 0
    state = session.get(TeacherSync, remote.id)
    if state is None:
        state = TeacherSync(profile_id=remote.id, pull_cursor=0)
        session.add(state)
    state.linked = True
    state.profile_seq = remote.seq
    session.flush()
    return Teacher(id=profile.id, name=profile.name, school=profile.school)


def list_profiles(session: Session) -> list[ProfileSummary]:
    rows = session.scalars(select(Profile).order_by(Profile.name, Profile.created_at))
    return [ProfileSummary(p.id, p.name, p.school, p.gender, p.age_band, p.subject) for p in rows]


def attempt_unlock(
    session: Session, profile_id: str, pin: str, *, clock: Clock = utc_now
) -> Teacher | ProfileError:
    """Checks ``pin`` and counts a wrong one; returns the error rather than raising it, so the
    caller's transaction commits the count (see :func:`unlock`)."""
    profile = session.get(Profile, profile_id)
    if profile is None:
        return ProfileError("this profile no longer exists")
    now = clock()
    if profile.locked_until is not None and profile.locked_until > now:
        return ProfileLockedError(profile.locked_until)
    candidate = _hash_pin(pin, profile.pin_salt, profile.pin_params)
    if hmac.compare_digest(candidate, profile.pin_hash):
        profile.failed_attempts = 0
        profile.locked_until = None
        return Teacher(id=profile.id, name=profile.name, school=profile.school)
    profile.failed_attempts += 1
    if profile.failed_attempts >= MAX_ATTEMPTS:
        profile.failed_attempts = 0
        profile.locked_until = now + LOCK_TIME
        return ProfileLockedError(profile.locked_until)
    return WrongPinError(MAX_ATTEMPTS - profile.failed_attempts)


def unlock(db: Database, profile_id: str, pin: str, *, clock: Clock = utc_now) -> Teacher:
    """Opens a profile if ``pin`` is its PIN.

    Raises:
        ProfileError: no such profile.
        ProfileLockedError: too many wrong PINs recently.
        WrongPinError: the PIN does not match (the attempt is counted).
    """
    with db.write() as session:
        outcome = attempt_unlock(session, profile_id, pin, clock=clock)
    if isinstance(outcome, ProfileError):
        raise outcome
    return outcome
