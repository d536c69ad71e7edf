"""Whole syncs against a real server, on SQLite and on PostgreSQL: exactly once, roaming
teachers, wrong clocks, revoked devices, profiles that are not this PC's, wrong PINs."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.storage import progress, records, settings
from app.storage.clock import utc_now
from app.storage.models import Profile, ProgressEvent, TeacherSync
from app.storage.progress import VIDEO_WATCHED
from app.sync.devices import enroll
from app.sync.errors import (
    DeviceRevokedError,
    EnrollmentCodeError,
    NotEnrolledError,
    PinRejectedError,
    TooManyAttemptsError,
)
from app.sync.teachers import claim_teacher, find_teachers
from tests.helpers.pcs import PC, PIN, VIDEO, County, add_events, add_teacher, server_query

REPO = Path(__file__).resolve().parents[3]
MakePC = Callable[..., PC]


def _server_ids(county: County) -> list[str]:
    return [row[0] for row in server_query(county.database_url, "SELECT id FROM record")]


def test_everything_made_here_reaches_the_server_once(county: County, make_pc: MakePC) -> None:
    pc = make_pc(county.url, county.code, "pc-a")
    teacher = add_teacher(pc)
    ids = add_events(pc, teacher, 2500)

    report = pc.sync()
    assert report.complete and report.waiting == 0 and report.problems == 0
    assert report.pushed == 2501  # the profile, then the records
    again = pc.sync()
    assert again.complete and again.pushed == 0 and again.duplicates == 0

    stored = _server_ids(county)
    assert len(stored) == len(set(stored)) == 2501
    assert set(ids) <= set(stored)


def test_a_push_sent_twice_is_acknowledged_not_stored_twice(
    county: County, make_pc: MakePC
) -> None:
    pc = make_pc(county.url, county.code, "pc-a")
    teacher = add_teacher(pc)
    add_events(pc, teacher, 300)
    assert pc.sync().pushed == 301
    # As if the acknowledgement had been lost: the cursor goes back, everything is re-sent.
    with pc.db.write() as session:
        settings.put(session, settings.PUSH_CURSOR, 0)
    again = pc.sync()
    assert (again.pushed, again.duplicates, again.rejected) == (0, 301, 0)
    assert len(_server_ids(county)) == 301


def test_a_teacher_on_two_pcs_sees_the_union_of_both(county: County, make_pc: MakePC) -> None:
    school_pc = make_pc(county.url, county.code, "school-pc")
    teacher = add_teacher(school_pc)
    add_events(school_pc, teacher, 3, first_second=0)  # watched 0-30 s
    school_pc.sync()

    home_pc = make_pc(county.url, county.code, "office-pc")
    [found] = find_teachers(home_pc.client, "王")
    assert (found.id, found.name) == (teacher.id, "王老师")
    claimed = claim_teacher(home_pc.db, home_pc.client, teacher.id, PIN)
    assert claimed.id == teacher.id
    pulled = home_pc.sync()
    assert pulled.complete and pulled.pulled == 3

    # Both PCs keep working offline, then both sync.
    add_events(home_pc, claimed, 2, first_second=100)  # 100-120 s
    add_events(school_pc, teacher, 2, first_second=200)  # 200-220 s
    home_pc.sync()
    school_pc.sync()
    home_pc.sync()

    def watched(pc: PC) -> list[tuple[float, float]]:
        with pc.db.read_session() as session:
            events = progress.events_for(session, teacher, [VIDEO])[VIDEO]
        return progress.merge_ranges(
            (e.payload["start"], e.payload["end"]) for e in events if e.kind == VIDEO_WATCHED
        )

    expected = [(0.0, 30.0), (100.0, 120.0), (200.0, 220.0)]
    assert watched(school_pc) == watched(home_pc) == expected
    stored = _server_ids(county)
    assert len(stored) == len(set(stored)) == 1 + 3 + 2 + 2


def test_profile_fields_follow_the_server_sequence_not_the_clock(
    county: County, make_pc: MakePC
) -> None:
    a = make_pc(county.url, county.code, "pc-a")
    teacher = add_teacher(a)
    a.sync()
    # PC B's clock is a year *behind*, yet its later change wins: the server saw it last.
    b = make_pc(county.url, county.code, "pc-b", clock=lambda: utc_now() - timedelta(days=365))
    claim_teacher(b.db, b.client, teacher.id, PIN)
    with b.db.write() as session:
        session.add(
            ProgressEvent(
                id=str(uuid.uuid4()),
                profile_id=teacher.id,
                item_id="",
                kind="profile.updated",
                payload=json.dumps({"name": "王丽"}, ensure_ascii=False),
                wall_time=b.clock(),
                origin="local",
            )
        )
    assert b.sync().complete
    a.sync()
    with a.db.read_session() as session:
        profile = session.get(Profile, teacher.id)
        state = session.get(TeacherSync, teacher.id)
        assert profile is not None and profile.name == "王丽"
        assert state is not None and state.profile_seq > 0


@pytest.mark.parametrize("years", [10, -10])
def test_a_clock_ten_years_off_syncs_and_notes_the_offset(
    county: County, make_pc: MakePC, years: int
) -> None:
    skew = timedelta(days=365 * years)
    pc = make_pc(county.url, county.code, "pc-a", clock=lambda: utc_now() + skew)
    teacher = add_teacher(pc)
    add_events(pc, teacher, 50)
    report = pc.sync()
    assert report.complete and report.pushed == 51
    assert report.clock_offset_s == pytest.approx(-skew.total_seconds(), abs=120)
    assert pc.setting(settings.CLOCK_OFFSET_S) == pytest.approx(-skew.total_seconds(), abs=120)
    # The server keeps the PC's times as they were, and a corrected one for reports.
    rows = server_query(county.database_url, "SELECT at, at_corrected FROM record")
    assert len(rows) == 51
    for at, corrected in rows:
        assert abs((_naive(at) - _naive(corrected)) - skew) < timedelta(minutes=5)

    # And another PC, its clock right, gets the records with their times unchanged.
    other = make_pc(county.url, county.code, "pc-b")
    claim_teacher(other.db, other.client, teacher.id, PIN)
    assert other.sync().pulled == 50
    with pc.db.read_session() as session:
        mine = dict(session.execute(select(ProgressEvent.id, ProgressEvent.wall_time)).all())
    with other.db.read_session() as session:
        theirs = dict(
            session.execute(
                select(ProgressEvent.id, ProgressEvent.wall_time).where(
                    ProgressEvent.origin == "pulled"
                )
            ).all()
        )
    assert all(mine[i] == theirs[i] for i in theirs) and len(theirs) == 50


def _naive(value: datetime | str) -> datetime:
    """A time read raw from SQLite (text) or PostgreSQL (aware), as naive UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _revoke(county: County, device_id: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "devices",
            "revoke",
            device_id,
            "--data-dir",
            str(county.data_dir),
            "--database-url",
            county.database_url,
        ],
        check=True,
        capture_output=True,
        cwd=REPO,
    )


