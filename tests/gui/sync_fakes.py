"""Fakes for the sync UI tests: a sync function that can be held and counted, and a county
server's enrollment and teacher endpoints on a :class:`FakeTransport`."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import settings
from app.storage.clock import utc_now
from app.sync.client import ServerClient
from app.sync.engine import SyncReport
from app.sync.errors import OfflineError
from app.sync.transport import FakeRequest, FakeResponse, FakeTransport
from wire.sync import normalize_enrollment_code, pin_verifier

CODE = "AB3D-EF7H"
SCHOOL = "城关镇中心小学"
PIN = "2468"


def dead_url() -> str:
    """A loopback address nobody listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def open_context(paths: DataPaths, url: str | None, *, enrolled: bool) -> AppContext:
    context = AppContext.open(paths, url)
    if enrolled:
        with context.db.write() as session:
            settings.put(session, settings.DEVICE_TOKEN, "device-token")
            settings.put(session, settings.DEVICE_SCHOOL, SCHOOL)
    return context


class FakeSync:
    """Stands in for ``sync_once``: counts calls and how many run at once, can be held at a
    gate, and returns (or raises) the queued outcomes, then complete reports. Like the real
    one, a complete sync records ``LAST_SYNC``."""

    def __init__(self) -> None:
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self.stop_seen: list[bool] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.outcomes: list[SyncReport | BaseException] = []
        self._lock = threading.Lock()

    def __call__(
        self,
        db: Any,
        client: ServerClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        should_stop: Callable[[], bool],
        on_progress: Callable[[str, int, int], None],
    ) -> SyncReport:
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            outcome = self.outcomes.pop(0) if self.outcomes else SyncReport(complete=True)
        try:
            self.entered.set()
            on_progress("push", 0, 0)
            self.gate.wait(20)
            self.stop_seen.append(should_stop())
            if isinstance(outcome, BaseException):
                raise outcome
            if outcome.complete:
                with db.write() as session:
                    settings.put(session, settings.LAST_SYNC, clock().isoformat())
            return outcome
        finally:
            with self._lock:
                self.active -= 1


def idle_client() -> ServerClient:
    """A client for fake syncs: any request it makes is a test failure."""

    def handler(request: FakeRequest) -> FakeResponse:
        raise AssertionError(f"unexpected request {request.url}")

    return ServerClient("http://county.test:8000", FakeTransport(handler), token="device-token")


class FakeCounty:
    """The county server's enrollment and teacher endpoints, in memory.

    ``teachers`` maps id -> (name, school, PIN). Wrong PINs count down from five; ``locked``
    makes every claim answer 429; ``offline`` makes every request fail to connect.
    """

    def __init__(self) -> None:
        self.code = normalize_enrollment_code(CODE)
        self.teachers: dict[str, tuple[str, str, str]] = {}
        self.attempts: dict[str, int] = {}
        self.offline = False
        self.locked = False
        self.transport = FakeTransport(self.handle)

    def add_teacher(self, name: str, school: str, pin: str = PIN) -> str:
        teacher_id = str(uuid.uuid4())
        self.teachers[teacher_id] = (name, school, pin)
        return teacher_id

    def client(self) -> ServerClient:
        return ServerClient("http://county.test:8000", self.transport, token="device-token")

    def requests_to(self, path: str) -> list[FakeRequest]:
        return [r for r in self.transport.requests if r.path == path]

    def handle(self, request: FakeRequest) -> FakeResponse:
        import json

        if self.offline:
            raise OfflineError("connection refused")
        path = request.path
        if path == "/api/v1/devices/enroll":
            body = json.loads(request.body)
            if body["code"] != self.code:
                return FakeResponse(
                    403, json={"detail": "unknown code", "code": "enrollment_code_wrong"}
                )
            return FakeResponse(
                json={
                    "device_id": str(uuid.uuid4()),
                    "token": "new-device-token",
                    "school": SCHOOL,
                    "server_id": "county-1",
                }
            )
        if path == "/api/v1/teachers":
            name = str(request.params["name"])
            found = [
                {"id": tid, "name": n, "school": s}
                for tid, (n, s, _pin) in self.teachers.items()
                if name in n
            ]
            return FakeResponse(json={"teachers": found[:20]})
        if path.startswith("/api/v1/teachers/") and path.endswith("/claim"):
            return self.claim(path.split("/")[-2], json.loads(request.body)["pin_verifier"])
        return FakeResponse(404, json={"detail": "not found"})

    def claim(self, teacher_id: str, verifier: str) -> FakeResponse:
        if self.locked:
            return FakeResponse(
                429,
                json={"detail": "locked", "code": "too_many_attempts", "retry_after": 900},
            )
        if teacher_id not in self.teachers:
            return FakeResponse(404, json={"detail": "no such teacher", "code": "teacher_unknown"})
        name, school, pin = self.teachers[teacher_id]
        if verifier != pin_verifier(teacher_id, pin):
            left = self.attempts.get(teacher_id, 5) - 1
            self.attempts[teacher_id] = left
            return FakeResponse(
                403, json={"detail": "wrong PIN", "code": "pin_wrong", "attempts_left": left}
            )
        return FakeResponse(
            json={
                "id": teacher_id,
                "seq": 7,
                "name": name,
                "school": school,
                "gender": "female",
                "age_band": "50plus",
                "subject": "语文",
            }
        )


def when_modal(qtbot: QtBot, kind: type[QDialog], act: Callable[[Any], None]) -> None:
    """Runs ``act(dialog)`` as soon as a visible modal ``kind`` is up (exec() and open() alike)."""

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            act(dialog)
        else:
            QTimer.singleShot(20, attempt)

    QTimer.singleShot(0, attempt)


def today_at(iso: str) -> str:
    """``today HH:MM`` for a naive-UTC ISO time that is today here."""
    moment = datetime.fromisoformat(iso).replace(tzinfo=UTC).astimezone()
    return moment.strftime("%H:%M")
