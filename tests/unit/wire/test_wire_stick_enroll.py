"""Device credentials on a stick: written atomically, found in the pack folder, read without
trusting the stick, taken off it durably."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wire.pack import pack_root_for_writing
from wire.stick_enroll import (
    CREDENTIAL_FORMAT,
    EnrollProblem,
    StickCredential,
    StickEnrollError,
    find_credentials,
    read_credential,
    remove_credential,
    write_credential,
)


def credential(county: str = "demo", school: str = "石桥镇中心小学") -> StickCredential:
    return StickCredential(
        county=county,
        server_id="server-1",
        device_id=str(uuid.uuid4()),
        token="t" * 43,
        school=school,
        issued=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
    )


def test_a_credential_written_to_a_stick_is_found_in_its_pack_folder(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "photos").mkdir()  # a stick with other files: the pack goes in lamplight/
    issued = [credential(), credential()]
    for one in issued:
        write_credential(pack_root_for_writing(stick), one)
    assert (stick / "lamplight" / "enroll").is_dir()
    assert pack_root_for_writing(stick) == stick / "lamplight"  # the enroll folder marks it
    found, problems = find_credentials(stick, "demo")
    assert problems == []
    assert sorted(c.device_id for _, c in found) == sorted(c.device_id for c in issued)
    assert [p.name for p, _ in found] == sorted(p.name for p, _ in found)
    assert find_credentials(stick / "lamplight", "")[0] == found


def test_another_countys_credentials_are_not_offered(tmp_path: Path) -> None:
    write_credential(tmp_path, credential(county="other"))
    found, [problem] = find_credentials(tmp_path, "demo")
    assert found == []
    assert problem.problem == EnrollProblem.OTHER_COUNTY
    assert "'other'" in problem.detail


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not json", EnrollProblem.MALFORMED),
        (b"[1, 2]", EnrollProblem.MALFORMED),
        (json.dumps({"format": CREDENTIAL_FORMAT + 1}).encode(), EnrollProblem.NEWER_FORMAT),
        (json.dumps({"format": 1, "county": "demo"}).encode(), EnrollProblem.MALFORMED),
        (b"x" * 70_000, EnrollProblem.MALFORMED),
    ],
)
def test_a_damaged_file_is_reported_and_skipped(
    tmp_path: Path, content: bytes, problem: EnrollProblem
) -> None:
    good = credential()
    write_credential(tmp_path, good)
    bad = tmp_path / "enroll" / f"{uuid.uuid4()}.json"
    bad.write_bytes(content)
    found, [error] = find_credentials(tmp_path, "demo")
    assert [c.device_id for _, c in found] == [good.device_id]
    assert error.problem == problem


def test_a_file_named_for_another_device_is_refused(tmp_path: Path) -> None:
    path = write_credential(tmp_path, credential())
    other = path.with_name(f"{uuid.uuid4()}.json")
    path.rename(other)
    with pytest.raises(StickEnrollError, match="does not hold its own device"):
        read_credential(other)


def test_symlinks_and_other_names_are_ignored(tmp_path: Path) -> None:
    real = write_credential(tmp_path / "elsewhere", credential())
    enroll = tmp_path / "stick" / "enroll"
    enroll.mkdir(parents=True)
    (enroll / real.name).symlink_to(real)
    (enroll / "readme.txt").write_text("hello", encoding="utf-8")
    (enroll / f".{real.name}.abc.tmp").write_bytes(real.read_bytes())
    found, problems = find_credentials(tmp_path / "stick", "")
    assert found == []
    assert [p.problem for p in problems] == [EnrollProblem.MALFORMED]  # the symlink, refused


def test_a_taken_credential_is_gone_from_the_stick(tmp_path: Path) -> None:
    path = write_credential(tmp_path, credential())
    remove_credential(path)
    assert not path.exists()
    assert find_credentials(tmp_path, "") == ([], [])


@pytest.mark.skipif(os.name == "nt", reason="a read-only folder is a POSIX mode or a mount")
def test_a_read_only_stick_keeps_the_credential_and_says_so(tmp_path: Path) -> None:
    from wire.bundle import BundleWriteError

    stick = tmp_path / "stick"
    stick.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: a real read-only mount instead
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(stick)], check=True)
    try:
        path = write_credential(stick, credential())
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(stick)], check=True)
        else:
            path.parent.chmod(0o500)
        with pytest.raises(BundleWriteError):
            remove_credential(path)
        assert path.exists()
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(stick)], check=True)
        else:
            (stick / "enroll").chmod(0o700)
