"""``python -m server publish|schools|devices``: what they print, their exit status, and what
they leave behind."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from server_sync_helpers import TestClient
from sqlalchemy import func, select

from server.app import Settings, create_app
from server.cli import main
from server.db import make_engine, make_sessionmaker
from server.models import CourseVersion
from wire.blobs import BlobStore


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


def _admin(args: list[str], data: Path, url: str) -> int:
    return main([*args, "--data-dir", str(data), "--database-url", url])


def test_schools_add_prints_the_code_and_list_shows_it(
    tmp_path: Path, server_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"

    assert _admin(["schools", "add", "城关镇中心小学"], data, server_db_url) == 0
    assert _admin(["schools", "add", "  二小  "], data, server_db_url) == 0
    added = capsys.readouterr().out.splitlines()
    assert _admin(["schools", "list"], data, server_db_url) == 0
    listed = capsys.readouterr().out.splitlines()

    codes = [line.split()[-1] for line in added]
    assert added == [
        f'school 1 "城关镇中心小学": enrollment code {codes[0]}',
        f'school 2 "二小": enrollment code {codes[1]}',
    ]
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    assert codes[0] != codes[1]
    assert listed == [
        "ID  CODE       PCS  NAME",
        f"1   {codes[0]}  0    城关镇中心小学",
        f"2   {codes[1]}  0    二小",
    ]


def test_new_code_replaces_the_old_one_and_enrolled_pcs_keep_working(
    tmp_path: Path, server_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _admin(["schools", "add", "一小"], data, server_db_url)
    old = capsys.readouterr().out.split()[-1]
    with _served(data, server_db_url) as http:
        token = _enroll(http, old).json()["token"]

        assert _admin(["schools", "new-code", "1"], data, server_db_url) == 0
        new = capsys.readouterr().out.split()[-1]

        assert new != old
        assert _enroll(http, old).status_code == 403
        assert _enroll(http, new).status_code == 200
        headers = {"Authorization": f"Bearer {token}"}
        assert http.get("/api/v1/catalog", headers=headers).status_code == 200


def test_devices_list_and_revoke(
    tmp_path: Path, server_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _admin(["schools", "add", "一小"], data, server_db_url)
    code = capsys.readouterr().out.split()[-1]
    with _served(data, server_db_url) as http:
        enrolled = _enroll(http, code, "教师办公室 PC-2").json()
        device_id = enrolled["device_id"]

        assert _admin(["devices", "list"], data, server_db_url) == 0
        listed = capsys.readouterr().out.splitlines()
        assert _admin(["devices", "revoke", device_id], data, server_db_url) == 0
        revoked = capsys.readouterr().out
        assert _admin(["devices", "revoke", device_id], data, server_db_url) == 0
        twice = capsys.readouterr().out
        assert _admin(["devices", "list"], data, server_db_url) == 0
        after = capsys.readouterr().out.splitlines()
        refused = http.get(
            "/api/v1/catalog", headers={"Authorization": f"Bearer {enrolled['token']}"}
        )

    assert listed[0].split() == ["ID", "SCHOOL", "ENROLLED", "LAST", "SEEN", "STATE", "NAME"]
    assert listed[1].startswith(device_id) and listed[1].endswith("active  教师办公室 PC-2")
    assert revoked == f'revoked device {device_id} "教师办公室 PC-2" of "一小"\n'
    assert twice.startswith("was already revoked: device ")
    assert " revoked 20" in after[1]
    assert refused.status_code == 403 and refused.json()["code"] == "device_revoked"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schools", "new-code", "7"], "error: no school with id 7\n"),
        (["devices", "revoke", "no-such-pc"], "error: no device with id no-such-pc\n"),
    ],
)
def test_unknown_school_or_device_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*args, "--data-dir", str(tmp_path / "data")]) == 2
    assert capsys.readouterr().err == message


@pytest.mark.parametrize(
    "args",
    [["schools", "add", "   "], ["schools", "add", "x" * 201], ["serve", "--workers", "0"]],
)
def test_bad_usage_exits_2(tmp_path: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--data-dir", str(tmp_path / "data")])

    assert exit_.value.code == 2
    assert not (tmp_path / "data").exists()


def test_empty_lists_say_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path / "data")]

    assert main(["schools", "list", *data]) == 0
    assert main(["devices", "list", *data]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "no schools yet: add one with `python -m server schools add NAME`",
        "no PCs enrolled yet",
    ]


@contextmanager
def _served(data: Path, url: str) -> Iterator[TestClient]:
    """The app in-process on the CLI's database."""
    engine = make_engine(url)
    try:
        app = create_app(Settings(data, make_sessionmaker(engine), BlobStore(data / "blobs")))
        with TestClient(app) as http:
            yield http
    finally:
        engine.dispose()


def _enroll(http: TestClient, code: str, name: str = "PC") -> Any:
    return http.post("/api/v1/devices/enroll", json={"code": code, "device_name": name})


def test_publish_computes_block_digests_of_large_files_ahead(kit: Any, tmp_path: Path) -> None:
    import hashlib

    from server.blocks import SIDECAR_DIR, BlockDigests
    from wire import blocks

    video = kit.mp4(seed=9) + os.urandom(blocks.BLOCK_SIZE * blocks.MIN_BLOCKS + 1)
    data = tmp_path / "data"
    assert main(["publish", str(kit.course(video=video)), "--data-dir", str(data)]) == 0
    sha = hashlib.sha256(video).hexdigest()
    sidecar = BlockDigests(BlobStore(data / "blobs"), data / SIDECAR_DIR).sidecar(sha)
    assert sidecar.is_file()
    assert blocks.decode(sidecar.read_bytes())[-1] == bytes.fromhex(sha)
