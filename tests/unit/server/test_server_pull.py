"""Pull: a teacher's records from other devices after a cursor, the cursor jumping past the
device's own, paging with one limit for the whole answer, profiles (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import threading
from datetime import datetime

import pytest
from server_sync_helpers import Pc, SyncServer, new_id, profile_updated, record
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from server.db import teacher_lock_key
from server.models import StoredRecord
from server.sync_api import accepts_gzip
from wire.api import ErrorBody
from wire.sync import PullResult


def _max_seq(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalars(select(StoredRecord.seq).order_by(StoredRecord.seq.desc())).first()


@pytest.fixture
def pcs(sync_server: SyncServer) -> tuple[Pc, Pc, str]:
    """PC A created a teacher; PC B claimed the teacher."""
    a, b = sync_server.enroll("PC-A"), sync_server.enroll("PC-B")
    teacher = a.new_teacher()
    assert b.claim(teacher).status_code == 200
    return a, b, teacher


def test_pull_gives_other_devices_records_oldest_first_without_profiles(
    pcs: tuple[Pc, Pc, str], sessions: sessionmaker[Session]
) -> None:
    a, b, teacher = pcs
    from_a = [record(teacher, item=f"ict-basics/video-{n}") for n in range(3)]
    a.push([from_a[0], profile_updated(teacher, subject="语文"), *from_a[1:]])
    b.push([record(teacher, item="b's own")])

    (changes,) = b.pull({teacher: 0}).teachers

    assert [r.id for r in changes.records] == [r["id"] for r in from_a]
    assert [r.model_dump(mode="json") for r in changes.records] == from_a
    assert changes.cursor == _max_seq(sessions)  # past B's own record too
    assert not changes.has_more
    assert changes.profile is not None and changes.profile.subject == "语文"


def test_the_cursor_jumps_past_the_devices_own_records(
    pcs: tuple[Pc, Pc, str], sessions: sessionmaker[Session]
) -> None:
    a, b, teacher = pcs
    a.push([record(teacher)])
    first = b.pull({teacher: 0}).teachers[0]

    b.push([record(teacher) for _ in range(4)])
    own_only = b.pull({teacher: first.cursor}).teachers[0]
    a.push([late := record(teacher)])
    after = b.pull({teacher: own_only.cursor}).teachers[0]

    assert own_only.records == [] and not own_only.has_more
    assert own_only.cursor == _max_seq(sessions) - 1
    assert [r.id for r in after.records] == [late["id"]]
    assert after.cursor == _max_seq(sessions)
    nothing = b.pull({teacher: after.cursor}).teachers[0]
    assert (nothing.records, nothing.cursor, nothing.profile) == ([], after.cursor, None)


def test_pages_cover_every_record_once(pcs: tuple[Pc, Pc, str]) -> None:
    a, b, teacher = pcs
    sent: list[str] = []
    for n in range(10):  # A's records with B's own in between
        a.push([r := record(teacher, item=f"a-{n}")])
        sent.append(r["id"])
        b.push([record(teacher, item=f"b-{n}")])

    seen: list[str] = []
    cursor, pages = 0, []
    while True:
        (page,) = b.pull({teacher: cursor}, limit=3).teachers
        pages.append(page)
        seen += [r.id for r in page.records]
        assert page.cursor >= cursor
        cursor = page.cursor
        if not page.has_more:
            break

    assert seen == sent
    assert [len(p.records) for p in pages] == [3, 3, 3, 1]
    assert [p.has_more for p in pages] == [True, True, True, False]


def test_the_limit_is_for_the_whole_answer(sync_server: SyncServer) -> None:
    a, b = sync_server.enroll("PC-A"), sync_server.enroll("PC-B")
    first, second, third = a.new_teacher(), a.new_teacher(name="李明"), a.new_teacher()
    for teacher in (first, second, third):
        assert b.claim(teacher).status_code == 200
        a.push([record(teacher) for _ in range(4)])
    cursors = {first: 0, second: 0, third: 0}

    answer = b.pull(cursors, limit=6).teachers

    assert [t.teacher for t in answer] == [first, second, third]
    assert [len(t.records) for t in answer] == [4, 2, 0]
    assert [t.has_more for t in answer] == [False, True, True]
    # The next pull starts where each teacher stopped: nothing skipped, nothing twice.
    rest = b.pull({t.teacher: t.cursor for t in answer}, limit=6).teachers
    assert [len(t.records) for t in rest] == [0, 2, 4]
    assert not any(t.has_more for t in rest)


def test_profile_comes_when_it_changed_after_the_cursor(pcs: tuple[Pc, Pc, str]) -> None:
    a, b, teacher = pcs
    start = b.pull({teacher: 0}).teachers[0]
    assert start.profile is not None and start.profile.name == "王芳"

    a.push([profile_updated(teacher, name="王芳芳")])
    changed = b.pull({teacher: start.cursor}).teachers[0]
    unchanged = b.pull({teacher: changed.cursor}).teachers[0]

    assert changed.records == []  # profile records are not handed out as records
    assert changed.profile is not None
    assert (changed.profile.name, changed.profile.seq) == ("王芳芳", changed.cursor)
    assert changed.profile.seq > start.profile.seq
    assert unchanged.profile is None


def test_teachers_not_on_the_device_are_403(
    pcs: tuple[Pc, Pc, str], sync_server: SyncServer
) -> None:
    a, _, teacher = pcs
    stranger = sync_server.enroll("PC-C")

    for cursors in ({teacher: 0}, {new_id(): 0}, {teacher: 0, "not-a-uuid": 0}):
        response = stranger.pull_response(cursors)
        assert response.status_code == 403
        assert ErrorBody.model_validate_json(response.content).code == "teacher_not_on_device"
    assert a.pull({}).teachers == []


@pytest.mark.parametrize("body", [{"cursors": {"x": -1}}, {"cursors": {}, "limit": 0}, {}])
def test_malformed_pull_is_422(pcs: tuple[Pc, Pc, str], body: dict[str, object]) -> None:
    _, b, _ = pcs

    response = b.http.post("/api/v1/sync/pull", json=body, headers=b.auth)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_large_answers_are_gzipped_for_clients_that_accept_it(pcs: tuple[Pc, Pc, str]) -> None:
    a, b, teacher = pcs
    a.push([record(teacher) for _ in range(50)])
    body = {"cursors": {teacher: 0}}

    def post(accept: str) -> tuple[str | None, PullResult]:
        response = b.http.post(
            "/api/v1/sync/pull",
            json=body,
            headers={**b.auth, "Accept-Encoding": accept},
        )
        assert response.status_code == 200
        return response.headers.get("content-encoding"), PullResult.model_validate_json(
            response.content
        )

    zipped, plain, refused = post("gzip, deflate"), post("identity"), post("gzip;q=0")
    small = b.http.post(
        "/api/v1/sync/pull",
        json={"cursors": {teacher: zipped[1].teachers[0].cursor}},
        headers={**b.auth, "Accept-Encoding": "gzip"},
    )

    assert zipped[0] == "gzip" and plain[0] is None and refused[0] is None
    assert zipped[1].teachers == plain[1].teachers
    assert len(zipped[1].teachers[0].records) == 50
    assert small.headers.get("content-encoding") is None  # under 1 KiB: not worth it


def test_gzip_answer_is_really_gzip(pcs: tuple[Pc, Pc, str]) -> None:
    a, b, teacher = pcs
    a.push([record(teacher) for _ in range(50)])

    with b.http.stream(
        "POST",
        "/api/v1/sync/pull",
        json={"cursors": {teacher: 0}},
        headers={**b.auth, "Accept-Encoding": "gzip"},
    ) as response:
        raw = b"".join(response.iter_raw())

    assert PullResult.model_validate_json(gzip.decompress(raw)).teachers[0].records


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("br, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("deflate", False),
        ("", False),
        ("x-gzip", True),
    ],
)
def test_accept_encoding_is_read(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize("year", [2016, 2036])
def test_at_ten_years_off_comes_back_as_it_was_sent(pcs: tuple[Pc, Pc, str], year: int) -> None:
    a, b, teacher = pcs
    at = datetime(year, 7, 1, 6, 5, 4, 321000)
    a.push([sent := record(teacher, at=at)], client_time=at)

    (pulled,) = b.pull({teacher: 0}).teachers[0].records

    assert pulled.at == at and pulled.at.tzinfo is None
    assert pulled.model_dump(mode="json") == sent


def _waiting_for_an_advisory_lock(engine: Engine) -> bool:
    # A new connection each time: in a transaction pg_stat_activity is a snapshot.
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
            ).scalar()
        )


@pytest.mark.postgres
@pytest.mark.parametrize("server_db_url", ["postgres"], indirect=True)
def test_postgres_orders_a_teachers_writers_by_a_lock_of_that_teacher_only(
    pcs: tuple[Pc, Pc, str], engine: Engine
) -> None:
    a, b, teacher = pcs
    other = a.new_teacher(name="李明")
    results: list[int] = []
    with engine.connect() as holder:
        # Another writer of this teacher holds the lock (as a push still in its transaction).
        holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": teacher_lock_key(teacher)})
        waiting = threading.Thread(
            target=lambda: results.append(a.push([record(teacher)]).accepted)
        )
        waiting.start()
        while waiting.is_alive() and not _waiting_for_an_advisory_lock(engine):
            waiting.join(0.01)
        assert waiting.is_alive(), "the push did not wait for its teacher's lock"
        # Meanwhile another teacher's records go through, and the waiting push stays out.
        assert a.push([record(other)]).accepted == 1
        assert b.pull({teacher: 0}).teachers[0].records == []
        assert waiting.is_alive()
        holder.rollback()  # ends the transaction: the lock is released
    waiting.join()

    assert results == [1]
    assert len(b.pull({teacher: 0}).teachers[0].records) == 1
