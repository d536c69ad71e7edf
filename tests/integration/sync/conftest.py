"""A real county server on loopback for the sync engine, and course folders with real media.

The server is the real thing: ``python -m server publish`` then ``python -m server serve
--port 0`` in a subprocess, its address read from the line it prints. Its database is SQLite in
the test's directory (the server's own tests cover PostgreSQL). Helpers reach the tests as
fixtures, since a test module cannot import a conftest by name.
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import pytest
import requests

from app.storage.content import ContentStore
from app.storage.db import Database, open_database
from app.sync.client import ServerClient
from app.sync.transport import RequestsTransport
from tests.helpers.server_process import add_school

REPO = Path(__file__).resolve().parents[3]
LISTENING = "Lamplight server listening on "
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15
#: What publishing sniffs when ffmpeg is missing: an ``ftyp`` box at bytes 4..8.
MINIMAL_MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
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


def padded_mp4(mp4: bytes, size: int) -> bytes:
    """``mp4`` followed by a top-level ``free`` box of noise: still a valid mp4, ``size`` long.

    The noise differs on every call, so each padded video is a distinct asset.
    """
    pad = size - len(mp4)
    assert pad >= 8, "size must leave room for the free box header"
    return mp4 + struct.pack(">I", pad) + b"free" + os.urandom(pad - 8)


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real one-second mp4 made by ffmpeg, or a minimal ``ftyp`` file without it."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return MINIMAL_MP4
    out = tmp_path_factory.mktemp("media") / "tiny.mp4"
    subprocess.run(
        [
            *(ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi"),
            *("-i", "testsrc=size=64x48:rate=10", "-t", "1", "-pix_fmt", "yuv420p"),
            *("-c:v", "libx264", "-movflags", "+faststart", str(out)),
        ],
        check=True,
        timeout=120,
    )
    return out.read_bytes()


@dataclass(frozen=True)
class CourseFolder:
    path: Path
    course_id: str
    video: bytes
    document: bytes


@pytest.fixture
def make_course(tmp_path: Path, tiny_mp4: bytes) -> Callable[..., CourseFolder]:
    """``make_course(course_id, video_size=None)`` writes a course folder: a video and a PDF."""

    def make(course_id: str, video_size: int | None = None) -> CourseFolder:
        folder = tmp_path / "courses" / course_id
        (folder / "media").mkdir(parents=True)
        video = tiny_mp4 if video_size is None else padded_mp4(tiny_mp4, video_size)
        document = minimal_pdf()
        (folder / "media" / "intro.mp4").write_bytes(video)
        (folder / "media" / "notes.pdf").write_bytes(document)
        (folder / "course.toml").write_text(
            f'format = 1\nid = "{course_id}"\ntitle = "课程 {course_id}"\n\n'
            '[[lessons]]\nid = "l1"\ntitle = "第一课"\n\n'
            '[[lessons.items]]\nid = "intro"\nkind = "video"\ntitle = "介绍"\n'
            'file = "media/intro.mp4"\n\n'
            '[[lessons.items]]\nid = "notes"\nkind = "document"\ntitle = "讲义"\n'
            'file = "media/notes.pdf"\n',
            encoding="utf-8",
        )
        return CourseFolder(folder, course_id, video, document)

    return make


def _server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "server", *args]


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LAMPLIGHT_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


@dataclass
class RunningServer:
    """A ``python -m server serve`` process."""

    base_url: str
    process: subprocess.Popen[str]
    stderr_lines: list[str] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def stop(self, *, kill: bool = False) -> None:
        """Ends the process (SIGKILL when ``kill``: no graceful end of open responses)."""
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
        for thread in self._threads:
            thread.join(timeout=STOP_TIMEOUT_S)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def _drain(stream: IO[str], sink: Callable[[str], None], at_end: str | None = None) -> None:
    for line in stream:
        sink(line.rstrip("\n"))
    if at_end is not None:
        sink(at_end)


@dataclass
class County:
    """A server data directory; publishes folders and starts servers over it."""

    data_dir: Path
    database_url: str
    running: list[RunningServer] = field(default_factory=list)
    #: A device credential for the clients of these tests (one school, one enrolled device).
    token: str = ""

    def publish(self, *folders: CourseFolder) -> None:
        """``python -m server publish``."""
        command = _server_command("publish", *(str(f.path) for f in folders))
        command += ["--data-dir", str(self.data_dir), "--database-url", self.database_url]
        done = subprocess.run(
            command, cwd=REPO, env=_server_env(), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr

    def start(self) -> RunningServer:
        """``python -m server serve --port 0``; returns once it listens."""
        command = _server_command("serve", "--data-dir", str(self.data_dir), "--port", "0")
        command += ["--database-url", self.database_url]
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=_server_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert process.stdout is not None and process.stderr is not None
        server = RunningServer("", process)
        self.running.append(server)
        lines: queue.Queue[str] = queue.Queue()
        # Both pipes are read for the server's whole life, so its logs never block it.
        server._threads = [
            threading.Thread(target=_drain, args=(process.stdout, lines.put, "(exited)")),
            threading.Thread(target=_drain, args=(process.stderr, server.stderr_lines.append)),
        ]
        for thread in server._threads:
            thread.daemon = True
            thread.start()
        try:
            first = lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            pytest.fail(f"server did not start: {server.stderr_lines[-20:]}")
        if not first.startswith(LISTENING):
            server.stop()
            pytest.fail(f"server did not start: {first!r} {server.stderr_lines[-20:]}")
        server.base_url = first.removeprefix(LISTENING)
        if not self.token:
            code = add_school(self.data_dir, "石桥镇中心小学", self.database_url)
            answer = requests.post(
                f"{server.base_url}/api/v1/devices/enroll",
                json={"code": code, "device_name": "test-pc"},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            self.token = answer.json()["token"]
        return server

    def stop_all(self) -> None:
        for server in self.running:
            server.stop()


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    """A county server's data directory (SQLite); every server started is stopped after."""
    data_dir = tmp_path / "server-data"
    county = County(data_dir, f"sqlite:///{data_dir / 'server.sqlite3'}")
    yield county
    county.stop_all()


