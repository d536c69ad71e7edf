"""Fixtures for the sync engine's unit tests: a real SQLite database per test and a fake server.

:class:`FakeCountyServer` answers ``/api/v1`` like the county server does (catalog paging,
assets with ``Range``/``If-Range``) through a :class:`FakeTransport`; tests bend it with
``override`` (answer something else for some requests) or ``ignore_range``.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.storage.content import ContentStore
from app.storage.db import Database, open_database
from app.sync.client import ServerClient
from app.sync.transport import FakeRequest, FakeResponse, FakeTransport
from wire.api import CatalogCourse, CatalogPage, ServerInfo

BASE_URL = "http://county.test:8000"
LOCAL_NOW = datetime(2024, 9, 1, 8, 0, 0)  # naive UTC, as the database keeps it


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media(seed: str, size: int) -> bytes:
    """Deterministic bytes that differ per seed."""
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


class FakeCountyServer:
    """The county server's API, in memory."""

    def __init__(self) -> None:
        self.courses: dict[str, CatalogCourse] = {}
        self.blobs: dict[str, bytes] = {}
        self.seq = 0
        self.time = datetime(2024, 9, 1, 8, 1, 30, tzinfo=UTC)  # LOCAL_NOW + 90 s
        self.ignore_range = False
        self.override: Callable[[FakeRequest], FakeResponse | None] | None = None
        self.transport = FakeTransport(self.handle)
        self.client = ServerClient(BASE_URL, self.transport)

    def publish(self, course_id: str, files: dict[str, bytes], title: str = "") -> CatalogCourse:
        """Publishes (or republishes) a course with one lesson holding one video per file."""
        self.seq += 1
        version = self.courses[course_id].version + 1 if course_id in self.courses else 1
        items = []
        for key, data in files.items():
            self.blobs[sha(data)] = data
            items.append(
                {
                    "id": key,
                    "kind": "video",
                    "title": f"{key} title",
                    "asset": {"sha256": sha(data), "size": len(data), "media_type": "video/mp4"},
                }
            )
        course = CatalogCourse.model_validate(
            {
                "id": course_id,
                "version": version,
                "seq": self.seq,
                "title": title or f"Course {course_id}",
                "description": "",
                "language": "zh-CN",
                "published_at": self.time,
                "lessons": [{"id": "l1", "title": "Lesson 1", "items": items}],
            }
        )
        self.courses[course_id] = course
        return course

    def catalog_requests(self) -> list[FakeRequest]:
        return [r for r in self.transport.requests if r.path == "/api/v1/catalog"]

    def asset_requests(self) -> list[FakeRequest]:
        return [r for r in self.transport.requests if r.path.startswith("/api/v1/assets/")]

    def handle(self, request: FakeRequest) -> FakeResponse:
        if self.override is not None:
            answer = self.override(request)
            if answer is not None:
                return answer
        if request.path == "/api/v1/info":
            info = ServerInfo(name="fake county", version="0", time=self.time)
            return FakeResponse(json=info.model_dump(mode="json"))
        if request.path == "/api/v1/catalog":
            return FakeResponse(json=self.page(request).model_dump(mode="json"))
        if request.path.startswith("/api/v1/assets/"):
            return self.asset(request)
        return FakeResponse(404, json={"detail": "not found"})

    def page(self, request: FakeRequest) -> CatalogPage:
        since, limit = int(request.params["since"]), int(request.params["limit"])
        changed = sorted((c for c in self.courses.values() if c.seq > since), key=lambda c: c.seq)
        page = changed[:limit]
        cursor = page[-1].seq if page else since
        return CatalogPage(courses=page, cursor=cursor, has_more=len(changed) > limit)

    def asset(self, request: FakeRequest) -> FakeResponse:
        digest = request.path.rsplit("/", 1)[1]
        data = self.blobs.get(digest)
        if data is None:
            return FakeResponse(404, json={"detail": f"no asset {digest}"})
        etag = f'"{digest}"'
        headers = {"ETag": etag, "Accept-Ranges": "bytes"}
        wanted = request.headers.get("Range")
        if_range = request.headers.get("If-Range")
        if wanted and not self.ignore_range and if_range in (None, etag):
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                return FakeResponse(416, headers={"Content-Range": f"bytes */{len(data)}"})
            body = data[start:]
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            headers["Content-Length"] = str(len(body))
            return FakeResponse(206, headers=headers, content=body)
        headers["Content-Length"] = str(len(data))
        return FakeResponse(200, headers=headers, content=data)


@pytest.fixture(scope="session")
def migrated_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database, copied for each test (migrating every time is slow)."""
    path = tmp_path_factory.mktemp("template") / "lamplight.sqlite3"
    open_database(path).close()
    return path


@pytest.fixture
def db(tmp_path: Path, migrated_db_file: Path) -> Iterator[Database]:
    path = tmp_path / "lamplight.sqlite3"
    shutil.copy(migrated_db_file, path)
    database = open_database(path)
    yield database
    database.close()


@pytest.fixture
def content(tmp_path: Path, db: Database) -> ContentStore:
    return ContentStore(tmp_path / "content", db)


@pytest.fixture
def partial_dir(tmp_path: Path) -> Path:
    return tmp_path / "content" / "partial"


@pytest.fixture
def server() -> FakeCountyServer:
    return FakeCountyServer()


def local_clock() -> datetime:
    return LOCAL_NOW


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return local_clock


def dump_database(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare a database before and after."""
    with db.engine.connect() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                text("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            )
        ]
        return {
            t: sorted((tuple(row) for row in conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
            for t in tables
        }


@pytest.fixture
def snapshot() -> Callable[[Database], dict[str, list[tuple[Any, ...]]]]:
    return dump_database


def store_files(content: ContentStore) -> list[Path]:
    """Files under the content store that are blobs (not partial downloads or temporaries)."""
    root = content.blobs.root
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in ("partial", "tmp")
    ]


@pytest.fixture
def blob_files() -> Callable[[ContentStore], list[Path]]:
    return store_files
