"""A real county server on loopback (``python -m server serve --port 0``) and course folders.

Helpers reach tests as fixtures: test modules cannot import a conftest by name.
"""

from __future__ import annotations

import os
import queue
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest

from server.db import make_engine, make_sessionmaker, migrate
from server.devices import add_school, enroll
from server.publish import PublishResult, publish_course
from wire.blobs import BlobStore

REPO = Path(__file__).resolve().parents[3]
LISTENING = "Lamplight server listening on "
START_TIMEOUT_S = 60
MP4_HEADER = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def fake_mp4(size: int, seed: int = 0) -> bytes:
    """Bytes starting with an mp4 ``ftyp`` box (all publishing checks), then noise."""
    return MP4_HEADER + random.Random(seed).randbytes(size - len(MP4_HEADER))


def _write_course(folder: Path, course_id: str, title: str, video: bytes) -> Path:
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "media" / "intro.mp4").write_bytes(video)
    (folder / "media" / "notes.pdf").write_bytes(PDF)
    (folder / "course.toml").write_text(
        f'format = 1\nid = "{course_id}"\ntitle = "{title}"\n\n'
        '[[lessons]]\nid = "l1"\ntitle = "第一课"\n\n'
        '[[lessons.items]]\nid = "intro"\nkind = "video"\ntitle = "介绍"\n'
        'file = "media/intro.mp4"\n\n'
        '[[lessons.items]]\nid = "notes"\nkind = "document"\ntitle = "讲义"\n'
        'file = "media/notes.pdf"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def write_course(tmp_path: Path) -> Callable[..., Path]:
    """Writes a course folder (a video and a PDF) named by the course id; returns it."""

    def write(course_id: str, title: str, *, video_size: int = 2048, seed: int = 0) -> Path:
        folder = tmp_path / "courses" / course_id
        return _write_course(folder, course_id, title, fake_mp4(video_size, seed))

    return write


@dataclass
class County:
    """One server's data: its directory, database URL and blob store; publishes in-process."""

    data_dir: Path
    database_url: str
    blobs: BlobStore = field(init=False)

    def __post_init__(self) -> None:
        self.blobs = BlobStore(self.data_dir / "blobs")
        self.blobs.ensure()
        self._engine = make_engine(self.database_url)
        migrate(self._engine)
        self._sessions = make_sessionmaker(self._engine)

    def publish(self, folder: Path) -> PublishResult:
        with self._sessions() as session:
            return publish_course(session, self.blobs, folder)

    def enroll(self, device_name: str = "教师办公室 PC-1") -> dict[str, str]:
        """Enrolls a device in-process (a new school each time); returns its auth header."""
        now = datetime.now(UTC)
        with self._sessions() as session:
            code = add_school(session, "城关镇中心小学", now).code
            token = enroll(session, code, device_name, "127.0.0.1", now).token
        return {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        self._engine.dispose()


@pytest.fixture
def county(tmp_path: Path, server_db_url: str) -> Iterator[County]:
    """An empty, migrated server data set on SQLite and on PostgreSQL."""
    county = County(tmp_path / "data", server_db_url)
    yield county
    county.close()


@dataclass
class RunningServer:
    base_url: str
    process: subprocess.Popen[str]
    stderr_lines: list[str]
    readers: list[threading.Thread] = field(default_factory=list)

    def stop(self) -> int:
        """Stops the server like a service manager would (SIGTERM); returns its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        for reader in self.readers:
            reader.join(timeout=15)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return self.process.returncode


def _drain(stream: IO[str], sink: Callable[[str], None], at_end: str | None = None) -> None:
    for line in stream:
        sink(line.rstrip("\n"))
    if at_end is not None:
        sink(at_end)


@pytest.fixture
def start_server() -> Iterator[Callable[..., RunningServer]]:
    """Starts ``python -m server serve --port 0 [options]`` for a county; stopped after the
    test."""
    running: list[RunningServer] = []

    def start(county: County, *options: str) -> RunningServer:
        env = dict(os.environ)
        env.pop("LAMPLIGHT_DATABASE_URL", None)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "server", "serve", "--data-dir", str(county.data_dir)]
        command += ["--port", "0", "--database-url", county.database_url, *options]
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert process.stdout is not None and process.stderr is not None
        lines: queue.Queue[str] = queue.Queue()
        stderr_lines: list[str] = []
        # Keep reading both pipes for the server's whole life, so its logs never block it.
        readers = [
            threading.Thread(target=_drain, args=(process.stdout, lines.put, "(exited)")),
            threading.Thread(target=_drain, args=(process.stderr, stderr_lines.append)),
        ]
        for reader in readers:
            reader.daemon = True
            reader.start()
        server = RunningServer("", process, stderr_lines, readers)
        running.append(server)
        try:
            first = lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            pytest.fail(f"server did not start: {stderr_lines[-20:]}")
        if not first.startswith(LISTENING):
            process.wait(timeout=15)  # stderr is complete once the process is gone
            pytest.fail(f"server did not start: {first!r} {stderr_lines[-20:]}")
        server.base_url = first.removeprefix(LISTENING)
        return server

    yield start
    for server in running:
        server.stop()
