"""Teacher profiles on a shared PC: the PIN is never stored, wrong PINs are counted across restarts,
and five of them lock the profile for a while."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from storage_helpers import FakeClock, make_teacher

from app.storage import profiles
from app.storage.db import Database, open_database
from app.storage.errors import ProfileError, ProfileLockedError, WrongPinError
from app.storage.models import Profile
from app.storage.profiles import LOCK_TIME, MAX_ATTEMPTS, PIN_MAX, PIN_MIN, Teacher, unlock

PIN = "730519"
WRONG = "111111"


def _wrong(db: Database, teacher: Teacher, clock: FakeClock) -> WrongPinError:
    with pytest.raises(WrongPinError) as raised:
        unlock(db, teacher.id, WRONG, clock=clock)
    return raised.value


def _lock(db: Database, teacher: Teacher, clock: FakeClock) -> ProfileLockedError:
    for _ in range(MAX_ATTEMPTS - 1):
        _wrong(db, teacher, clock)
    with pytest.raises(ProfileLockedError) as raised:
        unlock(db, teacher.id, WRONG, clock=clock)
    return raised.value


def test_a_new_profile_is_listed_without_secrets(db: Database) -> None:
    teacher = make_teacher(db, name="  李老师 ", pin=PIN)
    assert teacher.name == "李老师"
    with db.read_session() as session:
        [summary] = profiles.list_profiles(session)
    assert summary == profiles.ProfileSummary(
        id=teacher.id,
        name="李老师",
        school="石桥镇中心小学",
        gender="female",
        age_band="30to39",
        subject="数学",
    )
    assert not {"pin", "pin_hash", "pin_salt"} & set(vars(summary))


def test_profiles_are_listed_by_name(db: Database) -> None:
    for name in ("张老师", "李老师", "Anna"):
        make_teacher(db, name=name)
    with db.read_session() as session:
        names = [p.name for p in profiles.list_profiles(session)]
    assert names == sorted(names)
    assert len(names) == 3


def test_the_pin_is_stored_only_as_a_salted_scrypt_hash(db: Database, db_path: Path) -> None:
    first = make_teacher(db, name="王老师", pin=PIN)
    second = make_teacher(db, name="赵老师", pin=PIN)
    with db.read_session() as session:
        rows = {p.id: p for p in session.scalars(select(Profile))}
    assert rows[first.id].pin_params.startswith("scrypt:")
    assert len(rows[first.id].pin_hash) == 32
    # Same PIN, different salt, different hash: one leaked hash says nothing about another.
    assert rows[first.id].pin_salt != rows[second.id].pin_salt
    assert rows[first.id].pin_hash != rows[second.id].pin_hash
    db.close()

    written = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.is_file())
    assert written  # the database and whatever journal is left
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        assert PIN.encode(encoding) not in written


def test_the_right_pin_opens_the_profile(db: Database, clock: FakeClock) -> None:
    teacher = make_teacher(db, pin=PIN)
    assert unlock(db, teacher.id, PIN, clock=clock) == teacher


def test_a_password_in_chinese_works(db: Database) -> None:
    teacher = make_teacher(db, pin="灯火研修2026")
    assert unlock(db, teacher.id, "灯火研修2026") == teacher
    with pytest.raises(WrongPinError):
        unlock(db, teacher.id, "灯火研修2025")


def test_a_wrong_pin_says_how_many_attempts_are_left(db: Database, clock: FakeClock) -> None:
    teacher = make_teacher(db, pin=PIN)
    assert [_wrong(db, teacher, clock).attempts_left for _ in range(3)] == [4, 3, 2]


def test_wrong_pins_are_counted_across_restarts(db_path: Path, clock: FakeClock) -> None:
    db = open_database(db_path)
    teacher = make_teacher(db, pin=PIN)
    assert _wrong(db, teacher, clock).attempts_left == MAX_ATTEMPTS - 1
    db.close()

    # Closing Lamplight (or pulling the plug) does not give the guesser fresh attempts.
    db = open_database(db_path)
    try:
        with db.read_session() as session:
            profile = session.get(Profile, teacher.id)
            assert profile is not None
            assert profile.failed_attempts == 1
        assert _wrong(db, teacher, clock).attempts_left == MAX_ATTEMPTS - 2
    finally:
        db.close()


def test_the_right_pin_clears_the_count(db: Database, clock: FakeClock) -> None:
    teacher = make_teacher(db, pin=PIN)
    _wrong(db, teacher, clock)
    _wrong(db, teacher, clock)
    unlock(db, teacher.id, PIN, clock=clock)
    assert _wrong(db, teacher, clock).attempts_left == MAX_ATTEMPTS - 1


def test_five_wrong_pins_lock_the_profile_even_for_the_right_pin(
    db: Database, clock: FakeClock
) -> None:
    teacher = make_teacher(db, pin=PIN)
    locked = _lock(db, teacher, clock)
    assert locked.until == clock.now + LOCK_TIME

    with pytest.raises(ProfileLockedError):
        unlock(db, teacher.id, PIN, clock=clock)
    clock.advance(seconds=LOCK_TIME.total_seconds() - 1)
    with pytest.raises(ProfileLockedError) as still:
        unlock(db, teacher.id, PIN, clock=clock)
    assert still.value.until == locked.until  # trying again does not extend the lock

    clock.advance(seconds=2)
    assert unlock(db, teacher.id, PIN, clock=clock) == teacher


def test_the_lock_survives_a_restart(db_path: Path, clock: FakeClock) -> None:
    db = open_database(db_path)
    teacher = make_teacher(db, pin=PIN)
    _lock(db, teacher, clock)
    db.close()

    db = open_database(db_path)
    try:
        with pytest.raises(ProfileLockedError):
            unlock(db, teacher.id, PIN, clock=clock)
    finally:
        db.close()


def test_after_the_lock_the_teacher_gets_five_attempts_again(
    db: Database, clock: FakeClock
) -> None:
    teacher = make_teacher(db, pin=PIN)
    _lock(db, teacher, clock)
    clock.advance(seconds=LOCK_TIME.total_seconds() + 1)
    assert _wrong(db, teacher, clock).attempts_left == MAX_ATTEMPTS - 1


def test_one_profiles_pin_does_not_open_another(db: Database, clock: FakeClock) -> None:
    wang = make_teacher(db, name="王老师", pin="2468")
    li = make_teacher(db, name="李老师", pin="1357")
    with pytest.raises(WrongPinError):
        unlock(db, li.id, "2468", clock=clock)
    assert unlock(db, li.id, "1357", clock=clock) == li
    assert unlock(db, wang.id, "2468", clock=clock) == wang


def test_locking_one_profile_leaves_the_others_open(db: Database, clock: FakeClock) -> None:
    wang = make_teacher(db, name="王老师", pin="2468")
    li = make_teacher(db, name="李老师", pin="1357")
    _lock(db, wang, clock)
    assert unlock(db, li.id, "1357", clock=clock) == li


def test_an_unknown_profile_is_an_error_but_not_a_wrong_pin(db: Database) -> None:
    with pytest.raises(ProfileError) as raised:
        unlock(db, "00000000-0000-4000-8000-000000000000", PIN)
    assert not isinstance(raised.value, WrongPinError | ProfileLockedError)


@pytest.mark.parametrize("pin", ["1" * PIN_MIN, "1" * PIN_MAX, "abcd", "灯火研修"])
def test_pins_of_allowed_length_pass_the_rules(pin: str) -> None:
    profiles.check_pin_rules(pin)


@pytest.mark.parametrize("pin", ["", "123", "1" * (PIN_MAX + 1)])
def test_pins_too_short_or_too_long_are_refused(pin: str) -> None:
    with pytest.raises(ProfileError, match=f"{PIN_MIN} to {PIN_MAX}"):
        profiles.check_pin_rules(pin)


def test_a_profile_with_a_short_pin_is_not_created(db: Database) -> None:
    with pytest.raises(ProfileError):
        make_teacher(db, pin="123")
    with db.read_session() as session:
        assert profiles.list_profiles(session) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "   "), ("gender", "other"), ("age_band", "60plus")],
)
def test_a_profile_needs_a_name_and_known_choices(db: Database, field: str, value: str) -> None:
    details = {
        "name": "王老师",
        "school": "石桥镇中心小学",
        "gender": "male",
        "age_band": "50plus",
        "subject": "语文",
        "pin": PIN,
    } | {field: value}
    with pytest.raises(ProfileError), db.write() as session:
        profiles.create_profile(session, **details)
    with db.read_session() as session:
        assert profiles.list_profiles(session) == []
