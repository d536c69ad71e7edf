"""Devices issued for a stick (``server.devices.issue``), on SQLite and on PostgreSQL: tokens
kept only as their sha256, numbered names, "never seen" until the first request, the
refusals, and the withdrawal of credentials that never reached the stick."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from server_sync_helpers import T0, FakeClock, SyncServer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from server.devices import (
    ISSUE_MAX,
    NEVER_SEEN,
    add_school,
    issue,
    list_devices,
    list_schools,
    withdraw_issued,
)
from server.errors import NotFoundError
from server.models import Device

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _school(sessions: sessionmaker[Session], name: str = "石桥镇中心小学") -> int:
    with sessions() as session:
        return add_school(session, name, NOW).id


def _devices(sessions: sessionmaker[Session]) -> dict[str, Device]:
    with sessions() as session:
        return {d.id: d for d in session.scalars(select(Device))}


def test_issue_makes_devices_that_keep_only_the_tokens_sha256(
    sessions: sessionmaker[Session],
) -> None:
    school_id = _school(sessions)

    with sessions() as session:
        issued = issue(session, "石桥镇中心小学", 3, NOW)

    stored = _devices(sessions)
    assert sorted(stored) == sorted(d.device_id for d in issued)
    assert [d.name for d in issued] == ["U盘登记 1", "U盘登记 2", "U盘登记 3"]
    assert len({d.token for d in issued}) == 3
    for device in issued:
        row = stored[device.device_id]
        assert row.token_sha256 == hashlib.sha256(device.token.encode()).hexdigest()
        assert device.token not in repr({c.key: getattr(row, c.key) for c in Device.__table__.c})
        assert (row.school_id, row.enrolled_at, row.last_seen) == (school_id, NOW, NEVER_SEEN)
        assert row.revoked_at is None


def test_issued_devices_are_listed_as_never_seen_and_counted_for_their_school(
    sessions: sessionmaker[Session],
) -> None:
    _school(sessions)
    with sessions() as session:
        issue(session, "石桥镇中心小学", 2, NOW)
        listed = list_devices(session)
        schools = list_schools(session)

    assert [(d.last_seen, d.last_bundle, d.never_heard_from) for d in listed] == [
        (None, None, True),
        (None, None, True),
    ]
    assert schools[0].devices == 2


def test_a_school_is_found_by_its_exact_name_or_its_id(sessions: sessionmaker[Session]) -> None:
    _school(sessions, "一小")
    second = _school(sessions, "二小")

    with sessions() as session:
        by_id = issue(session, str(second), 1, NOW, name="办公室")
        by_name = issue(session, "二小", 1, NOW, name="办公室")

    stored = _devices(sessions)
    assert {stored[d.device_id].school_id for d in by_id + by_name} == {second}
    # Numbering goes on from the school's devices of that name.
    assert [d.name for d in by_id + by_name] == ["办公室 1", "办公室 2"]


@pytest.mark.parametrize("school", ["三小", "二", "99", ""])
def test_an_unknown_school_is_refused_saying_how_to_list_schools(
    sessions: sessionmaker[Session], school: str
) -> None:
    _school(sessions, "二小")

    with sessions() as session, pytest.raises(NotFoundError, match="schools list"):
        issue(session, school, 1, NOW)

    assert _devices(sessions) == {}


@pytest.mark.parametrize("count", [0, -1, ISSUE_MAX + 1])
def test_a_count_outside_1_to_200_is_refused(sessions: sessionmaker[Session], count: int) -> None:
    _school(sessions)

    with sessions() as session, pytest.raises(ValueError, match="1 to 200"):
        issue(session, "石桥镇中心小学", count, NOW)

    assert _devices(sessions) == {}


def test_two_hundred_go_in_one_transaction(sessions: sessionmaker[Session]) -> None:
    _school(sessions)

    with sessions() as session:
        issued = issue(session, "石桥镇中心小学", ISSUE_MAX, NOW)
        stored = session.scalar(select(func.count()).select_from(Device))

    assert len(issued) == stored == ISSUE_MAX
    assert issued[-1].name == f"U盘登记 {ISSUE_MAX}"


def test_withdrawing_deletes_only_unused_issued_devices(
    sync_server: SyncServer, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    sync_server.school("石桥镇中心小学")
    enrolled = sync_server.enroll()  # over the network: never withdrawn
    with sessions() as session:
        kept, used, unwritten = issue(session, "石桥镇中心小学", 3, T0)
    clock.advance(hours=1)
    headers = {"Authorization": f"Bearer {used.token}"}
    assert sync_server.http.get("/api/v1/catalog", headers=headers).status_code == 200

    with sessions() as session:
        gone = withdraw_issued(session, [used.device_id, unwritten.device_id, enrolled.device_id])

    assert gone == 1
    assert set(_devices(sessions)) == {enrolled.device_id, kept.device_id, used.device_id}


def test_the_first_request_of_an_issued_device_marks_it_seen(
    sync_server: SyncServer, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    sync_server.school("石桥镇中心小学")
    with sessions() as session:
        (device,) = issue(session, "石桥镇中心小学", 1, clock.now)
    clock.advance(seconds=5)  # well within the minute between two writes of last_seen

    response = sync_server.http.get(
        "/api/v1/catalog", headers={"Authorization": f"Bearer {device.token}"}
    )

    assert response.status_code == 200
    with sessions() as session:
        (listed,) = [d for d in list_devices(session) if d.id == device.device_id]
    assert (listed.last_seen, listed.never_heard_from) == (clock.now, False)