def test_a_revoked_pc_is_told_so_and_keeps_its_work(county: County, make_pc: MakePC) -> None:
    pc = make_pc(county.url, county.code, "pc-a")
    teacher = add_teacher(pc)
    add_events(pc, teacher, 10)
    pc.sync()
    _revoke(county, pc.setting(settings.DEVICE_ID))
    add_events(pc, teacher, 5, first_second=500)
    with pytest.raises(DeviceRevokedError):
        pc.sync()
    with pc.db.read_session() as session:
        assert records.pending_count(session, pc.setting(settings.PUSH_CURSOR)) == 5
    result = _app("sync", "--once", "--json", "--data-dir", str(pc.paths.root))
    assert result.returncode == 4
    assert json.loads(result.stdout)["exit"] == 4
    assert "removed this computer" in json.loads(result.stdout)["message"]


def test_a_pc_cannot_push_for_a_teacher_that_is_not_its_own(
    county: County, make_pc: MakePC
) -> None:
    owner = make_pc(county.url, county.code, "owner")
    teacher = add_teacher(owner)
    owner.sync()
    # Another PC holds a copy of the teacher's profile (a copied database, say) without the
    # server ever having confirmed the teacher's PIN there.
    intruder = make_pc(county.url, county.code, "intruder")
    with intruder.db.write() as session:
        session.add(
            Profile(
                id=teacher.id,
                name="王老师",
                school="",
                gender="female",
                age_band="40to49",
                subject="",
                pin_hash=b"x",
                pin_salt=b"y",
                pin_params="scrypt:n=2,r=1,p=1",
                created_at=utc_now(),
                failed_attempts=0,
            )
        )
        session.add(TeacherSync(profile_id=teacher.id, linked=True, pull_cursor=0, profile_seq=0))
    forged = add_events(intruder, teacher, 3, first_second=900)
    report = intruder.sync()
    assert report.rejected == 3 and report.problems == 3
    with intruder.db.read_session() as session:
        assert {p.code for p in records.problems(session)} == {"forbidden"}
    assert not set(forged) & set(_server_ids(county))
    result = _app("sync", "--once", "--data-dir", str(intruder.paths.root))
    assert result.returncode == 5  # the sync ran; records were refused


