"""Push: each record stored once, duplicates acknowledged, conflicts and strangers refused,
profiles kept, gzip bodies and their limits (on SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
from server_sync_helpers import (
    AT,
    PIN,
    T0,
    FakeClock,
    Pc,
    SyncServer,
    batch_json,
    new_id,
    profile_created,
    profile_updated,
    record,
)
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from server.batches import parse_batch, pre_hash
from server.models import DeviceTeacher, StoredRecord, Teacher, utc_storage
from server.pins import PinHash, verifier_matches
from wire.api import ErrorBody
from wire.sync import PUSH_MAX_BYTES, PUSH_MAX_RECORDS, pin_verifier

PUSH = "/api/v1/sync/push"


def _stored(sessions: sessionmaker[Session]) -> list[StoredRecord]:
    with sessions() as session:
        return list(session.scalars(select(StoredRecord).order_by(StoredRecord.seq)))


def _teacher(sessions: sessionmaker[Session], teacher: str) -> Teacher:
    with sessions() as session:
        row = session.get(Teacher, teacher)
        assert row is not None
        return row


@pytest.fixture
def pc(sync_server: SyncServer) -> Pc:
    return sync_server.enroll("PC-A")


def test_new_records_are_stored_in_batch_order_with_the_device(
    pc: Pc, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    teacher = pc.new_teacher()
    records = [record(teacher, item=f"ict-basics/video-{n}") for n in range(5)]

    result = pc.push(records)

    assert (result.accepted, result.duplicates, result.rejected) == (5, 0, [])
    assert result.server_time == clock.now
    stored = _stored(sessions)[1:]  # after the profile
    assert [r.id for r in stored] == [r["id"] for r in records]
    assert [r.seq for r in stored] == sorted(r.seq for r in stored)
    assert {(r.device_id, r.teacher_id, r.kind) for r in stored} == {
        (pc.device_id, teacher, "video.watched")
    }
    assert all(r.received == clock.now and r.data == records[0]["data"] for r in stored)


def test_the_same_record_again_is_a_duplicate(pc: Pc, sessions: sessionmaker[Session]) -> None:
    teacher = pc.new_teacher()
    records = [record(teacher), record(teacher, kind="document.page", data='{"page":3}')]
    pc.push(records)

    again = pc.push([*records, record(teacher)])

    assert (again.accepted, again.duplicates, again.rejected) == (1, 2, [])
    assert len(_stored(sessions)) == 4


def test_same_id_with_other_content_is_a_conflict_and_the_original_stays(
    pc: Pc, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    teacher = pc.new_teacher()
    original = record(teacher, data='{"start":0.0,"end":10.0}')
    pc.push([original])
    changes = [
        {**original, "data": '{"start":0.0, "end":10.0}'},  # byte for byte, not JSON-equal
        {**original, "item": "ict-basics/other"},
        {**original, "kind": "document.page"},
        {**original, "at": (AT + timedelta(microseconds=1)).isoformat()},
    ]

    with caplog.at_level(logging.WARNING, logger="server.push"):
        result = pc.push(changes)

    assert result.accepted == 0 and result.duplicates == 0
    assert [(r.id, r.code) for r in result.rejected] == [(original["id"], "conflict")] * 4
    (stored,) = [r for r in _stored(sessions) if r.id == original["id"]]
    assert (stored.data, stored.item, stored.kind) == (
        original["data"],
        original["item"],
        original["kind"],
    )
    assert stored.at == AT.replace(tzinfo=UTC)
    conflicts = [m for m in caplog.messages if "conflict" in m and original["id"] in m]
    assert len(conflicts) == 4


def test_one_id_twice_in_a_batch(pc: Pc, sessions: sessionmaker[Session]) -> None:
    teacher = pc.new_teacher()
    first = record(teacher)

    result = pc.push([first, first, {**first, "data": '{"other":1}'}])

    assert (result.accepted, result.duplicates) == (1, 1)
    assert [r.code for r in result.rejected] == ["conflict"]
    assert [r.data for r in _stored(sessions) if r.id == first["id"]] == [first["data"]]


def test_records_of_a_teacher_living_elsewhere_are_forbidden(
    sync_server: SyncServer, pc: Pc, sessions: sessionmaker[Session]
) -> None:
    teacher = pc.new_teacher()
    other = sync_server.enroll("PC-B")
    stranger = new_id()  # the server has never heard of this one

    result = other.push([record(teacher), record(stranger), profile_updated(teacher, name="冒名")])

    assert result.accepted == 0
    assert [r.code for r in result.rejected] == ["forbidden"] * 3
    assert "claim" in result.rejected[0].detail
    assert len(_stored(sessions)) == 1
    assert _teacher(sessions, teacher).name == "王芳"


def test_profile_created_from_elsewhere_cannot_take_a_teacher_over(
    sync_server: SyncServer, pc: Pc, sessions: sessionmaker[Session]
) -> None:
    teacher = pc.new_teacher()
    other = sync_server.enroll("PC-B")

    result = other.push([profile_created(teacher, pin="0000", name="冒名"), record(teacher)])

    assert [r.code for r in result.rejected] == ["forbidden", "forbidden"]
    row = _teacher(sessions, teacher)
    assert row.name == "王芳"
    assert verifier_matches(
        pin_verifier(teacher, PIN), PinHash(row.pin_hash, row.pin_salt, row.pin_params)
    )


def test_profile_created_in_the_same_batch_lets_the_teachers_records_in(
    pc: Pc, sessions: sessionmaker[Session]
) -> None:
    teacher, later = new_id(), new_id()
    records = [
        profile_created(teacher),
        record(teacher),
        record(later),  # before its profile.created, in the same batch
        profile_created(later, name="李明", gender="male"),
    ]

    result = pc.push(records)

    assert (result.accepted, result.rejected) == (4, [])
    with sessions() as session:
        links = session.execute(
            select(DeviceTeacher.teacher_id, DeviceTeacher.how).where(
                DeviceTeacher.device_id == pc.device_id
            )
        ).all()
    assert sorted(links) == sorted([(teacher, "created"), (later, "created")])
    assert _teacher(sessions, later).name == "李明"
    assert _teacher(sessions, later).created_device_id == pc.device_id


@pytest.mark.parametrize(
    ("kind", "data", "why"),
    [
        ("video.watched", "[1, 2]", "JSON object"),
        ("video.watched", '"text"', "JSON object"),
        ("video.watched", "not json", "not JSON"),
        ("video.watched", '{"a": 1', "not JSON"),
        ("profile.updated", '{"gender": "robot"}', "gender"),
        ("profile.updated", '{"pin_verifier": "1234"}', "pin_verifier"),
        ("profile.created", '{"name": "王芳"}', "lacks"),
        ("profile.renamed", "{}", "unknown profile record kind"),
    ],
)
def test_invalid_records_are_refused_alone(
    pc: Pc, sessions: sessionmaker[Session], kind: str, data: str, why: str
) -> None:
    teacher = pc.new_teacher()
    bad = record(teacher, kind=kind, data=data)

    result = pc.push([record(teacher), bad, record(teacher)])

    assert result.accepted == 2
    assert [(r.id, r.code) for r in result.rejected] == [(bad["id"], "invalid")]
    assert why in result.rejected[0].detail
    assert bad["id"] not in {r.id for r in _stored(sessions)}


def test_a_record_breaking_the_wire_format_is_refused_alone(pc: Pc) -> None:
    teacher = pc.new_teacher()
    broken = {**record(teacher), "teacher": "not-a-uuid"}

    result = pc.push([record(teacher), broken])

    assert result.accepted == 1
    assert [(r.id, r.code) for r in result.rejected] == [(broken["id"], "invalid")]
    assert "teacher" in result.rejected[0].detail


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"records": []}',
        b'{"client_time": "2026-03-02T08:30:00", "records": [{"kind": "x.y"}]}',
        b"",
    ],
)
def test_a_body_that_is_not_a_batch_is_422(pc: Pc, body: bytes) -> None:
    response = pc.http.post(PUSH, content=body, headers=pc.auth)

    assert response.status_code == 422
    assert ErrorBody.model_validate_json(response.content).code == "invalid"


def test_gzip_and_plain_bodies_are_the_same_push(pc: Pc, sessions: sessionmaker[Session]) -> None:
    teacher = pc.new_teacher()
    zipped, plain = [record(teacher) for _ in range(3)], [record(teacher) for _ in range(3)]

    assert pc.push(zipped, gzipped=True).accepted == 3
    assert pc.push(plain, gzipped=False).accepted == 3
    assert pc.push(zipped + plain, gzipped=False).duplicates == 6


def test_gzip_bomb_is_413_and_stores_nothing(pc: Pc, sessions: sessionmaker[Session]) -> None:
    teacher = pc.new_teacher()
    head = b'{"client_time": "2026-03-02T08:30:00", "records": ['
    head += json.dumps(record(teacher)).encode() + b"]"
    bomb = gzip.compress(head + b" " * PUSH_MAX_BYTES + b"}")
    assert len(bomb) < 100_000

    response = pc.http.post(PUSH, content=bomb, headers={**pc.auth, "Content-Encoding": "gzip"})

    assert response.status_code == 413
    assert ErrorBody.model_validate_json(response.content).code == "batch_too_large"
    assert len(_stored(sessions)) == 1


def test_a_body_too_large_before_gunzip_is_413(pc: Pc) -> None:
    response = pc.http.post(PUSH, content=b" " * (PUSH_MAX_BYTES + 1), headers=pc.auth)

    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"


def test_more_records_than_allowed_is_413(pc: Pc, sessions: sessionmaker[Session]) -> None:
    teacher = pc.new_teacher()

    response = pc.push_response([record(teacher) for _ in range(PUSH_MAX_RECORDS + 1)])

    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert len(_stored(sessions)) == 1


def test_as_many_records_as_allowed_are_taken(pc: Pc) -> None:
    teacher = pc.new_teacher()

    assert pc.push([record(teacher) for _ in range(PUSH_MAX_RECORDS)]).accepted == PUSH_MAX_RECORDS


@pytest.mark.parametrize(
    ("encoding", "body", "status"),
    [("gzip", b"definitely not gzip", 400), ("gzip", b"\x1f\x8b\x08\x00", 400), ("br", b"{}", 415)],
)
def test_broken_or_unknown_encodings_are_refused(
    pc: Pc, encoding: str, body: bytes, status: int
) -> None:
    response = pc.http.post(PUSH, content=body, headers={**pc.auth, "Content-Encoding": encoding})

    assert response.status_code == status
    assert response.json()["code"] == "invalid"


def test_pin_verifier_is_never_stored_and_a_resent_profile_is_a_duplicate(
    pc: Pc, sessions: sessionmaker[Session], engine: Engine
) -> None:
    teacher = new_id()
    created = profile_created(teacher)
    verifier = pin_verifier(teacher, PIN)

    assert pc.push([created]).accepted == 1
    again = pc.push([created])

    assert (again.accepted, again.duplicates, again.rejected) == (0, 1, [])
    (stored,) = _stored(sessions)
    data = json.loads(stored.data)
    assert "pin_verifier" not in data
    assert data["pin_verifier_sha256"] == hashlib.sha256(verifier.encode()).hexdigest()
    assert list(data)[:5] == ["name", "school", "gender", "age_band", "subject"]
    row = _teacher(sessions, teacher)
    assert row.pin_params == "scrypt:n=4096,r=8,p=1"
    assert verifier_matches(verifier, PinHash(row.pin_hash, row.pin_salt, row.pin_params))
    assert not verifier_matches(
        pin_verifier(teacher, "1357"), PinHash(row.pin_hash, row.pin_salt, row.pin_params)
    )
    with engine.connect() as conn:
        for table in ("record", "teacher"):
            dump = repr(conn.execute(text(f"SELECT * FROM {table}")).all())
            assert verifier not in dump


def test_profile_records_keep_the_teacher_row_last_by_server_order(
    sync_server: SyncServer, pc: Pc, sessions: sessionmaker[Session]
) -> None:
    teacher = new_id()
    pc.push(
        [
            profile_created(teacher),
            profile_updated(teacher, subject="语文"),
            profile_updated(teacher, subject="英语", name="王芳芳"),
        ]
    )
    other = sync_server.enroll("PC-B")
    assert other.claim(teacher).status_code == 200
    # Another PC's change, made earlier by its clock, arrives later: it wins.
    late = profile_updated(teacher, pin="1357", school="二小")
    late["at"] = (AT - timedelta(days=30)).isoformat()
    other.push([late])

    row = _teacher(sessions, teacher)
    stored = {r.id: r.seq for r in _stored(sessions)}
    assert (row.name, row.subject, row.school) == ("王芳芳", "英语", "二小")
    assert (row.gender, row.age_band) == ("female", "30to39")
    assert row.profile_seq == stored[late["id"]] == max(stored.values())
    assert verifier_matches(
        pin_verifier(teacher, "1357"), PinHash(row.pin_hash, row.pin_salt, row.pin_params)
    )


@pytest.mark.parametrize("years", [-10, 10])
def test_a_clock_ten_years_off_is_stored_as_sent_and_corrected_for_reports(
    pc: Pc, sessions: sessionmaker[Session], clock: FakeClock, years: int
) -> None:
    teacher = pc.new_teacher()
    device_now = T0.replace(tzinfo=None) + timedelta(days=365 * years)
    at = datetime(2016 if years < 0 else 2036, 1, 1, 12, 0, 0, 123456)
    sent = record(teacher, at=at)

    assert pc.push([sent], client_time=device_now).accepted == 1

    (stored,) = [r for r in _stored(sessions) if r.id == sent["id"]]
    assert stored.at == at.replace(tzinfo=UTC)
    assert stored.at_corrected == (at + (T0.replace(tzinfo=None) - device_now)).replace(tzinfo=UTC)
    assert stored.received == clock.now


def test_an_at_with_a_zone_is_stored_in_utc(pc: Pc, sessions: sessionmaker[Session]) -> None:
    teacher = pc.new_teacher()
    sent = record(teacher)
    sent["at"] = "2026-03-01T17:15:30.250000+08:00"

    pc.push([sent])

    (stored,) = [r for r in _stored(sessions) if r.id == sent["id"]]
    assert stored.at == AT.replace(tzinfo=UTC)


def test_fast_insert_values_are_what_the_typed_columns_write(engine: Engine) -> None:
    column_type = StoredRecord.__table__.c.at.type
    process = column_type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    fast = utc_storage(engine.dialect.name)
    for moment in (
        datetime(2016, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2036, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 1, 17, 15, 30, 250000, tzinfo=timezone(timedelta(hours=8))),
    ):
        typed = process(moment) if process is not None else moment
        assert fast(moment) == typed
        assert fast(moment.astimezone(UTC).replace(tzinfo=None)) == typed


def test_a_correction_past_the_calendar_keeps_at(pc: Pc, sessions: sessionmaker[Session]) -> None:
    teacher = pc.new_teacher()
    at = datetime(9999, 12, 31, 23, 0)
    sent = record(teacher, at=at)

    assert pc.push([sent], client_time=datetime(2016, 1, 1)).accepted == 1

    (stored,) = [r for r in _stored(sessions) if r.id == sent["id"]]
    assert stored.at == stored.at_corrected == at.replace(tzinfo=UTC)


def test_pins_hashed_before_the_transaction_are_capped() -> None:
    teachers = [new_id() for _ in range(5)]
    body = batch_json([profile_updated(t, pin="1357") for t in teachers])

    batch = parse_batch(body)
    hashes = pre_hash(batch, most=3)

    assert list(hashes) == [pin_verifier(t, "1357") for t in teachers[:3]]
    assert all(verifier_matches(verifier, pin) for verifier, pin in hashes.items())
