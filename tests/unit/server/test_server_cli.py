"""``python -m server publish``: what it prints, its exit status, and what it leaves behind."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from server.cli import main
from server.db import make_engine, make_sessionmaker
from server.models import CourseVersion


def _versions(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return session.scalar(select(func.count()).select_from(CourseVersion)) or 0
    finally:
        engine.dispose()


def test_publish_prints_what_it_did(
    kit: Any, tmp_path: Path, server_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--data-dir", str(tmp_path / "data"), "--database-url", server_db_url]
    first, second = kit.course("course-a"), kit.course("course-b")

    assert main(["publish", str(first), str(second), *args]) == 0
    assert main(["publish", str(first), *args]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "published course-a version 1 (2 items, 2 new files)",
        "published course-b version 1 (2 items, 0 new files)",
        "course-a unchanged (version 1)",
    ]
    assert _versions(server_db_url) == 2


def test_default_database_is_sqlite_in_the_data_dir(
    kit: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAMPLIGHT_DATABASE_URL", raising=False)
    data = tmp_path / "data"

    assert main(["publish", str(kit.course()), "--data-dir", str(data)]) == 0

    assert (data / "server.sqlite3").is_file()
    assert any((data / "blobs").iterdir())


def test_database_url_comes_from_the_environment(
    kit: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    monkeypatch.setenv("LAMPLIGHT_DATABASE_URL", url)

    assert main(["publish", str(kit.course()), "--data-dir", str(tmp_path / "data")]) == 0

    assert _versions(url) == 1
    assert not (tmp_path / "data" / "server.sqlite3").exists()


def test_invalid_folder_exits_2_naming_file_and_field_and_publishes_nothing(
    kit: Any, tmp_path: Path, server_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = kit.course("course-a"), kit.course("course-b")
    toml = bad / "course.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("format = 1", "format = 2"))

    status = main(
        [
            *("publish", str(good), str(bad), "--data-dir", str(tmp_path / "data")),
            *("--database-url", server_db_url),
        ]
    )

    assert status == 2
    err = capsys.readouterr().err
    assert (
        err == f"error: {toml}: format: unknown format version 2; this Lamplight reads format 1\n"
    )
    assert not (tmp_path / "data").exists()


def test_two_folders_with_one_course_id_exit_2(
    kit: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = kit.course("first", course_id="same")
    second = kit.course("second", course_id="same")

    status = main(["publish", str(first), str(second), "--data-dir", str(tmp_path / "data")])

    assert status == 2
    assert capsys.readouterr().err.startswith(f"error: {second / 'course.toml'}: id: 'same'")


def test_unreachable_database_exits_3_with_a_plain_message(
    kit: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            *("publish", str(kit.course()), "--data-dir", str(tmp_path / "data")),
            *("--database-url", "postgresql://postgres@127.0.0.1:1/lamplight"),
        ]
    )

    assert status == 3
    err = capsys.readouterr().err
    assert err.startswith("error: cannot open the database postgresql+psycopg://postgres@")
    assert err.count("\n") == 1


def test_serve_on_a_port_in_use_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["serve", "--data-dir", str(tmp_path / "data"), "--port", str(port)])

    assert status == 4
    assert capsys.readouterr().err.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")


def test_publish_removes_only_stale_partial_copies(kit: Any, tmp_path: Path) -> None:
    tmp = tmp_path / "data" / "blobs" / "tmp"
    tmp.mkdir(parents=True)
    stale, fresh = tmp / "crashed.part", tmp / "copying-now.part"
    stale.write_bytes(b"left by a power cut")
    fresh.write_bytes(b"another publish is writing this")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))

    assert main(["publish", str(kit.course()), "--data-dir", str(tmp_path / "data")]) == 0

    assert not stale.exists()
    assert fresh.exists()