@pytest.fixture
def server_process(county: County) -> Callable[..., str]:
    """``server_process(*folders) -> base_url``: publishes the folders and starts the server."""

    def start(*folders: CourseFolder) -> str:
        if folders:
            county.publish(*folders)
        return county.start().base_url

    return start


@pytest.fixture
def connect(county: County) -> Iterator[Callable[[str], ServerClient]]:
    """``connect(base_url)``: a client over a real ``requests`` transport with the county's
    device credential, closed after."""
    clients: list[ServerClient] = []

    def make(base_url: str) -> ServerClient:
        client = ServerClient(base_url, RequestsTransport(), token=county.token, timeout=(5, 30))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@dataclass
class ClientData:
    """The client's side: its database, content store and partial-download folder."""

    db: Database
    content: ContentStore
    partial_dir: Path


@pytest.fixture
def client_data(tmp_path: Path) -> Iterator[ClientData]:
    root = tmp_path / "client-data"
    root.mkdir()
    db = open_database(root / "lamplight.sqlite3")
    yield ClientData(db, ContentStore(root / "content", db), root / "content" / "partial")
    db.close()


class _CorruptingProxy(BaseHTTPRequestHandler):
    """Forwards GETs to ``upstream``; flips one byte in the middle of every asset body."""

    upstream = ""

    def do_GET(self) -> None:
        forwarded = ("range", "if-range", "authorization")
        headers = {k: v for k, v in self.headers.items() if k.lower() in forwarded}
        answer = requests.get(self.upstream + self.path, headers=headers, timeout=30)
        body = bytearray(answer.content)
        if self.path.startswith("/api/v1/assets/") and body:
            body[len(body) // 2] ^= 0xFF
        self.send_response(answer.status_code)
        for name in ("Content-Type", "Content-Range", "ETag", "Accept-Ranges"):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def corrupting_proxy() -> Iterator[Callable[[str], str]]:
    """``corrupting_proxy(upstream_url) -> url``: a loopback HTTP proxy that corrupts assets."""
    servers: list[ThreadingHTTPServer] = []

    def start(upstream: str) -> str:
        handler = type("Proxy", (_CorruptingProxy,), {"upstream": upstream})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
