"""Builders the server's sync tests share: a clock the test moves, records made from the real
wire models, and enrolled PCs talking to the app in-process (imported as
``server_sync_helpers``).
"""

from __future__ import annotations

import gzip
import json
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from server.devices import add_school
from wire.sync import (
    PROFILE_CREATED,
    PROFILE_UPDATED,
    PullResult,
    PushResult,
    pin_verifier,
)

with warnings.catch_warnings():
    # Starlette 1.x asks for the httpx2 package; httpx, a dev dependency, works the same here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
AT = datetime(2026, 3, 1, 9, 15, 30, 250000)  # naive UTC, as devices send it
PIN = "2468"


@dataclass
class FakeClock:
    """The server's clock; it only moves when the test says so."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def new_id() -> str:
    return str(uuid.uuid4())


def record(
    teacher: str,
    *,
    kind: str = "video.watched",
    item: str = "ict-basics/intro",
    at: datetime = AT,
    data: str = '{"start":0.0,"end":10.0}',
    id: str | None = None,
) -> dict[str, Any]:
    """A record as a device pushes it (JSON-ready)."""
    return {
        "id": id or new_id(),
        "teacher": teacher,
        "kind": kind,
        "item": item,
        "at": at.isoformat(),
        "data": data,
    }


PROFILE = {
    "name": "王芳",
    "school": "城关镇中心小学",
    "gender": "female",
    "age_band": "30to39",
    "subject": "数学",
}


def profile_created(teacher: str, *, pin: str = PIN, **fields: str) -> dict[str, Any]:
    data = {**PROFILE, **fields, "pin_verifier": pin_verifier(teacher, pin)}
    return record(teacher, kind=PROFILE_CREATED, item="", data=json.dumps(data))


def profile_updated(teacher: str, *, pin: str | None = None, **fields: str) -> dict[str, Any]:
    data: dict[str, str] = dict(fields)
    if pin is not None:
        data["pin_verifier"] = pin_verifier(teacher, pin)
    return record(teacher, kind=PROFILE_UPDATED, item="", data=json.dumps(data))


def batch_json(records: list[dict[str, Any]], client_time: datetime | None = None) -> bytes:
    sent_at = client_time or T0.replace(tzinfo=None)
    return json.dumps({"client_time": sent_at.isoformat(), "records": records}).encode()


@dataclass
class Pc:
    """An enrolled device: its id and token, talking through the test client."""

    http: TestClient
    device_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push_response(
        self,
        records: list[dict[str, Any]],
        *,
        client_time: datetime | None = None,
        gzipped: bool = True,
    ) -> httpx.Response:
        body = batch_json(records, client_time)
        headers = dict(self.auth)
        if gzipped:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return self.http.post("/api/v1/sync/push", content=body, headers=headers)

    def push(self, records: list[dict[str, Any]], **kwargs: Any) -> PushResult:
        response = self.push_response(records, **kwargs)
        assert response.status_code == 200, response.text
        return PushResult.model_validate_json(response.content)

    def pull_response(self, cursors: dict[str, int], limit: int | None = None) -> httpx.Response:
        body: dict[str, Any] = {"cursors": cursors}
        if limit is not None:
            body["limit"] = limit
        return self.http.post("/api/v1/sync/pull", json=body, headers=self.auth)

    def pull(self, cursors: dict[str, int], limit: int | None = None) -> PullResult:
        response = self.pull_response(cursors, limit)
        assert response.status_code == 200, response.text
        return PullResult.model_validate_json(response.content)

    def claim(self, teacher: str, pin: str = PIN) -> httpx.Response:
        return self.http.post(
            f"/api/v1/teachers/{teacher}/claim",
            json={"pin_verifier": pin_verifier(teacher, pin)},
            headers=self.auth,
        )

    def new_teacher(self, **fields: str) -> str:
        """Creates a teacher on this PC (pushes its profile.created); returns its id."""
        teacher = new_id()
        assert self.push([profile_created(teacher, **fields)]).accepted == 1
        return teacher


@dataclass
class SyncServer:
    """The app in-process on a migrated database, with a clock the test moves."""

    http: TestClient
    sessions: sessionmaker[Session]
    clock: FakeClock
    codes: list[str] = field(default_factory=list)

    def school(self, name: str = "城关镇中心小学") -> str:
        """Adds a school; returns its enrollment code (normalized)."""
        with self.sessions() as session:
            code = add_school(session, name, self.clock()).code
        self.codes.append(code)
        return code

    def enroll(self, name: str = "教师办公室 PC-1", code: str | None = None) -> Pc:
        code = code or (self.codes[0] if self.codes else self.school())
        response = self.http.post(
            "/api/v1/devices/enroll", json={"code": code, "device_name": name}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Pc(self.http, body["device_id"], body["token"])
