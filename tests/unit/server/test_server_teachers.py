"""Teachers on a new PC: finding them by name, claiming them with the PIN, and the locks on
wrong PINs (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_sync_helpers import (
    PIN,
    FakeClock,
    Pc,
    SyncServer,
    TestClient,
    new_id,
    profile_created,
    profile_updated,
    record,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server.app import Settings, create_app
from server.models import DeviceTeacher
from wire.api import ErrorBody
from wire.blobs import BlobStore
from wire.sync import TeacherList, TeacherProfile

WRONG = "1111"


def _find(pc: Pc, name: str) -> list[tuple[str, str]]:
    response = pc.http.get("/api/v1/teachers", params={"name": name}, headers=pc.auth)
    assert response.status_code == 200, response.text
    return [(t.name, t.school) for t in TeacherList.model_validate_json(response.content).teachers]


def _links(sessions: sessionmaker[Session], teacher: str) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(DeviceTeacher.device_id, DeviceTeacher.how).where(
                DeviceTeacher.teacher_id == teacher
            )
        ).all()
    return sorted((device, how) for device, how in rows)


@pytest.fixture
def a(sync_server: SyncServer) -> Pc:
    return sync_server.enroll("PC-A")


@pytest.fixture
def b(sync_server: SyncServer) -> Pc:
    return sync_server.enroll("PC-B")


def test_teachers_are_found_by_part_of_the_name(a: Pc, b: Pc) -> None:
    a.new_teacher(name="王芳", school="一小")
    a.new_teacher(name="王小明", school="二小")
    a.new_teacher(name="李明")
    a.new_teacher(name="Wang Li")

    assert _find(b, "王") == [("王小明", "二小"), ("王芳", "一小")]
    assert _find(b, "明") == [("李明", "城关镇中心小学"), ("王小明", "二小")]
    assert _find(b, "wang") == [("Wang Li", "城关镇中心小学")]
    assert _find(b, "%") == [] and _find(b, "_") == []  # no wildcards
    assert _find(b, "张") == []


def test_at_most_twenty_teachers_are_found(a: Pc, b: Pc) -> None:
    teachers = [new_id() for _ in range(25)]
    a.push([profile_created(t, name=f"张老师{n:02d}") for n, t in enumerate(teachers)])

    found = _find(b, "张老师")

    assert len(found) == 20
    assert found == sorted(found)


def test_search_needs_a_name(b: Pc) -> None:
    for params in ({}, {"name": ""}):
        response = b.http.get("/api/v1/teachers", params=params, headers=b.auth)
        assert response.status_code == 422


def test_claim_with_the_right_pin_links_the_teacher(
    a: Pc, b: Pc, sessions: sessionmaker[Session]
) -> None:
    teacher = a.new_teacher(name="王芳")
    a.push([mine := record(teacher)])

    response = b.claim(teacher)
    again = b.claim(teacher)

    assert response.status_code == 200
    profile = TeacherProfile.model_validate_json(response.content)
    assert (profile.id, profile.name, profile.gender, profile.seq) == (teacher, "王芳", "female", 1)
    assert again.status_code == 200
    assert _links(sessions, teacher) == sorted([(a.device_id, "created"), (b.device_id, "claimed")])
    # Now the teacher lives on B too: pull and push work there.
    assert [r.id for r in b.pull({teacher: 0}).teachers[0].records] == [mine["id"]]
    assert b.push([record(teacher)]).accepted == 1


def test_unknown_teacher_is_404(b: Pc) -> None:
    for teacher in (new_id(), "not-a-uuid"):
        response = b.claim(teacher)
        assert response.status_code == 404
        assert ErrorBody.model_validate_json(response.content).code == "teacher_unknown"


def test_five_wrong_pins_lock_the_teacher_for_fifteen_minutes(
    sync_server: SyncServer, a: Pc, b: Pc, clock: FakeClock, sessions: sessionmaker[Session]
) -> None:
    teacher = a.new_teacher()
    c = sync_server.enroll("PC-C")

    wrong = [b.claim(teacher, WRONG) for _ in range(5)]
    locked = c.claim(teacher, PIN)  # the right PIN, from another PC: still locked
    clock.advance(minutes=14, seconds=59)
    still = b.claim(teacher, PIN)
    clock.advance(seconds=1)
    after = b.claim(teacher, PIN)

    bodies = [ErrorBody.model_validate_json(r.content) for r in wrong]
    assert [r.status_code for r in wrong] == [403] * 5
    assert [(x.code, x.attempts_left) for x in bodies] == [
        ("pin_wrong", left) for left in (4, 3, 2, 1, 0)
    ]
    assert locked.status_code == 429
    assert (locked.json()["code"], locked.json()["retry_after"]) == ("too_many_attempts", 900)
    assert locked.headers["retry-after"] == "900"
    assert still.status_code == 429 and still.json()["retry_after"] == 1
    assert after.status_code == 200
    assert _links(sessions, teacher) == sorted([(a.device_id, "created"), (b.device_id, "claimed")])


def test_the_right_pin_clears_the_teachers_count(a: Pc, b: Pc) -> None:
    teacher = a.new_teacher()
    for _ in range(4):
        b.claim(teacher, WRONG)

    assert b.claim(teacher, PIN).status_code == 200
    response = b.claim(teacher, WRONG)

    assert response.json()["attempts_left"] == 4


def test_twenty_wrong_pins_from_a_device_lock_its_claims_for_an_hour(
    a: Pc, b: Pc, clock: FakeClock
) -> None:
    teachers = [a.new_teacher(name=f"教师{n}") for n in range(5)]
    lefts = []
    for teacher in teachers[:4]:
        lefts += [b.claim(teacher, WRONG).json()["attempts_left"] for _ in range(5)]

    locked = b.claim(teachers[4], PIN)  # a teacher it never guessed: the device is locked
    others = a.claim(teachers[4], PIN)  # other devices are not
    clock.advance(minutes=59)
    still = b.claim(teachers[4], PIN)
    clock.advance(minutes=1)
    after = b.claim(teachers[4], PIN)

    assert lefts == [4, 3, 2, 1, 0] * 4  # each teacher's tries (the device's are more)
    assert locked.status_code == 429 and locked.json()["retry_after"] == 3600
    assert others.status_code == 200
    assert still.status_code == 429
    assert after.status_code == 200


def test_claim_counts_survive_a_restart(
    a: Pc,
    b: Pc,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    teacher = a.new_teacher()
    for _ in range(5):
        b.claim(teacher, WRONG)

    restarted = create_app(Settings(tmp_path / "data", sessions, blobs, clock=clock))
    with TestClient(restarted) as http:
        pc = Pc(http, b.device_id, b.token)
        assert pc.claim(teacher, PIN).status_code == 429


def test_a_new_pin_pushed_from_a_pc_is_the_one_claims_need(a: Pc, b: Pc) -> None:
    teacher = a.new_teacher()
    a.push([profile_updated(teacher, pin="9753")])

    assert b.claim(teacher, PIN).status_code == 403
    assert b.claim(teacher, "9753").status_code == 200


def test_claim_body_must_be_a_verifier(a: Pc, b: Pc) -> None:
    teacher = a.new_teacher()

    for body in ({}, {"pin_verifier": "1234"}, {"pin_verifier": "G" * 64}):
        response = b.http.post(f"/api/v1/teachers/{teacher}/claim", json=body, headers=b.auth)
        assert response.status_code == 422
