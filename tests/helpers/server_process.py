"""A real county server in a subprocess on loopback, for integration and GUI tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_COURSES = REPO / "assets" / "demo" / "courses"
START_TIMEOUT_S = 60


@dataclass
class ServerProcess:
    proc: subprocess.Popen[str]
    url: str
    data_dir: Path

    @property
    def log(self) -> str:
        """What the server wrote to stderr so far."""
        return (self.data_dir / "server-stderr.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def add_school(data_dir: Path, name: str, database_url: str | None = None) -> str:
    """Adds a school with ``python -m server schools add``; returns its enrollment code
    (``XXXX-XXXX``, the last word the command prints)."""
    cmd = [sys.executable, "-m", "server", "schools", "add", name, "--data-dir", str(data_dir)]
    if database_url:
        cmd += ["--database-url", database_url]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # the school's name is printed too
    result = subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=env, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"schools add failed: {result.stderr}")
    return result.stdout.split()[-1]


def publish(data_dir: Path, courses: Sequence[Path], database_url: str | None = None) -> None:
    cmd = [
        sys.executable,
        "-m",
        "server",
        "publish",
        *map(str, courses),
        "--data-dir",
        str(data_dir),
    ]
    if database_url:
        cmd += ["--database-url", database_url]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"publish failed: {result.stderr}")


@contextmanager
def running_server(data_dir: Path, database_url: str | None = None) -> Iterator[ServerProcess]:
    """Starts ``python -m server serve --port 0`` and yields it once it listens."""
    cmd = [sys.executable, "-m", "server", "serve", "--data-dir", str(data_dir), "--port", "0"]
    if database_url:
        cmd += ["--database-url", database_url]
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "server-stderr.log").open("w") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=REPO)
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "listening on" in line and not found:
                found.append(line.rsplit(" ", 1)[-1].strip())
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(START_TIMEOUT_S)
    server = ServerProcess(proc, found[0] if found else "", data_dir)
    if not found:
        server.stop()
        raise RuntimeError(f"server did not start: {server.log}")
    try:
        yield server
    finally:
        server.stop()
