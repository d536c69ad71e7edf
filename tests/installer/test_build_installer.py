"""``python build_installer.py``: a bad or incomplete profile, or a bad starter pack, is refused
with every problem named, before anything is built."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import build_installer
from tests.helpers.packs import make_pack, seeded_bytes
from wire import __version__
from wire.pack import new_signing_key

REPO = Path(__file__).resolve().parents[2]


def _county(tmp_path: Path, text: str | None = None) -> Path:
    folder = tmp_path / "counties"
    folder.mkdir(exist_ok=True)
    shutil.copy(REPO / "counties" / "demo-logo.svg", folder)
    path = folder / "x.toml"
    demo = (REPO / "counties" / "demo.toml").read_text(encoding="utf-8")
    path.write_text(demo if text is None else text, encoding="utf-8")
    return path


@pytest.fixture
def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyInstaller must not be reached in these tests."""

    def refuse(*args: object, **kwargs: object) -> Path:
        raise AssertionError("PyInstaller was started")

    monkeypatch.setattr(build_installer, "run_pyinstaller", refuse)


def test_the_build_is_named_after_county_version_and_system() -> None:
    name = build_installer.build_name("shiqiao")
    assert name == f"Lamplight-shiqiao-{__version__}-{build_installer.os_name()}"
    assert build_installer.os_name() in ("linux", "windows", "macos")


@pytest.mark.usefixtures("no_build")
def test_an_incomplete_profile_names_every_missing_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = _county(tmp_path, '[county]\ncode = "shiqiao"\n\n[app]\nlogo = "gone.png"\n')
    assert build_installer.main(["--county", str(county), "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    for field in (
        "[county] name",
        "[server] url",
        "[signing] public_keys",
        "[app] display_name",
        "[app] logo: there is no file",
    ):
        assert field in err
    assert not (tmp_path / "d").exists()


@pytest.mark.usefixtures("no_build")
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[sync]\nwindw = '18:00-07:00'\n", r"\[sync\] windw: unknown setting"),
        ("[server]\nurl = 'ftp://x'\n", r"\[server\] url: 'ftp://x'"),
        ("[county]\ncode = 'Shi Qiao'\n", r"\[county\] code: 'Shi Qiao' is not a county code"),
        ("[county\n", r"x\.toml"),
    ],
)
def test_a_wrong_profile_is_refused_with_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    county = _county(tmp_path, text)
    assert build_installer.main(["--county", str(county)]) == 2
    assert re.search(message, capsys.readouterr().err)


@pytest.mark.usefixtures("no_build")
def test_a_profile_that_is_not_there_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build_installer.main(["--county", str(tmp_path / "nope.toml")]) == 2
    assert "there is no county profile" in capsys.readouterr().err


@pytest.mark.usefixtures("no_build")
def test_a_pack_folder_that_is_not_there_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = _county(tmp_path)
    code = build_installer.main(["--county", str(county), "--pack", str(tmp_path / "nope")])
    assert code == 2
    assert "--pack: there is no folder" in capsys.readouterr().err


@pytest.mark.usefixtures("no_build")
def test_a_starter_pack_signed_by_another_key_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = _county(tmp_path)
    pack = tmp_path / "pack"
    make_pack(pack, [("ict-basics", [seeded_bytes("v", 100)])], new_signing_key())
    assert build_installer.main(["--county", str(county), "--pack", str(pack)]) == 2
    assert "has courses a school PC would refuse (ict-basics:" in capsys.readouterr().err


def test_setup_is_refused_off_windows(tmp_path: Path) -> None:
    if build_installer.sys.platform == "win32":
        pytest.skip("on Windows --setup runs Inno Setup (the Windows workflow tests it)")
    with pytest.raises(build_installer.BuildError, match="Windows only"):
        build_installer.make_setup(tmp_path, None, tmp_path, tmp_path)  # type: ignore[arg-type]


def test_the_archive_holds_the_build_folder_with_its_links_and_modes(tmp_path: Path) -> None:
    folder = tmp_path / "Lamplight-x-1.0-linux"
    (folder / "_internal").mkdir(parents=True)
    (folder / "_internal" / "libQt.so.6").write_bytes(b"qt")
    (folder / "Lamplight").write_bytes(b"#!program")
    (folder / "Lamplight").chmod(0o755)
    if build_installer.sys.platform != "win32":
        (folder / "libQt.so.6").symlink_to("_internal/libQt.so.6")
    archive = build_installer.make_archive(folder)
    unpacked = tmp_path / "unpacked"
    shutil.unpack_archive(archive, unpacked)
    copy = unpacked / folder.name
    assert (copy / "_internal" / "libQt.so.6").read_bytes() == b"qt"
    if build_installer.sys.platform != "win32":
        assert archive.name == f"{folder.name}.tar.gz"
        assert (copy / "Lamplight").stat().st_mode & 0o111
        assert (copy / "libQt.so.6").is_symlink()
