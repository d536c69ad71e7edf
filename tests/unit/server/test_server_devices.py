"""Devices: enrollment with a school's code, the bearer token on every route, revocation,
and the limit on wrong codes (on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from server_sync_helpers import PIN, FakeClock, SyncServer, TestClient, record
from sqlalchemy.orm import Session, sessionmaker

from server.app import Settings, create_app
from server.devices import format_code, list_devices, list_schools, revoke_device
from server.models import Device
from wire.api import ErrorBody
from wire.blobs import BlobStore
from wire.sync import Enrollment, pin_verifier

ENROLL = "/api/v1/devices/enroll"


def _enroll(http: TestClient, code: str, name: str = "PC-2") -> Any:
    return http.post(ENROLL, json={"code": code, "device_name": name})


def _device(sessions: sessionmaker[Session], device_id: str) -> Device:
    with sessions() as session:
        device = session.get(Device, device_id)
        assert device is not None
        return device


@pytest.mark.parametrize("spelling", ["as shown", "lower case", "spaces"])
def test_enrollment_code_is_read_however_it_is_typed(
    sync_server: SyncServer, sessions: sessionmaker[Session], spelling: str
) -> None:
    code = sync_server.school("城关镇中心小学")
    typed = {
        "as shown": format_code(code),
        "lower case": format_code(code).lower(),
        "spaces": f" {code[:4]} {code[4:]} ",
    }[spelling]

    response = _enroll(sync_server.http, typed, "教师办公室 PC-2")

    assert response.status_code == 200
    enrollment = Enrollment.model_validate_json(response.content)
    assert enrollment.school == "城关镇中心小学"
    assert enrollment.server_id == sync_server.http.get("/api/v1/info").json()["server_id"]
    device = _device(sessions, enrollment.device_id)
    assert device.name == "教师办公室 PC-2"
    # Only the token's sha256 is kept.
    assert device.token_sha256 == hashlib.sha256(enrollment.token.encode()).hexdigest()
    assert enrollment.token not in repr(
        {c.name: getattr(device, c.key) for c in Device.__mapper__.columns}
    )


def test_each_enrollment_is_a_new_device_with_its_own_token(sync_server: SyncServer) -> None:
    first, second = sync_server.enroll("PC-1"), sync_server.enroll("PC-1")

    assert first.device_id != second.device_id and first.token != second.token
    for pc in (first, second):
        assert pc.http.get("/api/v1/catalog", headers=pc.auth).status_code == 200


def test_wrong_code_is_403_enrollment_code_wrong(sync_server: SyncServer) -> None:
    code = sync_server.school()
    wrong = ("A" if code[0] != "A" else "B") + code[1:]

    response = _enroll(sync_server.http, wrong)

    assert response.status_code == 403
    body = ErrorBody.model_validate_json(response.content)
    assert body.code == "enrollment_code_wrong"


def test_more_than_ten_wrong_codes_from_one_address_wait_ten_minutes(
    sync_server: SyncServer, clock: FakeClock
) -> None:
    code = sync_server.school()
    http = sync_server.http

    statuses = [_enroll(http, "WRONG-CODE").status_code for _ in range(10)]
    locked = _enroll(http, code)  # even the right code waits now
    clock.advance(minutes=9, seconds=59)
    still = _enroll(http, code)
    clock.advance(seconds=1)
    after = _enroll(http, code)

    assert statuses == [403] * 10
    assert locked.status_code == 429
    body = ErrorBody.model_validate_json(locked.content)
    assert body.code == "too_many_attempts" and body.retry_after == 600
    assert locked.headers["retry-after"] == "600"
    assert still.status_code == 429 and still.json()["retry_after"] == 1
    assert after.status_code == 200


def test_wrong_codes_are_counted_in_the_database_across_restarts(
    sync_server: SyncServer,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    code = sync_server.school()
    for _ in range(10):
        _enroll(sync_server.http, "WRONG-CODE")

    # Another server process on the same database (a restart, or a second worker).
    restarted = create_app(Settings(tmp_path / "data", sessions, blobs, clock=clock))
    with TestClient(restarted) as http:
        assert _enroll(http, code).status_code == 429


def test_wrong_codes_within_the_window_only_are_counted(
    sync_server: SyncServer, clock: FakeClock
) -> None:
    code = sync_server.school()
    for _ in range(9):
        _enroll(sync_server.http, "WRONG-CODE")
    clock.advance(minutes=10)  # the window of the first nine is over

    for _ in range(9):
        assert _enroll(sync_server.http, "WRONG-CODE").status_code == 403

    assert _enroll(sync_server.http, code).status_code == 200


def _protected_routes(teacher: str) -> list[tuple[str, str, dict[str, Any]]]:
    batch = {"client_time": "2026-03-02T08:30:00", "records": [record(teacher)]}
    claim = {"pin_verifier": pin_verifier(teacher, PIN)}
    return [
        ("GET", "/api/v1/catalog", {}),
        ("GET", f"/api/v1/assets/{'0' * 64}", {}),
        ("HEAD", f"/api/v1/assets/{'0' * 64}", {}),
        ("POST", "/api/v1/sync/push", {"json": batch}),
        ("POST", "/api/v1/sync/pull", {"json": {"cursors": {teacher: 0}}}),
        ("GET", "/api/v1/teachers?name=王", {}),
        ("POST", f"/api/v1/teachers/{teacher}/claim", {"json": claim}),
    ]


@pytest.mark.parametrize("route", range(7))
def test_every_route_but_info_and_enroll_needs_a_known_device(
    sync_server: SyncServer, sessions: sessionmaker[Session], clock: FakeClock, route: int
) -> None:
    pc = sync_server.enroll()
    teacher = pc.new_teacher()
    method, path, kwargs = _protected_routes(teacher)[route]
    http = sync_server.http

    missing = http.request(method, path, **kwargs)
    unknown = http.request(method, path, headers={"Authorization": "Bearer forged"}, **kwargs)
    basic = {"Authorization": f"Basic {pc.token}"}
    not_bearer = http.request(method, path, headers=basic, **kwargs)
    allowed = http.request(method, path, headers=pc.auth, **kwargs)
    with sessions() as session:
        revoke_device(session, pc.device_id, clock())
    revoked = http.request(method, path, headers=pc.auth, **kwargs)

    for response in (missing, unknown, not_bearer):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        if method != "HEAD":
            assert ErrorBody.model_validate_json(response.content).code == "device_unknown"
    assert allowed.status_code not in (401, 403), allowed.text
    assert revoked.status_code == 403
    if method != "HEAD":
        assert ErrorBody.model_validate_json(revoked.content).code == "device_revoked"


def test_info_and_enroll_need_no_token(sync_server: SyncServer) -> None:
    code = sync_server.school()

    assert sync_server.http.get("/api/v1/info").status_code == 200
    assert _enroll(sync_server.http, code).status_code == 200


def test_a_revoked_pc_may_enroll_again_as_a_new_device(
    sync_server: SyncServer, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    pc = sync_server.enroll()
    with sessions() as session:
        revoke_device(session, pc.device_id, clock())

    again = sync_server.enroll()

    assert again.device_id != pc.device_id
    assert sync_server.http.get("/api/v1/catalog", headers=again.auth).status_code == 200


def test_last_seen_is_written_at_most_once_a_minute(
    sync_server: SyncServer, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    pc = sync_server.enroll()
    enrolled = _device(sessions, pc.device_id).last_seen

    clock.advance(seconds=59)
    sync_server.http.get("/api/v1/catalog", headers=pc.auth)
    within = _device(sessions, pc.device_id).last_seen
    clock.advance(seconds=1)
    sync_server.http.get("/api/v1/catalog", headers=pc.auth)
    after = _device(sessions, pc.device_id).last_seen

    assert within == enrolled
    assert after == clock.now


def test_enrollment_needs_a_code_and_a_name(sync_server: SyncServer) -> None:
    code = sync_server.school()

    for body in ({"code": code}, {"device_name": "PC"}, {"code": code, "device_name": ""}):
        response = sync_server.http.post(ENROLL, json=body)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid"


def test_devices_are_listed_with_their_school(
    sync_server: SyncServer, sessions: sessionmaker[Session]
) -> None:
    first = sync_server.school("一小")
    second = sync_server.school("二小")
    a = sync_server.enroll("PC-A", first)
    b = sync_server.enroll("PC-B", second)
    sync_server.enroll("PC-C", second)

    with sessions() as session:
        devices = {d.id: d for d in list_devices(session)}
        schools = list_schools(session)

    assert (devices[a.device_id].school, devices[a.device_id].name) == ("一小", "PC-A")
    assert devices[b.device_id].school == "二小"
    assert [(s.name, s.code, s.devices) for s in schools] == [
        ("一小", first, 1),
        ("二小", second, 2),
    ]
