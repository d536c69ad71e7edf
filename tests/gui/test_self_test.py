"""``Lamplight --self-test`` (:func:`app.self_test.run_self_test`) on a fresh PC, on a teacher's
data, on data from a newer Lamplight, and on county builds: complete, incomplete, with a changed
starter pack, without the bundled font. It reuses the tests' QApplication, as it would reuse the
app's own; the report it prints is the one it saves under ``<data>/logs``."""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.paths import DataPaths
from app.self_test import EXIT_DATA_DIR, EXIT_FAILED, EXIT_OK, REPORT_FILE, run_self_test
from app.storage import profiles, progress, settings
from app.storage.db import SCHEMA_HEAD, current_revision, open_database
from app.ui.application import create_application
from tests.helpers.packs import demo_key, make_pack, seeded_bytes
from wire.pack import public_key_text

REPO = Path(__file__).resolve().parents[2]
CHECKS = [
    "county profile",
    "database",
    "content store",
    "fonts and language",
    "video",
    "PDF",
    "main window",
]
#: The county's signing key, read from the checkout (a county build does not carry it).
KEY = demo_key()
CODE = "shiqiao"
LINE = re.compile(r"(ok  |FAIL) (?P<name>[^:]+): (?P<found>.*)")


@pytest.fixture(autouse=True)
def english_app_afterwards(qapp: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The self-test styles the shared QApplication for its build: put it back for the next
    test (after ``sys._MEIPASS`` is gone, so from the checkout's assets)."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # the self-test sets it; undone after
    yield
    create_application("en")


def self_test(data: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Runs the self-test on ``data``: its exit status and the lines it printed."""
    status = run_self_test(str(data), "en")
    return status, capsys.readouterr().out.splitlines()


def results(lines: list[str]) -> dict[str, str]:
    """Each check's line by the check's name (``ok ...`` or ``FAIL ...``)."""
    return {m["name"]: line for line in lines if (m := LINE.fullmatch(line))}


def report(data: Path) -> list[str]:
    return (data / "logs" / REPORT_FILE).read_text(encoding="utf-8").splitlines()


# A source checkout ---------------------------------------------------------------------------
def test_a_fresh_data_directory_passes_every_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = self_test(tmp_path / "pc", capsys)
    assert status == EXIT_OK
    assert lines[0].startswith("Lamplight ") and "(source;" in lines[0]
    assert lines[1] == f"data directory: {(tmp_path / 'pc').resolve()}"
    found = results(lines)
    assert list(found) == CHECKS and len(lines) == 2 + len(CHECKS) + 1
    assert all(line.startswith("ok   ") for line in found.values()), lines
    assert lines[-1] == "self-test passed"


def test_the_report_file_holds_what_was_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = self_test(tmp_path / "pc", capsys)
    assert report(tmp_path / "pc") == lines


def test_a_fresh_data_directory_gets_a_database_at_the_current_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = datetime.now(UTC)
    self_test(tmp_path / "pc", capsys)
    db = open_database(DataPaths(tmp_path / "pc").database, migrate_schema=False)
    try:
        assert current_revision(db.engine) == SCHEMA_HEAD
        with db.read_session() as session:
            when = datetime.fromisoformat(settings.get(session, settings.LAST_SELF_TEST))
    finally:
        db.close()
    assert started <= when <= datetime.now(UTC) + timedelta(seconds=1)


def teachers_pc(root: Path) -> DataPaths:
    """A PC where two teachers made profiles and one watched part of a video."""
    paths = DataPaths(root).ensure()
    db = open_database(paths.database)
    with db.write() as session:
        wang = profiles.create_profile(
            session,
            name="王老师",
            school="石桥小学",
            gender="female",
            age_band="40to49",
            subject="语文",
            pin="1357",
        )
        profiles.create_profile(
            session,
            name="赵老师",
            school="石桥小学",
            gender="male",
            age_band="30to39",
            subject="数学",
            pin="2468",
        )
        progress.record(
            session,
            wang,
            "ict-basics/intro",
            progress.VIDEO_WATCHED,
            {"start": 0, "end": 12.5, "duration": 60.0},
        )
    db.close()
    return paths


def teachers_data(paths: DataPaths) -> tuple[list[tuple[object, ...]], ...]:
    with closing(sqlite3.connect(paths.database)) as conn:
        return tuple(
            conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("profile", "progress_event", "teacher_sync")
        )


def test_a_teachers_data_passes_is_counted_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = teachers_pc(tmp_path / "pc")
    before = teachers_data(paths)
    status, lines = self_test(paths.root, capsys)
    assert status == EXIT_OK, lines
    assert "2 teacher(s)" in results(lines)["database"]
    assert teachers_data(paths) == before
    assert len(before[0]) == 2 and len(before[1]) == 3  # two profiles made, one video watched


def test_a_database_from_a_newer_lamplight_fails_and_is_not_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = teachers_pc(tmp_path / "pc")
    with closing(sqlite3.connect(paths.database)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = paths.database.read_bytes()
    status, lines = self_test(paths.root, capsys)
    assert status == EXIT_FAILED
    line = results(lines)["database"]
    assert line.startswith("FAIL ") and "newer version of Lamplight (schema 9999)" in line
    assert lines[-1] == "self-test FAILED: 1 problem(s)"
    assert report(paths.root) == lines  # a known problem, said plainly: no traceback
    assert paths.database.read_bytes() == before


def test_a_data_directory_that_cannot_be_used_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "pc"
    data.write_text("not a folder", encoding="utf-8")
    status, lines = self_test(data, capsys)
    assert status == EXIT_DATA_DIR
    assert lines[-1].startswith("FAIL data directory: cannot use it: ")
    assert data.read_text(encoding="utf-8") == "not a folder"


def test_qt_libraries_missing_from_the_system_fail_the_window_check_with_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a Linux PC without libGL gives: the Qt side cannot be imported at all.
    monkeypatch.setitem(sys.modules, "app.ui.self_check", None)
    monkeypatch.setattr(sys, "platform", "linux")
    status, lines = self_test(tmp_path / "pc", capsys)
    assert status == EXIT_FAILED
    found = results(lines)
    assert found["database"].startswith("ok   ")
    assert found["window"].startswith("FAIL window: Qt cannot load (")
    assert "sudo apt install libgl1 libegl1" in found["window"]
    assert report(tmp_path / "pc") == lines


# A county build ------------------------------------------------------------------------------
@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A county build's ``assets`` folder, found the way PyInstaller's bootloader has the app
    find it (``sys._MEIPASS``), with the checkout's fonts, icons and translations in it."""
    assets = tmp_path / "bundle" / "assets"
    for part in ("fonts", "icons", "translations"):
        shutil.copytree(REPO / "assets" / part, assets / part)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    return assets


def write_profile(assets: Path, *, url: str = "http://10.1.2.3:8765", pack: bool = False) -> None:
    """The build's ``county.toml``: complete for a county installer unless ``url`` is ""."""
    key = public_key_text(KEY.public_key())
    text = (
        f'[county]\ncode = "{CODE}"\nname = "石桥县"\n\n[server]\nurl = "{url}"\n\n'
        f'[signing]\npublic_keys = ["{key}"]\n\n'
        '[app]\ndisplay_name = { zh_CN = "灯火研修 · 石桥县", en = "Lamplight - Shiqiao" }\n'
    )
    if pack:
        text += '\n[starter]\npack = "starter-pack"\n'
    (assets / "county.toml").write_text(text, encoding="utf-8")


def starter_pack(assets: Path) -> Path:
    """A starter pack of two courses signed with the county's (the demo) key."""
    folder = assets / "starter-pack"
    make_pack(folder, [("safety", [seeded_bytes("a", 3000)]), ("ict", [])], KEY, CODE)
    return folder


def test_a_complete_county_build_passes(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_profile(bundle, pack=True)
    starter_pack(bundle)
    status, lines = self_test(tmp_path / "pc", capsys)
    assert status == EXIT_OK, lines
    assert "(installed build;" in lines[0]
    found = results(lines)
    assert list(found) == [*CHECKS[:3], "starter pack", *CHECKS[3:]]
    assert found["county profile"].startswith("ok   county profile: shiqiao 石桥县 - http://10.1")
    assert found["starter pack"] == "ok   starter pack: 2 course(s), every signature verified"
    assert "Lamplight - Shiqiao" in found["main window"]  # the build's profile reached the window
    assert report(tmp_path / "pc") == lines


def test_a_county_build_without_a_server_address_fails_the_profile_check(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_profile(bundle, url="")
    status, lines = self_test(tmp_path / "pc", capsys)
    assert status == EXIT_FAILED
    found = results(lines)
    assert found["county profile"].startswith(f"FAIL county profile: {bundle / 'county.toml'}: ")
    assert "[server] url is missing" in found["county profile"]
    assert [name for name, line in found.items() if line.startswith("FAIL")] == ["county profile"]


def test_a_starter_pack_changed_by_one_byte_fails(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_profile(bundle, pack=True)
    document = starter_pack(bundle) / "courses" / "safety.json"
    signed = document.read_bytes()
    changed = signed.replace(b'"version":1', b'"version":2')
    assert sum(a != b for a, b in zip(signed, changed, strict=True)) == 1
    document.write_bytes(changed)
    status, lines = self_test(tmp_path / "pc", capsys)
    assert status == EXIT_FAILED
    line = results(lines)["starter pack"]
    assert line.startswith("FAIL starter pack: safety: course safety was changed after the county")
    assert "ict:" not in line  # the course left as signed is not blamed
    assert lines[-1] == "self-test FAILED: 1 problem(s)"


def test_a_county_build_without_the_bundled_font_fails_fonts_and_language(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_profile(bundle)
    shutil.rmtree(bundle / "fonts")
    status, lines = self_test(tmp_path / "pc", capsys)
    assert status == EXIT_FAILED
    line = results(lines)["fonts and language"]
    assert line == "FAIL fonts and language: the bundled CJK font (assets/fonts) did not load"
    assert [name for name, line in results(lines).items() if line.startswith("FAIL")] == [
        "fonts and language"
    ]
