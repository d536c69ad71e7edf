"""The sync engine's own decisions, against a scripted server: stage order, batch sizes that
follow the link, stopping early, refusing a server that does not move its cursor or that was
reinstalled. (Whole syncs against the real server are in tests/integration/sync_engine.)"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.storage import profiles, progress, settings
from app.storage.db import Database, open_database
from app.sync.client import ServerClient
from app.sync.engine import BATCH_MAX, BATCH_MIN, SyncEngine, next_batch_size
from app.sync.errors import BadResponseError, NotEnrolledError
from app.sync.transport import FakeRequest, FakeResponse, FakeTransport

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


class ScriptedServer:
    """Accepts every push, answers empty catalogs; pulls as the test says."""

    def __init__(self) -> None:
        self.pushed: list[dict[str, str]] = []
        self.batches: list[list[dict[str, str]]] = []
        self.paths: list[str] = []
        self.server_id = "server-1"
        self.pull_answer: dict[str, object] | None = None

    def handle(self, request: FakeRequest) -> FakeResponse:
        path = request.path.removeprefix("/api/v1")
        self.paths.append(path)
        if path == "/info":
            return FakeResponse(
                json={
                    "name": "s",
                    "version": "1",
                    "time": NOW.isoformat(),
                    "server_id": self.server_id,
                }
            )
        if path == "/sync/push":
            batch = json.loads(gzip.decompress(request.body))
            self.pushed.extend(batch["records"])
            self.batches.append(batch["records"])
            return FakeResponse(
                json={
                    "accepted": len(batch["records"]),
                    "duplicates": 0,
                    "rejected": [],
                    "server_time": NOW.isoformat(),
                }
            )
        if path == "/catalog":
            return FakeResponse(json={"courses": [], "cursor": 0, "has_more": False})
        if path == "/sync/pull":
            answer = self.pull_answer or {"teachers": [], "server_time": NOW.isoformat()}
            return FakeResponse(json=answer)
        return FakeResponse(404, json={"detail": "no"})


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "lamplight.sqlite3")
    with database.write() as session:
        settings.put(session, settings.DEVICE_TOKEN, "token")
        settings.put(session, settings.SERVER_ID, "server-1")
    yield database
    database.close()


@pytest.fixture
def server() -> ScriptedServer:
    return ScriptedServer()


def _client(server: ScriptedServer) -> ServerClient:
    return ServerClient("http://county.test", FakeTransport(server.handle))


def _teacher_with_events(db: Database, count: int) -> profiles.Teacher:
    with db.write() as session:
        teacher = profiles.create_profile(
            session,
            name="王老师",
            school="",
            gender="female",
            age_band="50plus",
            subject="",
            pin="2468",
        )
        for n in range(count):
            progress.record(
                session, teacher, "c/v", "video.watched", {"start": n, "end": n + 1, "duration": 99}
            )
    return teacher


def test_stages_run_in_order_and_the_outbox_empties(db: Database, server: ScriptedServer) -> None:
    _teacher_with_events(db, 120)
    report = SyncEngine(db, _client(server), batch_size=50).run()
    assert report.complete and report.stages == ["check", "push", "catalog", "pull", "done"]
    # The profile goes first on its own, then every record once more in order (the profile is
    # sent again in its place in the log: the server acknowledges it as a duplicate).
    assert server.pushed[0]["kind"] == "profile.created"
    kinds = [r["kind"] for r in server.pushed[1:]]
    assert kinds == ["profile.created"] + ["video.watched"] * 120
    pushes = [p for p in server.paths if p == "/sync/push"]
    assert len(pushes) == 1 + 3  # 121 records in batches of 50
    with db.read_session() as session:
        assert settings.get(session, settings.SYNC_STAGE) == "done"
        assert settings.get(session, settings.LAST_SYNC)


def test_nothing_is_sent_before_enrollment(tmp_path: Path, server: ScriptedServer) -> None:
    database = open_database(tmp_path / "x.sqlite3")
    try:
        with pytest.raises(NotEnrolledError):
            SyncEngine(database, _client(server)).run()
        assert server.paths == []
    finally:
        database.close()


def test_a_reinstalled_server_stops_the_sync_before_any_push(
    db: Database, server: ScriptedServer
) -> None:
    _teacher_with_events(db, 3)
    server.server_id = "server-2"
    with pytest.raises(NotEnrolledError, match="reinstalled"):
        SyncEngine(db, _client(server)).run()
    assert server.pushed == []


def test_a_stop_request_ends_between_batches_with_progress_kept(
    db: Database, server: ScriptedServer
) -> None:
    _teacher_with_events(db, 100)
    pushes = 0

    def stop() -> bool:
        return pushes >= 2

    def progress_seen(stage: str, done: int, total: int) -> None:
        nonlocal pushes
        pushes += 1

    report = SyncEngine(
        db, _client(server), batch_size=50, should_stop=stop, on_progress=progress_seen
    ).run()
    assert report.stopped and not report.complete and report.waiting > 0
    with db.read_session() as session:
        assert settings.get(session, settings.PUSH_CURSOR) > 0
    again = SyncEngine(db, _client(server), batch_size=50).run()
    assert again.complete and again.waiting == 0


def test_a_pull_cursor_that_does_not_move_is_refused(db: Database, server: ScriptedServer) -> None:
    teacher = _teacher_with_events(db, 0)
    SyncEngine(db, _client(server)).run()  # links the teacher
    server.pull_answer = {
        "teachers": [{"teacher": teacher.id, "records": [], "cursor": 0, "has_more": True}],
        "server_time": NOW.isoformat(),
    }
    with pytest.raises(BadResponseError, match="no cursor advanced"):
        SyncEngine(db, _client(server)).run()


def test_batch_sizes_follow_the_link() -> None:
    assert next_batch_size(1000, 0.2) == 2000
    assert next_batch_size(BATCH_MAX, 0.2) == BATCH_MAX
    assert next_batch_size(1000, 3.0) == 1000
    assert next_batch_size(1000, 20.0) == 500
    assert next_batch_size(BATCH_MIN, 20.0) == BATCH_MIN


def test_the_adapted_batch_size_is_remembered(db: Database, server: ScriptedServer) -> None:
    with db.write() as session:
        settings.put(session, settings.PUSH_BATCH, 60)
    _teacher_with_events(db, 200)
    SyncEngine(db, _client(server)).run()
    with db.read_session() as session:
        # Full batches answered quickly doubled it; the short last one changed nothing. (The
        # batch after the one in flight is read ahead, so it may still have the older size.)
        remembered = settings.get(session, settings.PUSH_BATCH)
    sizes = [len(p) for p in server.batches][1:]
    assert sum(sizes) == 201 and sizes[0] == 60
    assert sizes[:-1] == sorted(sizes[:-1]) and max(sizes) > 60
    assert remembered >= 2 * max(sizes[:-1])
