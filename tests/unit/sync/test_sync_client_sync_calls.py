"""The sync calls of the server client: credentials, gzip bodies, and the error each refusal
becomes."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from app.sync.client import ServerClient
from app.sync.errors import (
    BadResponseError,
    DeviceRevokedError,
    EnrollmentCodeError,
    NotEnrolledError,
    PinRejectedError,
    ServerError,
    TooManyAttemptsError,
)
from app.sync.transport import FakeRequest, FakeResponse, FakeTransport

URL = "http://county.test:8000"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
TEACHER = "3f0c9a4e-7d1b-4c55-9a51-1c2f6b8e0d42"


def _client(answer: FakeResponse, token: str = "t0k3n") -> tuple[ServerClient, FakeTransport]:
    transport = FakeTransport(lambda request: answer)
    return ServerClient(URL, transport, token=token), transport


def test_every_call_but_info_and_enroll_carries_the_credential() -> None:
    seen: list[FakeRequest] = []

    def handler(request: FakeRequest) -> FakeResponse:
        seen.append(request)
        if request.path.endswith("/info"):
            return FakeResponse(json={"name": "s", "version": "1", "time": NOW.isoformat()})
        if request.path.endswith("/catalog"):
            return FakeResponse(json={"courses": [], "cursor": 0, "has_more": False})
        if request.path.endswith("/pull"):
            return FakeResponse(json={"teachers": [], "server_time": NOW.isoformat()})
        return FakeResponse(json={"teachers": []})

    client = ServerClient(URL, FakeTransport(handler), token="secret")
    client.catalog_page(0)
    client.pull({TEACHER: 0})
    client.find_teachers("王")
    assert all(r.headers["Authorization"] == "Bearer secret" for r in seen)


def test_a_push_is_sent_gzip_compressed() -> None:
    result = {"accepted": 2, "duplicates": 0, "rejected": [], "server_time": NOW.isoformat()}
    client, transport = _client(FakeResponse(json=result))
    body = json.dumps({"client_time": "2026-11-21T08:00:00", "records": []}).encode()
    assert client.push(body).accepted == 2
    [request] = transport.requests
    assert request.method == "POST" and request.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(request.body) == body


def test_enroll_sends_the_code_normalized_and_no_credential() -> None:
    enrollment = {
        "device_id": TEACHER,
        "token": "new-token",
        "school": "石桥镇中心小学",
        "server_id": "s-1",
    }
    client, transport = _client(FakeResponse(json=enrollment), token="")
    assert client.enroll("ab3d-ef7h ", "PC-2").token == "new-token"
    [request] = transport.requests
    assert json.loads(request.body)["code"] == "AB3DEF7H"
    assert "Authorization" not in request.headers


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"detail": "unknown device", "code": "device_unknown"}, NotEnrolledError),
        (401, None, NotEnrolledError),
        (403, {"detail": "revoked", "code": "device_revoked"}, DeviceRevokedError),
        (403, {"detail": "no", "code": "enrollment_code_wrong"}, EnrollmentCodeError),
        (403, {"detail": "other", "code": "teacher_not_on_device"}, ServerError),
        (500, None, ServerError),
    ],
)
def test_refusals_become_errors_by_status_and_code(
    status: int, body: dict[str, str] | None, error: type[Exception]
) -> None:
    answer = FakeResponse(status, json=body) if body else FakeResponse(status, content=b"oops")
    client, _ = _client(answer)
    with pytest.raises(error):
        client.pull({TEACHER: 0})


def test_a_wrong_pin_says_how_many_tries_are_left() -> None:
    body = {"detail": "wrong PIN", "code": "pin_wrong", "attempts_left": 3}
    client, _ = _client(FakeResponse(403, json=body))
    with pytest.raises(PinRejectedError) as refused:
        client.claim_teacher(TEACHER, "a" * 64)
    assert refused.value.attempts_left == 3


def test_too_many_attempts_says_when_to_try_again() -> None:
    client, _ = _client(FakeResponse(429, json={"detail": "slow down", "code": "x"}))
    with pytest.raises(TooManyAttemptsError) as first:
        client.enroll("AAAA-BBBB", "PC")
    assert first.value.retry_after is None
    headers = {"Retry-After": "120"}
    client, _ = _client(FakeResponse(429, headers=headers, content=b"busy"))
    with pytest.raises(TooManyAttemptsError) as second:
        client.enroll("AAAA-BBBB", "PC")
    assert second.value.retry_after == 120


def test_a_captive_portal_page_is_a_bad_response() -> None:
    client, _ = _client(FakeResponse(content=b"<html>login</html>"))
    with pytest.raises(BadResponseError, match="not JSON"):
        client.pull({TEACHER: 0})
    client, _ = _client(FakeResponse(json={"teachers": "nope"}))
    with pytest.raises(BadResponseError, match="unexpected answer"):
        client.pull({TEACHER: 0})
