"""Staging a county's assets for a build: the profile the build carries reads back the same,
and a starter pack a school PC would refuse stops the build before anything is built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.county import load_county
from installer.stage import ProfileError, check_starter_pack, stage
from tests.helpers.packs import blob_path, make_pack, seeded_bytes
from wire.pack import INDEX_FILE, key_id, new_signing_key, public_key_text

REPO = Path(__file__).resolve().parents[2]
DEMO_PROFILE = REPO / "counties" / "demo.toml"


def _profile(tmp_path: Path, extra: str = "") -> Path:
    """The demo county's profile with its logo, in a folder of its own, plus ``extra``."""
    folder = tmp_path / "counties"
    folder.mkdir()
    shutil.copy(REPO / "counties" / "demo-logo.svg", folder)
    text = DEMO_PROFILE.read_text(encoding="utf-8")
    text = text.replace('window = ""            # downloads at any hour', 'window = "18:00-07:00"')
    text = text.replace('max_rate = ""          # no bandwidth cap', 'max_rate = "2 Mbit/s"')
    (folder / "demo.toml").write_text(text + extra, encoding="utf-8")
    return folder / "demo.toml"


def test_the_staged_profile_reads_back_as_the_countys(tmp_path: Path) -> None:
    original = load_county(_profile(tmp_path))
    pack = tmp_path / "pack"
    make_pack(pack, [("ict-basics", [seeded_bytes("video", 3000), seeded_bytes("pdf", 500)])])

    staged = stage(original, pack, tmp_path / "stage")

    read = load_county(staged.folder / "county.toml")
    assert (read.code, read.name, read.server_url) == (
        original.code,
        original.name,
        original.server_url,
    )
    assert [key_id(k) for k in read.signing_keys] == [key_id(k) for k in original.signing_keys]
    assert dict(read.display_names) == dict(original.display_names)
    assert read.language == original.language == "zh_CN"
    assert read.downloads == original.downloads
    assert str(read.downloads.window) == "18:00-07:00"
    assert read.logo == staged.folder / "county-logo.svg"
    assert read.logo.read_bytes() == (tmp_path / "counties" / "demo-logo.svg").read_bytes()
    assert read.starter_pack == staged.folder / "starter-pack"
    assert (read.starter_pack / INDEX_FILE).read_bytes() == (pack / INDEX_FILE).read_bytes()
    assert (staged.starter_courses, staged.starter_bytes) == (1, 3500)


def test_a_build_without_logo_or_pack_stages_only_the_profile(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    bare = type(profile)(
        code=profile.code,
        name=profile.name,
        server_url=profile.server_url,
        signing_keys=profile.signing_keys,
        display_names=profile.display_names,
    )
    staged = stage(bare, None, tmp_path / "stage")
    assert sorted(p.name for p in staged.folder.iterdir()) == ["county.toml"]
    assert staged.profile.logo is None and staged.profile.starter_pack is None


def test_staging_again_leaves_nothing_of_the_previous_build(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    pack = tmp_path / "pack"
    make_pack(pack, [("ict-basics", [seeded_bytes("video", 100)])])
    stage(profile, pack, tmp_path / "stage")
    staged = stage(profile, None, tmp_path / "stage")
    assert not (staged.folder / "starter-pack").exists()


def test_a_pack_on_a_stick_folder_is_found_inside_it(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    make_pack(tmp_path / "stick" / "lamplight", [("ict-basics", [seeded_bytes("v", 100)])])
    assert check_starter_pack(tmp_path / "stick", profile) == (1, 100)


def test_a_folder_that_is_no_pack_is_refused(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProfileError, match="is not a course pack"):
        check_starter_pack(tmp_path / "empty", profile)


def test_a_pack_signed_by_another_county_key_is_refused(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    make_pack(tmp_path / "pack", [("ict-basics", [seeded_bytes("v", 100)])], new_signing_key())
    with pytest.raises(ProfileError, match=r"would refuse \(ict-basics: .*\).*export-pack"):
        check_starter_pack(tmp_path / "pack", profile)


def test_a_pack_with_a_damaged_file_is_refused(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    video = seeded_bytes("video", 5000)
    make_pack(tmp_path / "pack", [("ict-basics", [video])])
    damaged = blob_path(tmp_path / "pack", video)
    data = bytearray(damaged.read_bytes())
    data[100] ^= 1
    damaged.write_bytes(bytes(data))
    with pytest.raises(ProfileError, match="damaged courses \\(ict-basics: "):
        check_starter_pack(tmp_path / "pack", profile)


def test_a_pack_for_another_county_code_is_refused(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    make_pack(tmp_path / "pack", [("ict-basics", [seeded_bytes("v", 100)])], county="other")
    with pytest.raises(ProfileError, match="would refuse"):
        check_starter_pack(tmp_path / "pack", profile)


def test_a_pack_holding_no_course_is_refused(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    make_pack(tmp_path / "pack", [])
    with pytest.raises(ProfileError, match="holds no course"):
        check_starter_pack(tmp_path / "pack", profile)


def test_the_profile_written_for_the_build_names_its_keys(tmp_path: Path) -> None:
    profile = load_county(_profile(tmp_path))
    text = (stage(profile, None, tmp_path / "stage").folder / "county.toml").read_text("utf-8")
    key = profile.signing_keys[0]
    assert key_id(key) in text.splitlines()[2]
    assert public_key_text(key) in text
