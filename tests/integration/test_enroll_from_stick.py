"""``python -m app enroll --from-stick DIR``: the one line (or JSON object) and the exit status
for each case -- enrolled, nothing for this county on the stick, a stick that cannot be
written, a PC enrolled already -- run through ``app.cli.main`` on a real data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cli import main
from app.paths import DataPaths
from app.storage import settings
from app.storage.db import open_database
from wire.stick_enroll import StickCredential, write_credential

SCHOOL = "石桥镇中心小学"


def credential(county: str = "demo", school: str = SCHOOL) -> StickCredential:
    return StickCredential(
        county=county,
        server_id="server-1",
        device_id=str(uuid.uuid4()),
        token=uuid.uuid4().hex * 2,
        school=school,
        issued=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "pc"


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


def enroll(data_dir: Path, *args: str) -> int:
    return main(["enroll", *args, "--data-dir", str(data_dir)])


def token(data_dir: Path) -> str:
    db = open_database(DataPaths(data_dir).database)
    try:
        with db.read_session() as session:
            return settings.get(session, settings.DEVICE_TOKEN)
    finally:
        db.close()


def test_the_pc_is_enrolled_from_the_stick_in_one_line(
    data_dir: Path, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_credential(stick / "lamplight", one := credential())
    assert enroll(data_dir, "--from-stick", str(stick)) == 0
    out = capsys.readouterr().out.strip()
    assert out == f"this PC is now enrolled for {SCHOOL} (from the USB stick)"
    assert token(data_dir) == one.token
    assert not list((stick / "lamplight" / "enroll").iterdir())


def test_json_says_the_school_and_the_device(
    data_dir: Path, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_credential(stick, one := credential())
    assert enroll(data_dir, "--from-stick", str(stick), "--json") == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["exit"] == 0
    assert (answer["school"], answer["device_id"]) == (SCHOOL, one.device_id)


def test_a_stick_with_only_another_countys_file_says_what_to_ask_for(
    data_dir: Path, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_credential(stick, credential(county="other"))
    assert enroll(data_dir, "--from-stick", str(stick)) == 8
    err = capsys.readouterr().err
    assert "no registration file on the stick" in err
    assert "ask the training coordinator" in err
    assert "issued by county 'other', not 'demo'" in err
    assert token(data_dir) == ""

    assert enroll(data_dir, "--from-stick", str(stick), "--json") == 8
    answer = json.loads(capsys.readouterr().out)
    assert answer["exit"] == 8 and len(answer["problems"]) == 1


def test_an_enrolled_pc_is_refused_and_the_stick_untouched(
    data_dir: Path, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_credential(stick, first := credential())
    assert enroll(data_dir, "--from-stick", str(stick)) == 0
    write_credential(stick, second := credential())
    assert enroll(data_dir, "--from-stick", str(stick), "--json") == 10
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "already enrolled" in answer["message"]
    assert token(data_dir) == first.token
    assert (stick / "enroll" / f"{second.device_id}.json").exists()


def test_several_schools_need_school_named(
    data_dir: Path, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_credential(stick, credential(school="城关小学"))
    write_credential(stick, ours := credential())
    assert enroll(data_dir, "--from-stick", str(stick)) == 2
    assert "--school NAME" in capsys.readouterr().err
    assert enroll(data_dir, "--from-stick", str(stick), "--school", SCHOOL) == 0
    assert token(data_dir) == ours.token


@pytest.fixture
def read_only_stick(stick: Path) -> Iterator[Path]:
    root = os.geteuid() == 0
    if root:  # root writes anywhere: a real read-only mount
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(stick)], check=True)
    try:
        path = write_credential(stick, credential())
        if root:
            subprocess.run(["mount", "-o", "remount,ro", str(stick)], check=True)
        else:
            path.parent.chmod(0o500)
        yield path
    finally:
        if root:
            subprocess.run(["umount", str(stick)], check=True)
        else:
            (stick / "enroll").chmod(0o700)


@pytest.mark.skipif(sys.platform == "win32", reason="a read-only folder is a POSIX mode or a mount")
def test_a_read_only_stick_stores_nothing(
    data_dir: Path, stick: Path, read_only_stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert enroll(data_dir, "--from-stick", str(stick)) == 9
    err = capsys.readouterr().err
    assert "nothing was stored" in err and "lock switch" in err
    assert token(data_dir) == ""
    assert read_only_stick.exists()


def test_bad_usage(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert enroll(data_dir, "--from-stick", str(tmp_path / "nowhere")) == 2
    assert "is not a folder" in capsys.readouterr().err
    for args in ([], ["--code", "ABCD-EFGH", "--from-stick", str(tmp_path)]):
        with pytest.raises(SystemExit) as usage:
            enroll(data_dir, *args)
        assert usage.value.code == 2
    assert enroll(data_dir, "--from-stick", str(tmp_path), "--name", "PC-2") == 2
    assert enroll(data_dir, "--code", "ABCD-EFGH", "--school", SCHOOL) == 2
