"""The embedded demo: a county server on loopback with the demo courses, and the app on it.

Everything lives under one demo folder (the per-user data dir ``Lamplight-demo`` unless
``--data-dir`` says otherwise): ``server/`` for the county server, ``client/`` for the app.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import platformdirs

from app.paths import DataPaths
from app.resources import DEMO_COURSES, asset

SERVER_START_TIMEOUT_S = 30


class DemoError(Exception):
    """The demo server could not be started."""


def demo_root(data_dir: str | None) -> Path:
    if data_dir:
        return Path(data_dir).expanduser().resolve()
    return Path(platformdirs.user_data_dir("Lamplight-demo", appauthor=False))


def publish_demo(server_dir: Path) -> None:
    courses = sorted(p for p in asset(*DEMO_COURSES).iterdir() if (p / "course.toml").is_file())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "publish",
            *map(str, courses),
            "--data-dir",
            str(server_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"publishing the demo courses failed:\n{result.stderr.strip()}")


def start_server(server_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """Starts ``python -m server serve`` on a free loopback port; returns it and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--data-dir", str(server_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "listening on" in line:
            return proc, line.rsplit(" ", 1)[-1].strip()
    proc.wait(timeout=SERVER_START_TIMEOUT_S)
    raise DemoError(f"the demo server stopped (exit code {proc.returncode})")


def run_demo(data_dir: str | None, language: str | None, reset: bool) -> int:
    root = demo_root(data_dir)
    if reset and root.exists():
        shutil.rmtree(root)
    server_dir = root / "server"
    server_dir.mkdir(parents=True, exist_ok=True)
    try:
        publish_demo(server_dir)
        server, url = start_server(server_dir)
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Demo county server at {url} (data in {root})", flush=True)
    try:
        from app.ui.run import run_gui

        return run_gui(DataPaths(root / "client").ensure(), url, language)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
