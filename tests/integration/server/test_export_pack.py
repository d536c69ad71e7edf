"""``python -m server keys init`` + ``export-pack`` on a real data directory, on SQLite and on
PostgreSQL: a signed pack a PC can verify, top-ups that copy only what the stick lacks, damaged
blobs on the stick, and the refusals (unknown course, no key, another county, a full stick)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.cli import main
from tests.helpers.small_disk import small_disk
from wire.pack import (
    PackIndex,
    blob_relpath,
    parse_public_key,
    read_index,
    verify_course,
)
from wire.pack_writer import PackWriter

REPO = Path(__file__).resolve().parents[3]
DEMO_KEY = REPO / "assets" / "demo" / "demo-county-signing-key.pem"
DEMO_PUBLIC = parse_public_key("ed25519:Fqy9ST/yf+iGCuVoSA2QGhXzVCf9NAYSuwq1kAo8M2s=")


def cli(county: Any, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m server ...`` for the county's data, in a new process (output on pipes)."""
    env = dict(os.environ)
    env.pop("LAMPLIGHT_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "server", *argv, *_data_args(county)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def run(county: Any, *argv: str) -> int:
    """The same command in this process (faster; output through capsys)."""
    return main([*argv, *_data_args(county)])


def _data_args(county: Any) -> list[str]:
    return ["--data-dir", str(county.data_dir), "--database-url", county.database_url]


def blobs_on(pack: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (pack / "blobs").rglob("*") if p.is_file()}


def assert_pack_is_sound(pack: Path) -> PackIndex:
    """What an importing PC checks: every course verifies, every listed blob hashes right."""
    index = read_index(pack)
    for course in index.courses:
        verified = verify_course(pack, course.id, [DEMO_PUBLIC], "demo")
        assert verified.content.version == course.version
    for asset in index.assets:
        data = (pack / blob_relpath(asset.sha256)).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (asset.sha256, asset.size)
    return index


@pytest.fixture
def published(county: Any, write_course: Callable[..., Path]) -> Any:
    """Two courses published with the CLI (sharing a PDF) and the demo key imported."""
    a = write_course("course-a", "课程 A", video_size=300_000, seed=1)
    b = write_course("course-b", "课程 B", video_size=200_000, seed=2)
    done = cli(county, "publish", str(a), str(b))
    assert done.returncode == 0, done.stderr
    return county


def test_export_then_top_up_copies_only_what_the_stick_lacks(
    published: Any, tmp_path: Path
) -> None:
    county = published
    keys = cli(county, "keys", "init", "--county", "demo", "--from-pem", str(DEMO_KEY))
    assert keys.returncode == 0, keys.stderr
    assert keys.stdout.splitlines()[-1] == (
        'public_keys = ["ed25519:Fqy9ST/yf+iGCuVoSA2QGhXzVCf9NAYSuwq1kAo8M2s="]'
    )
    assert "signed 2 course version(s)" in keys.stdout
    pack = tmp_path / "stick" / "lamplight"

    first = cli(county, "export-pack", str(pack), "--course", "course-a")

    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("copying course-a (课程 A)")  # a plain line: not a terminal
    assert "files: 2 copied" in first.stdout
    index = assert_pack_is_sound(pack)
    assert [c.id for c in index.courses] == ["course-a"]
    assert set(blobs_on(pack)) == {a.sha256 for a in index.assets}
    video_a = max(index.assets, key=lambda a: a.size).sha256
    before = os.stat(pack / blob_relpath(video_a))

    top_up = cli(county, "export-pack", str(pack), "--all")

    assert top_up.returncode == 0, top_up.stderr
    # course-b's video is new; its PDF is course-a's; course-a's two files are there already.
    assert "1 course(s) new or updated, 1 already there" in top_up.stdout
    assert "files: 1 copied (0.2 MB), 3 already on the stick" in top_up.stdout
    after = os.stat(pack / blob_relpath(video_a))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    index = assert_pack_is_sound(pack)
    assert [c.id for c in index.courses] == ["course-a", "course-b"]
    assert len(blobs_on(pack)) == len(index.assets) == 3


def test_a_new_version_replaces_the_one_on_the_stick(
    published: Any, write_course: Callable[..., Path], tmp_path: Path
) -> None:
    county = published
    assert run(county, "keys", "init", "--county", "demo", "--from-pem", str(DEMO_KEY)) == 0
    pack = tmp_path / "pack"
    assert run(county, "export-pack", str(pack), "--all") == 0

    changed = write_course("course-a", "课程 A（修订）", video_size=300_000, seed=1)
    assert run(county, "publish", str(changed)) == 0
    assert run(county, "export-pack", str(pack), "--course", "course-a") == 0

    index = assert_pack_is_sound(pack)
    assert {(c.id, c.version, c.title) for c in index.courses} == {
        ("course-a", 2, "课程 A（修订）"),
        ("course-b", 1, "课程 B"),
    }


def test_damaged_blobs_on_the_stick_are_replaced_by_size_or_with_verify(
    published: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = published
    assert run(county, "keys", "init", "--county", "demo", "--from-pem", str(DEMO_KEY)) == 0
    pack = tmp_path / "pack"
    assert run(county, "export-pack", str(pack), "--all") == 0
    index = read_index(pack)
    videos = sorted((a for a in index.assets if a.size > 100_000), key=lambda a: a.size)
    cut, flipped = (pack / blob_relpath(v.sha256) for v in videos)
    cut.write_bytes(cut.read_bytes()[:1000])  # a copy cut short: the size tells
    data = bytearray(flipped.read_bytes())
    data[5000] ^= 0xFF  # one bad byte: the size does not tell
    flipped.write_bytes(bytes(data))
    capsys.readouterr()

    assert run(county, "export-pack", str(pack), "--all") == 0
    assert "files: 1 copied" in capsys.readouterr().out
    assert hashlib.sha256(cut.read_bytes()).hexdigest() == videos[0].sha256
    assert hashlib.sha256(flipped.read_bytes()).hexdigest() != videos[1].sha256

    assert run(county, "export-pack", str(pack), "--all", "--verify") == 0
    assert "files: 1 copied" in capsys.readouterr().out
    assert_pack_is_sound(pack)


def test_an_unknown_course_writes_nothing(
    published: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = published
    assert run(county, "keys", "init", "--county", "demo") == 0
    pack = tmp_path / "pack"

    status = run(county, "export-pack", str(pack), "--course", "course-a", "no-such-course")

    assert status == 2
    assert "'no-such-course'" in capsys.readouterr().err
    assert not pack.exists()


def test_without_a_signing_key_nothing_is_written(
    published: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack"

    assert run(published, "export-pack", str(pack), "--all") == 5

    assert "python -m server keys init" in capsys.readouterr().err
    assert not pack.exists()


def test_another_countys_stick_is_refused(
    published: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = published
    assert run(county, "keys", "init", "--county", "demo") == 0
    pack = tmp_path / "pack"
    PackWriter.open(pack, "other-county").finish()
    index_before = (pack / "lamplight-pack.json").read_bytes()

    assert run(county, "export-pack", str(pack), "--all") == 4

    assert "'other-county'" in capsys.readouterr().err
    assert (pack / "lamplight-pack.json").read_bytes() == index_before
    assert blobs_on(pack) == {}


def test_a_damaged_file_in_the_blob_store_fails_its_course_only(
    published: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = published
    assert run(county, "keys", "init", "--county", "demo") == 0
    probe = tmp_path / "probe"
    assert run(county, "export-pack", str(probe), "--course", "course-b") == 0
    video_b = max(read_index(probe).assets, key=lambda a: a.size).sha256
    stored = county.blobs.path(video_b)
    stored.write_bytes(b"\0" * stored.stat().st_size)
    capsys.readouterr()
    pack = tmp_path / "pack"

    assert run(county, "export-pack", str(pack), "--all") == 4

    out, err = capsys.readouterr()
    assert "not written: course-b" in out
    assert "publish them again" in err
    assert [c.id for c in read_index(pack).courses] == ["course-a"]
    assert video_b not in blobs_on(pack)


def test_a_stick_too_small_is_refused_with_how_much_is_needed(
    published: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = published
    assert run(county, "keys", "init", "--county", "demo") == 0
    with small_disk(tmp_path / "stick", "256k") as stick:
        assert run(county, "export-pack", str(stick / "lamplight"), "--all") == 4

        assert "more are needed" in capsys.readouterr().err
        assert blobs_on(stick / "lamplight") == {}
