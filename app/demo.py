"""The embedded demo: a county server on loopback with the demo courses, and the app on it.

The demo server publishes the demo courses (``ict-basics`` ends with a quiz) and the survey of
teachers' information literacy as a form of its own. Everything lives under one demo folder
(the per-user data dir ``Lamplight-demo`` unless ``--data-dir`` says otherwise): ``server/``
for the county server, ``client/`` for the app.
The demo server gets one school, and the demo PC is enrolled in it on first start, so syncing
works at once; the school's code is kept in ``server/demo-enrollment-code.txt`` (enroll a second
demo PC with it: ``python -m app enroll --code CODE --server URL --data-dir D``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import platformdirs

from app.county import load_county
from app.paths import DataPaths
from app.resources import DEMO_COURSES, DEMO_SIGNING_KEY, asset

SERVER_START_TIMEOUT_S = 30
#: Forms the demo publishes on their own (the demo quiz is an item of ``ict-basics`` instead).
DEMO_STANDALONE_FORMS = (("demo", "forms", "teacher-info-literacy.xlsx"),)
DEMO_SCHOOL = "灯火演示学校"
CODE_FILE = "demo-enrollment-code.txt"


class DemoError(Exception):
    """The demo server could not be started."""


def demo_root(data_dir: str | None) -> Path:
    if data_dir:
        return Path(data_dir).expanduser().resolve()
    return Path(platformdirs.user_data_dir("Lamplight-demo", appauthor=False))


def demo_county_key(server_dir: Path) -> None:
    """Gives the demo server the demo county's signing key (public in ``assets/demo``: the
    source checkout's county profile trusts it), so the demo's courses and packs are signed."""
    if (server_dir / "keys" / "county-signing-key.pem").exists():
        return
    county = load_county()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "keys",
            "init",
            "--county",
            county.code or "demo",
            "--name",
            county.name,
            "--from-pem",
            str(asset(*DEMO_SIGNING_KEY)),
            "--data-dir",
            str(server_dir),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"giving the demo server its signing key failed:\n{result.stderr.strip()}")


def publish_demo(server_dir: Path) -> None:
    """Publishes the demo courses, then the demo survey on its own (``publish-form``)."""
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
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "publish-form",
            *(str(asset(*form)) for form in DEMO_STANDALONE_FORMS),
            "--data-dir",
            str(server_dir),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"publishing the demo survey failed:\n{result.stderr.strip()}")


def demo_school_code(server_dir: Path) -> str:
    """The demo school's enrollment code, adding the school on first use."""
    code_file = server_dir / CODE_FILE
    if code_file.is_file():
        return code_file.read_text(encoding="utf-8").strip()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "schools",
            "add",
            DEMO_SCHOOL,
            "--data-dir",
            str(server_dir),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    if result.returncode != 0 or not result.stdout.split():
        raise DemoError(f"adding the demo school failed:\n{result.stderr.strip()}")
    code = result.stdout.split()[-1]
    code_file.write_text(code + "\n", encoding="utf-8")
    return code


def enroll_demo_pc(paths: DataPaths, url: str, code: str) -> None:
    """Enrolls the demo PC with the demo server unless it already is."""
    from app.context import AppContext
    from app.sync.devices import device_state, enroll
    from app.sync.errors import SyncError

    context = AppContext.open(paths, url)
    try:
        if device_state(context.db).enrolled:
            return
        client = context.client()
        assert client is not None
        try:
            enroll(context.db, client, code)
        except SyncError as exc:
            raise DemoError(f"enrolling the demo PC failed: {exc}") from exc
    finally:
        context.close()


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
        demo_county_key(server_dir)
        publish_demo(server_dir)
        code = demo_school_code(server_dir)
        server, url = start_server(server_dir)
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Demo county server at {url} (data in {root}; school code {code})", flush=True)
    try:
        paths = DataPaths(root / "client").ensure()
        enroll_demo_pc(paths, url, code)
        from app.ui.run import run_gui

        return run_gui(paths, url, language)
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
