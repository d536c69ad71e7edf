"""The outbox and inbox of records: what waits to be pushed, what a pull stores, and which
profile fields win."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from storage_helpers import FakeClock, make_teacher

from app.storage import profiles, progress, records, settings
from app.storage.db import Database
from app.storage.models import Profile, ProgressEvent, TeacherSync
from app.storage.progress import VIDEO_WATCHED
from wire.sync import PROFILE_CREATED, PROFILE_UPDATED, Record, Rejection, TeacherProfile

VIDEO = "ict-basics/intro"


def _watch(db: Database, teacher: profiles.Teacher, start: float) -> str:
    with db.write() as session:
        return progress.record(
            session,
            teacher,
            VIDEO,
            VIDEO_WATCHED,
            {"start": start, "end": start + 5, "duration": 60},
        )


def _remote(teacher_id: str, start: float, at: datetime | None = None) -> Record:
    return Record(
        id=str(uuid.uuid4()),
        teacher=teacher_id,
        kind=VIDEO_WATCHED,
        item=VIDEO,
        at=at or datetime(2026, 3, 2, 9, 0),
        data=json.dumps({"start": start, "end": start + 5, "duration": 60}),
    )


def test_a_new_profile_is_announced_first_and_everything_waits_in_order(db: Database) -> None:
    teacher = make_teacher(db)
    ids = [_watch(db, teacher, s) for s in (0, 5, 10)]
    with db.read_session() as session:
        [created] = records.unlinked_profile_records(session)
        outbox = records.pending(session, 0, 10)
        assert records.pending_count(session, 0) == 4
    assert created.kind == PROFILE_CREATED and created.teacher == teacher.id
    data = json.loads(created.data)
    assert data["name"] == "王老师" and len(data["pin_verifier"]) == 64
    assert "2468" not in created.data  # the PIN itself never goes out
    assert [r.id for r in outbox[1:]] == ids
    assert [r.seq for r in outbox] == sorted(r.seq for r in outbox)
    wire = outbox[1].wire()
    assert Record.model_validate(wire).id == ids[0]


def test_the_outbox_after_a_cursor_and_in_limited_batches(db: Database) -> None:
    teacher = make_teacher(db)
    for s in range(10):
        _watch(db, teacher, s)
    with db.read_session() as session:
        first = records.pending(session, 0, 4)
        rest = records.pending(session, first[-1].seq, 100)
        assert records.pending_count(session, first[-1].seq) == len(rest) == 7
    assert len(first) == 4


def test_linked_teachers_are_no_longer_announced_and_are_pulled(db: Database) -> None:
    teacher = make_teacher(db)
    with db.read_session() as session:
        assert records.pull_cursors(session) == []
    with db.write() as session:
        records.mark_linked(session, [teacher.id])
    with db.read_session() as session:
        assert records.unlinked_profile_records(session) == []
        assert records.pull_cursors(session) == [records.PullState(teacher.id, 0)]


def test_pulled_records_are_stored_once_never_pushed_and_count_as_progress(db: Database) -> None:
    teacher = make_teacher(db)
    _watch(db, teacher, 0)
    remote = [_remote(teacher.id, 20), _remote(teacher.id, 40)]
    with db.write() as session:
        records.mark_linked(session, [teacher.id])
        assert records.store_pulled(session, teacher.id, remote, 17, None, push_cursor=0) == 2
    with db.write() as session:  # the same page again (a pull cut after commit, say)
        assert records.store_pulled(session, teacher.id, remote, 17, None, push_cursor=0) == 0
    with db.read_session() as session:
        assert records.pending_count(session, 0) == 2  # profile.created + own event only
        assert records.pull_cursors(session) == [records.PullState(teacher.id, 17)]
        events = progress.events_for(session, teacher, [VIDEO])[VIDEO]
    watched = progress.derive("video", events)
    assert watched.share == 15 / 60  # the union of this PC's and the other PCs' ranges


def test_a_pull_ignores_records_of_another_teacher_and_profile_records(db: Database) -> None:
    teacher = make_teacher(db)
    stray = _remote(str(uuid.uuid4()), 0)
    profile_record = Record(
        id=str(uuid.uuid4()),
        teacher=teacher.id,
        kind=PROFILE_UPDATED,
        at=datetime(2026, 3, 2),
        data='{"name":"x"}',
    )
    with db.write() as session:
        n = records.store_pulled(
            session, teacher.id, [stray, profile_record], 3, None, push_cursor=0
        )
    assert n == 0


def test_times_years_off_are_kept_as_sent(db: Database) -> None:
    teacher = make_teacher(db)
    early = _remote(teacher.id, 0, at=datetime(2016, 1, 1, 0, 0, tzinfo=UTC))
    late = _remote(teacher.id, 10, at=datetime(2036, 12, 31, 23, 59))
    with db.write() as session:
        records.store_pulled(session, teacher.id, [early, late], 2, None, push_cursor=0)
    with db.read_session() as session:
        times = session.scalars(
            select(ProgressEvent.wall_time).where(ProgressEvent.origin == "pulled")
        ).all()
    assert sorted(times) == [datetime(2016, 1, 1), datetime(2036, 12, 31, 23, 59)]


def _server_profile(teacher_id: str, name: str, seq: int) -> TeacherProfile:
    return TeacherProfile(
        id=teacher_id,
        name=name,
        school="石桥镇中心小学",
        gender="female",
        age_band="40to49",
        subject="语文",
        seq=seq,
    )


def test_the_servers_profile_wins_when_nothing_here_waits(db: Database) -> None:
    teacher = make_teacher(db)
    with db.write() as session:
        records.mark_linked(session, [teacher.id])
        settings.put(session, settings.PUSH_CURSOR, 10_000)  # everything here was pushed
        records.store_pulled(
            session,
            teacher.id,
            [],
            30,
            _server_profile(teacher.id, "王丽", 30),
            push_cursor=10_000,
        )
    with db.read_session() as session:
        profile = session.get(Profile, teacher.id)
        state = session.get(TeacherSync, teacher.id)
        assert profile is not None and state is not None
        assert (profile.name, profile.age_band, profile.subject) == ("王丽", "40to49", "语文")
        assert state.profile_seq == 30


def test_a_profile_change_not_yet_pushed_is_not_overwritten(db: Database) -> None:
    teacher = make_teacher(db)  # its profile.created is still waiting (push cursor 0)
    with db.write() as session:
        records.store_pulled(
            session, teacher.id, [], 30, _server_profile(teacher.id, "别人改的", 30), push_cursor=0
        )
    with db.read_session() as session:
        profile = session.get(Profile, teacher.id)
        assert profile is not None and profile.name == "王老师"


def test_refused_records_are_kept_as_problems(db: Database, clock: FakeClock) -> None:
    teacher = make_teacher(db)
    record_id = _watch(db, teacher, 0)
    with db.write() as session:
        records.note_rejections(
            session, [Rejection(id=record_id, code="conflict", detail="other content")], clock=clock
        )
    with db.write() as session:  # refused again on a later sync: one problem, updated
        records.note_rejections(
            session, [Rejection(id=record_id, code="conflict", detail="still")], clock=clock
        )
    with db.read_session() as session:
        [problem] = records.problems(session)
        assert records.problem_count(session) == 1
        # The record itself is still in the log.
        assert session.scalar(select(ProgressEvent.id).where(ProgressEvent.id == record_id))
    assert (problem.record_id, problem.code, problem.detail) == (record_id, "conflict", "still")


def test_adopting_a_teacher_from_the_server_makes_a_linked_profile(db: Database) -> None:
    remote = _server_profile(str(uuid.uuid4()), "李老师", 12)
    with db.write() as session:
        teacher = profiles.adopt_profile(session, remote, "1357")
    assert teacher.name == "李老师"
    assert profiles.unlock(db, teacher.id, "1357") == teacher
    with db.read_session() as session:
        assert records.unlinked_profile_records(session) == []
        assert records.pending_count(session, 0) == 0  # nothing to announce: the server knows
        assert records.pull_cursors(session) == [records.PullState(teacher.id, 0)]


def test_a_profile_change_is_queued_with_only_what_changed(db: Database) -> None:
    teacher = make_teacher(db)
    with db.write() as session:
        profiles.update_profile(session, teacher, name="王丽", school="石桥镇中心小学")
    with db.write() as session:
        profiles.update_profile(session, teacher, new_pin="97531")
    with db.write() as session:  # nothing changed: nothing queued
        profiles.update_profile(session, teacher, subject="数学")
    with db.read_session() as session:
        queued = [r for r in records.pending(session, 0, 10) if r.kind == PROFILE_UPDATED]
    assert json.loads(queued[0].data) == {"name": "王丽"}
    assert set(json.loads(queued[1].data)) == {"pin_verifier"}
    assert len(queued) == 2
    assert profiles.unlock(db, teacher.id, "97531").name == "王丽"


def test_a_profile_change_is_checked(db: Database) -> None:
    teacher = make_teacher(db)
    for bad in ({"name": " "}, {"gender": "x"}, {"pin_hash": "x"}):
        with pytest.raises(profiles.ProfileError), db.write() as session:
            profiles.update_profile(session, teacher, **bad)
