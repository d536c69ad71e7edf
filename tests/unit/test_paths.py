"""Where Lamplight keeps its data: flag, environment, machine-wide folder, per-user fallback."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import pytest

from app import APP_NAME, paths
from app.paths import ENV_DATA_DIR, DataPaths, resolve_data_dir


@dataclass
class Dirs:
    machine: Path
    user: Path
    asked: list[str] = field(default_factory=list)  # which platformdirs functions were called
    cleanups: list[Callable[[], object]] = field(default_factory=list)


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dirs]:
    """platformdirs pointed at folders under ``tmp_path``; no override in the environment.
    The process's file mode mask is put back afterwards (the machine folder changes it)."""
    found = Dirs(machine=tmp_path / "ProgramData" / APP_NAME, user=tmp_path / "home" / APP_NAME)

    def site_data_dir(appname: str, *args: object, **kwargs: object) -> str:
        found.asked.append(f"site:{appname}")
        return str(found.machine)

    def user_data_dir(appname: str, *args: object, **kwargs: object) -> str:
        found.asked.append(f"user:{appname}")
        return str(found.user)

    monkeypatch.setattr(platformdirs, "site_data_dir", site_data_dir)
    monkeypatch.setattr(platformdirs, "user_data_dir", user_data_dir)
    monkeypatch.delenv(ENV_DATA_DIR, raising=False)
    mask = os.umask(0o022)
    os.umask(mask)
    yield found
    os.umask(mask)


def _assert_laid_out(data: DataPaths, root: Path) -> None:
    assert data.root == root.resolve()
    assert data.database == data.root / "lamplight.sqlite3"
    assert data.content == data.root / "content"
    assert data.partial == data.root / "content" / "partial"
    assert data.logs == data.root / "logs"
    for folder in (data.root, data.content, data.partial, data.logs):
        assert folder.is_dir()


def test_the_flag_decides(dirs: Dirs, tmp_path: Path) -> None:
    chosen = tmp_path / "U盘" / "灯火"
    data = resolve_data_dir(chosen)
    _assert_laid_out(data, chosen)
    assert not dirs.machine.exists()
    assert not dirs.user.exists()


def test_the_flag_may_be_a_string(dirs: Dirs, tmp_path: Path) -> None:
    data = resolve_data_dir(str(tmp_path / "data"))
    _assert_laid_out(data, tmp_path / "data")


def test_the_environment_decides_when_there_is_no_flag(
    dirs: Dirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "from-env"))
    _assert_laid_out(resolve_data_dir(), tmp_path / "from-env")
    assert not dirs.machine.exists()


def test_the_flag_beats_the_environment(
    dirs: Dirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "from-env"))
    data = resolve_data_dir(tmp_path / "from-flag")
    assert data.root == (tmp_path / "from-flag").resolve()
    assert not (tmp_path / "from-env").exists()


def test_an_empty_environment_variable_is_ignored(
    dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, "")
    assert resolve_data_dir().root == dirs.machine.resolve()


def test_a_home_relative_override_is_expanded(
    dirs: Dirs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))  # what Windows reads
    data = resolve_data_dir("~/lamplight-data")
    _assert_laid_out(data, tmp_path / "home" / "lamplight-data")


def test_the_machine_wide_folder_is_used_when_writable(dirs: Dirs) -> None:
    data = resolve_data_dir()
    _assert_laid_out(data, dirs.machine)
    assert not dirs.user.exists()
    assert dirs.asked == [f"site:{APP_NAME}"]
    # The probe that checked it was writable is gone.
    assert not [p for p in data.root.iterdir() if p.name.startswith(".probe-")]


@pytest.mark.skipif(os.name != "posix", reason="Windows shares through the folder's permissions")
def test_files_in_the_machine_wide_folder_are_writable_by_the_group(dirs: Dirs) -> None:
    before = os.umask(0o022)
    try:
        data = resolve_data_dir()
        (data.root / "made-here").write_bytes(b"x")
        assert (data.root / "made-here").stat().st_mode & 0o020
        resolve_data_dir(dirs.user)  # a chosen folder leaves the mask as it is
        assert os.umask(0o022) == 0o002
    finally:
        os.umask(before)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_chosen_folder_leaves_file_modes_alone(dirs: Dirs) -> None:
    before = os.umask(0o022)
    try:
        resolve_data_dir(dirs.user)
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(before)


def test_an_existing_machine_wide_folder_is_reused(dirs: Dirs) -> None:
    first = resolve_data_dir()
    (first.content / "ab").mkdir()
    again = resolve_data_dir()
    assert again == first
    assert (again.content / "ab").is_dir()


def _machine_dir_under_a_file(dirs: Dirs) -> None:
    """The machine folder's parent is a file: it can never be created, even by root."""
    blocker = dirs.machine.parent
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")


def _machine_dir_read_only(dirs: Dirs) -> None:
    """The machine folder exists but is read-only, as for a teacher without admin rights.

    Root ignores file modes, so as root the folder is made a read-only mount instead.
    """
    dirs.machine.mkdir(parents=True)
    dirs.machine.chmod(0o500)
    if os.geteuid() != 0:
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(dirs.machine)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(f"running as root and cannot mount a read-only folder: {mounted.stderr!r}")
    dirs.cleanups.append(lambda: subprocess.run(["umount", str(dirs.machine)], check=True))


@pytest.mark.parametrize("make_unwritable", [_machine_dir_under_a_file, _machine_dir_read_only])
def test_falls_back_to_the_user_folder_when_the_machine_one_is_not_writable(
    dirs: Dirs, make_unwritable: Callable[[Dirs], None]
) -> None:
    make_unwritable(dirs)
    try:
        data = resolve_data_dir()
        _assert_laid_out(data, dirs.user)
        assert dirs.asked == [f"site:{APP_NAME}", f"user:{APP_NAME}"]
    finally:
        for cleanup in dirs.cleanups:
            cleanup()
        if dirs.machine.is_dir():
            dirs.machine.chmod(0o700)  # let pytest clean up


def test_writable_probe(tmp_path: Path) -> None:
    assert paths._writable(tmp_path / "new" / "folder")
    assert (tmp_path / "new" / "folder").is_dir()
    (tmp_path / "file").write_text("x")
    assert not paths._writable(tmp_path / "file" / "sub")


def test_data_paths_ensure_is_idempotent(tmp_path: Path) -> None:
    data = DataPaths(tmp_path / "data").ensure()
    (data.partial / "abc.part").write_bytes(b"half")
    assert data.ensure() is data
    assert (data.partial / "abc.part").read_bytes() == b"half"