def test_a_wrong_pin_is_refused_and_guessing_is_stopped(county: County, make_pc: MakePC) -> None:
    a = make_pc(county.url, county.code, "pc-a")
    teacher = add_teacher(a)
    a.sync()
    b = make_pc(county.url, county.code, "pc-b")
    with pytest.raises(PinRejectedError) as wrong:
        claim_teacher(b.db, b.client, teacher.id, "0000")
    assert wrong.value.attempts_left == 4
    for left in (3, 2, 1, 0):
        with pytest.raises(PinRejectedError) as again:
            claim_teacher(b.db, b.client, teacher.id, "1111")
        assert again.value.attempts_left == left
    with pytest.raises(TooManyAttemptsError) as locked:
        claim_teacher(b.db, b.client, teacher.id, "2222")
    assert (locked.value.retry_after or 0) > 60
    # Locked even for the right PIN, for a while; nothing was made on PC B.
    with pytest.raises(TooManyAttemptsError):
        claim_teacher(b.db, b.client, teacher.id, PIN)
    with b.db.read_session() as session:
        assert session.get(Profile, teacher.id) is None


def test_enrolling_needs_the_schools_code(county: County, make_pc: MakePC) -> None:
    pc = make_pc(county.url, None, "pc-a")
    with pytest.raises(NotEnrolledError):
        pc.sync()
    with pytest.raises(EnrollmentCodeError):
        enroll(pc.db, pc.client, "WRONG-CODE", "pc-a")
    state = enroll(pc.db, pc.client, county.code.lower(), "pc-a")
    assert state.enrolled and state.school == "石桥镇中心小学"
    assert pc.sync().complete


def _app(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_sync_once_from_the_command_line(county: County, make_pc: MakePC) -> None:
    pc = make_pc(county.url, county.code, "pc-a")
    teacher = add_teacher(pc)
    add_events(pc, teacher, 40)
    root = str(pc.paths.root)
    pc.close()
    done = _app("sync", "--once", "--json", "--data-dir", root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["exit"], report["pushed"], report["complete"]) == (0, 41, True)
    plain = _app("sync", "--once", "--data-dir", root)
    assert plain.returncode == 0 and "sync complete" in plain.stdout
    offline = _app("sync", "--once", "--data-dir", root, "--server", "http://127.0.0.1:9")
    assert offline.returncode == 3
    assert "cannot reach the county server" in offline.stderr
