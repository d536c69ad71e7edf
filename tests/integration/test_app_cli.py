"""``python -m app`` as a user runs it: help, the real window process, the embedded demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from app.demo import demo_school_code, enroll_demo_pc, publish_demo, start_server
from app.paths import DataPaths
from app.storage import settings
from app.storage.db import open_database

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")


def run_app(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_commands() -> None:
    result = run_app("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout and "--data-dir" in result.stdout and "--server" in result.stdout


def test_the_app_starts_shows_its_window_and_exits_cleanly(tmp_path: Path) -> None:
    result = run_app("--data-dir", str(tmp_path / "data"), "--lang", "zh_CN", "--startup-probe")
    assert result.returncode == 0, result.stderr
    assert "startup-probe ready rows=0" in result.stdout
    assert (tmp_path / "data" / "lamplight.sqlite3").is_file()


def test_an_unusable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_app("--data-dir", str(blocker / "data"), "--startup-probe")
    assert result.returncode == 2
    assert "cannot use the data directory" in result.stderr


def test_the_demo_server_publishes_the_demo_courses_and_enrolls_the_demo_pc(
    tmp_path: Path,
) -> None:
    server_dir = tmp_path / "server"
    publish_demo(server_dir)
    publish_demo(server_dir)  # running the demo again changes nothing
    code = demo_school_code(server_dir)
    assert demo_school_code(server_dir) == code  # one demo school, kept
    server, url = start_server(server_dir)
    try:
        paths = DataPaths(tmp_path / "client").ensure()
        enroll_demo_pc(paths, url, code)
        enroll_demo_pc(paths, url, code)  # already enrolled: nothing happens
        database = open_database(paths.database)
        try:
            with database.read_session() as session:
                token = settings.get(session, settings.DEVICE_TOKEN)
                assert settings.get(session, settings.DEVICE_SCHOOL) == "灯火演示学校"
        finally:
            database.close()
        page = requests.get(
            f"{url}/api/v1/catalog", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        courses = {c["id"]: c for c in page["courses"]}
        assert set(courses) == {
            "ict-basics",
            "online-teaching",
            "classroom-safety",
            "teacher-info-literacy",  # the demo survey, published on its own
        }
        assert all(len(c["lessons"]) >= 1 for c in page["courses"])
        kinds = [i["kind"] for c in courses.values() for les in c["lessons"] for i in les["items"]]
        assert kinds.count("quiz") == 1 and kinds.count("questionnaire") == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stdout is not None
        server.stdout.close()
