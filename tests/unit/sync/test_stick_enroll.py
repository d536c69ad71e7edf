"""Enrolling a PC from a USB stick: one credential taken (off the stick first, then kept),
never over a working one, never from a stick that cannot be written, never another county's."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.storage import profiles, settings
from app.storage.db import Database
from app.storage.models import TeacherSync
from app.sync.devices import device_state
from app.sync.stick_enroll import (
    AlreadyEnrolledError,
    NoCredentialError,
    SeveralSchoolsError,
    StickNotWritableError,
    offer,
    take_credential,
)
from wire.stick_enroll import EnrollProblem, StickCredential, find_credentials, write_credential

SCHOOL = "石桥镇中心小学"


def credential(
    county: str = "demo", school: str = SCHOOL, server_id: str = "server-1"
) -> StickCredential:
    return StickCredential(
        county=county,
        server_id=server_id,
        device_id=str(uuid.uuid4()),
        token=uuid.uuid4().hex + uuid.uuid4().hex,
        school=school,
        issued=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
    )


def stored(db: Database) -> tuple[str, str, str, str]:
    with db.read_session() as session:
        return (
            settings.get(session, settings.DEVICE_ID),
            settings.get(session, settings.DEVICE_TOKEN),
            settings.get(session, settings.DEVICE_SCHOOL),
            settings.get(session, settings.SERVER_ID),
        )


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


def test_a_pc_takes_one_of_two_and_its_file_is_gone_from_the_stick(
    db: Database, stick: Path
) -> None:
    issued = sorted([credential(), credential()], key=lambda c: c.device_id)
    for one in issued:
        write_credential(stick / "lamplight", one)

    state = take_credential(db, stick, "demo")

    first, second = issued
    assert state.enrolled and state.device_id == first.device_id and state.school == SCHOOL
    assert stored(db) == (first.device_id, first.token, SCHOOL, "server-1")
    assert not (stick / "lamplight" / "enroll" / f"{first.device_id}.json").exists()
    left, _ = find_credentials(stick, "demo")
    assert [c.device_id for _, c in left] == [second.device_id]  # for the next PC


def test_an_enrolled_pc_refuses_and_leaves_the_stick_untouched(db: Database, stick: Path) -> None:
    write_credential(stick, mine := credential())
    take_credential(db, stick, "demo")
    write_credential(stick, other := credential())
    before = stored(db)

    with pytest.raises(AlreadyEnrolledError) as refused:
        take_credential(db, stick, "demo")

    assert refused.value.school == SCHOOL
    assert stored(db) == before and before[0] == mine.device_id
    assert (stick / "enroll" / f"{other.device_id}.json").exists()
    assert offer(db, stick, "demo").enrolled


def test_another_countys_credential_is_not_taken(db: Database, stick: Path) -> None:
    write_credential(stick, foreign := credential(county="other"))

    with pytest.raises(NoCredentialError) as none:
        take_credential(db, stick, "demo")

    assert [p.problem for p in none.value.problems] == [EnrollProblem.OTHER_COUNTY]
    assert not device_state(db).enrolled
    assert (stick / "enroll" / f"{foreign.device_id}.json").exists()
    shown = offer(db, stick, "demo")
    assert (shown.enrolled, shown.schools, len(shown.problems)) == (False, [], 1)


def test_an_empty_stick_says_there_is_none(db: Database, stick: Path) -> None:
    with pytest.raises(NoCredentialError) as none:
        take_credential(db, stick, "demo")
    assert none.value.problems == []
    assert stored(db) == ("", "", "", "")


def test_several_schools_on_one_stick_need_the_school_named(db: Database, stick: Path) -> None:
    write_credential(stick, credential(school="城关小学"))
    write_credential(stick, ours := credential(school=SCHOOL))
    assert sorted(offer(db, stick, "demo").schools) == sorted(["城关小学", SCHOOL])

    with pytest.raises(SeveralSchoolsError):
        take_credential(db, stick, "demo")
    assert not device_state(db).enrolled

    state = take_credential(db, stick, "demo", SCHOOL)
    assert (state.device_id, state.school) == (ours.device_id, SCHOOL)
    assert [c.school for _, c in find_credentials(stick, "demo")[0]] == ["城关小学"]


def test_a_pc_enrolled_with_another_server_before_starts_its_sync_state_again(
    db: Database, stick: Path
) -> None:
    with db.write() as session:
        teacher = profiles.create_profile(
            session,
            name="王老师",
            school=SCHOOL,
            gender="female",
            age_band="40to49",
            subject="数学",
            pin="2468",
        )
        settings.put(session, settings.SERVER_ID, "the-old-server")
        settings.put(session, settings.PUSH_CURSOR, 17)
        settings.put(session, settings.CATALOG_CURSOR, 5)
        session.execute(update(TeacherSync).values(linked=True, pull_cursor=9))
    write_credential(stick, credential(server_id="the-new-server"))

    take_credential(db, stick, "demo")

    with db.read_session() as session:
        assert settings.get(session, settings.SERVER_ID) == "the-new-server"
        assert settings.get(session, settings.PUSH_CURSOR) == 0
        assert settings.get(session, settings.CATALOG_CURSOR) == 0
        sync = session.scalars(
            select(TeacherSync).where(TeacherSync.profile_id == teacher.id)
        ).one()
        assert (sync.linked, sync.pull_cursor) == (False, 0)


def test_the_same_server_keeps_the_sync_state(db: Database, stick: Path) -> None:
    with db.write() as session:
        settings.put(session, settings.SERVER_ID, "server-1")
        settings.put(session, settings.PUSH_CURSOR, 17)
    write_credential(stick, credential(server_id="server-1"))
    take_credential(db, stick, "demo")
    with db.read_session() as session:
        assert settings.get(session, settings.PUSH_CURSOR) == 17


@pytest.fixture
def read_only_stick(stick: Path) -> Iterator[tuple[Path, StickCredential]]:
    """A stick carrying one credential, then made read-only: a real read-only mount as root
    (root writes anywhere), a read-only folder otherwise."""
    root = os.geteuid() == 0
    if root:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(stick)], check=True)
    one = credential()
    try:
        path = write_credential(stick, one)
        if root:
            subprocess.run(["mount", "-o", "remount,ro", str(stick)], check=True)
        else:
            path.parent.chmod(0o500)
        yield stick, one
    finally:
        if root:
            subprocess.run(["umount", str(stick)], check=True)
        else:
            (stick / "enroll").chmod(0o700)


@pytest.mark.skipif(sys.platform == "win32", reason="a read-only folder is a POSIX mode or a mount")
def test_a_read_only_stick_stores_nothing_and_keeps_the_credential(
    db: Database, read_only_stick: tuple[Path, StickCredential]
) -> None:
    stick, one = read_only_stick
    with pytest.raises(StickNotWritableError, match="nothing was stored"):
        take_credential(db, stick, "demo")
    assert stored(db) == ("", "", "", "")
    assert (stick / "enroll" / f"{one.device_id}.json").exists()


def test_a_failure_to_store_puts_the_credential_back(
    db: Database, stick: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.storage.errors import DiskFullError
    from app.sync import stick_enroll

    write_credential(stick, one := credential())

    def full(db: Database, credential: StickCredential) -> None:
        raise DiskFullError("database or disk is full")

    monkeypatch.setattr(stick_enroll, "_store", full)
    with pytest.raises(DiskFullError):
        take_credential(db, stick, "demo")
    assert (stick / "enroll" / f"{one.device_id}.json").exists()
    assert not device_state(db).enrolled
