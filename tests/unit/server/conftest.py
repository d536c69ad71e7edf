"""Fixtures for the server's unit tests: small course folders and a migrated database.

Helpers reach tests as fixtures (``kit``, ``counts``): test modules cannot import a conftest by
name, since every test folder has one.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from server_sync_helpers import FakeClock, SyncServer, TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from server.app import Settings, create_app
from server.db import make_engine, make_sessionmaker, migrate
from server.models import Asset, Course, CourseVersion
from wire.blobs import BlobStore

MP4_HEADER = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def fake_mp4(size: int = 4096, seed: int = 0) -> bytes:
    """Bytes that start with an mp4 ``ftyp`` box (all publishing looks at), then noise."""
    noise = random.Random(seed).randbytes(max(size - len(MP4_HEADER), 0))
    return MP4_HEADER + noise


def minimal_pdf(text: str = "Lamplight") -> bytes:
    """A small, valid one-page PDF."""
    content = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def write_course(
    folder: Path,
    course_id: str = "ict-basics",
    title: str = "信息技术基础",
    *,
    video: bytes | None = None,
    pdf: bytes | None = None,
) -> Path:
    """A valid course folder: one lesson with a video and a PDF."""
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "intro.mp4").write_bytes(fake_mp4() if video is None else video)
    (media / "notes.pdf").write_bytes(minimal_pdf() if pdf is None else pdf)
    (folder / "course.toml").write_text(
        f"""format = 1
id = "{course_id}"
title = "{title}"
description = "给乡村教师的课程"
language = "zh-CN"

[[lessons]]
id = "l1"
title = "第一课"

  [[lessons.items]]
  id = "intro"
  kind = "video"
  title = "课程介绍"
  file = "media/intro.mp4"

  [[lessons.items]]
  id = "notes"
  kind = "document"
  title = "讲义"
  file = "media/notes.pdf"
""",
        encoding="utf-8",
    )
    return folder


@dataclass
class CourseKit:
    """Makes course folders under one directory."""

    root: Path

    mp4 = staticmethod(fake_mp4)
    pdf = staticmethod(minimal_pdf)

    def course(
        self,
        name: str = "ict-basics",
        *,
        course_id: str | None = None,
        title: str = "信息技术基础",
        video: bytes | None = None,
        pdf: bytes | None = None,
    ) -> Path:
        return write_course(self.root / name, course_id or name, title, video=video, pdf=pdf)


@pytest.fixture
def kit(tmp_path: Path) -> CourseKit:
    return CourseKit(tmp_path / "courses")


@dataclass
class Counts:
    courses: int
    versions: int
    assets: int
    blobs: int


@pytest.fixture
def engine(server_db_url: str) -> Iterator[Engine]:
    """A migrated server database on SQLite and on PostgreSQL."""
    engine = make_engine(server_db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    store = BlobStore(tmp_path / "data" / "blobs")
    store.ensure()
    return store


@pytest.fixture
def counts(sessions: sessionmaker[Session], blobs: BlobStore) -> Callable[[], Counts]:
    """Counts rows in each table and files in the blob store (outside ``tmp``)."""
    return lambda: _count_everything(sessions, blobs)


def _count_everything(sessions: sessionmaker[Session], blobs: BlobStore) -> Counts:
    with sessions() as session:
        courses, versions, assets = (
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Course, CourseVersion, Asset)
        )
    files = sum(
        len(names)
        for root, _, names in os.walk(blobs.root)
        if Path(root) != blobs.tmp and not Path(root).is_relative_to(blobs.tmp)
    )
    return Counts(courses, versions, assets, files)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sync_server(
    tmp_path: Path, sessions: sessionmaker[Session], blobs: BlobStore, clock: FakeClock
) -> Iterator[SyncServer]:
    """The app in-process over the migrated database (both engines), on a fake clock."""
    app = create_app(Settings(tmp_path / "data", sessions, blobs, clock=clock))
    with TestClient(app) as http:
        yield SyncServer(http, sessions, clock)
