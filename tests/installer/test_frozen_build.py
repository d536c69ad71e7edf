"""A real county build: the demo county with its starter pack, built by PyInstaller through
``build_installer.build`` (which runs the build's own ``--self-test``), then the frozen program
itself: what it carries and leaves out, its starter import, its self-test on an old data
directory and on a tampered starter pack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import build_installer
from app.context import AppContext
from app.paths import DataPaths
from app.storage.db import SCHEMA_HEAD, current_revision
from app.storage.profiles import list_profiles
from scripts.make_starter_pack import make_starter_pack
from tests.helpers.upgrade import unpack_fixture
from wire import __version__

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DEMO_COUNTY = REPO / "counties" / "demo.toml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[build_installer.Build]:
    root = tmp_path_factory.mktemp("county-build")
    make_starter_pack(root / "starter")
    result = build_installer.build(DEMO_COUNTY, root / "starter", root / "dist")
    yield result
    shutil.rmtree(result.folder, ignore_errors=True)


def run(folder: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(build_installer.cli_executable(folder)), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=timeout,
        check=False,
    )


def test_the_build_is_named_and_versioned(built: build_installer.Build) -> None:
    assert built.folder.name == f"Lamplight-demo-{__version__}-{build_installer.os_name()}"
    assert run(built.folder, "--version").stdout.strip() == f"Lamplight {__version__}"


def test_the_build_carries_the_countys_profile_font_and_translations(
    built: build_installer.Build,
) -> None:
    assets = built.folder / "_internal" / "assets"
    staged = built.staged.folder
    assert (assets / "county.toml").read_bytes() == (staged / "county.toml").read_bytes()
    assert (assets / "county-logo.svg").is_file()
    assert (assets / "fonts" / "wqy-microhei.ttc").is_file()
    assert (assets / "translations" / "lamplight_zh_CN.qm").is_file()
    assert (assets / "starter-pack" / "lamplight-pack.json").is_file()


def test_the_build_leaves_out_the_server_the_demo_and_its_private_key(
    built: build_installer.Build,
) -> None:
    names = {p.name for p in built.folder.rglob("*")}
    assert "demo-county-signing-key.pem" not in names
    assert not (built.folder / "_internal" / "assets" / "demo").exists()
    for package in ("scipy", "numpy", "openpyxl", "pyxform", "fastapi", "uvicorn", "pytest"):
        assert package not in names, package
    modules = (REPO / "build" / "installer" / "demo" / "pyinstaller" / "lamplight").glob("PYZ*.toc")
    toc = "".join(p.read_text(encoding="utf-8") for p in modules)
    assert "'app.cli'" in toc
    assert "'server" not in toc
    result = run(built.folder, "demo")
    assert result.returncode == 2
    assert "a county installer does not carry" in result.stderr


def test_the_frozen_app_imports_its_starter_pack_once(
    built: build_installer.Build, tmp_path: Path
) -> None:
    first = run(built.folder, "import-starter", "--data-dir", str(tmp_path), "--json")
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)["imported"]) == built.staged.starter_courses == 4
    again = run(built.folder, "import-starter", "--data-dir", str(tmp_path), "--json")
    assert again.returncode == 0, again.stderr
    answer = json.loads(again.stdout)
    assert "imported already" in answer["message"]
    assert answer.get("imported", []) == []


def test_the_frozen_apps_first_start_imports_the_starter_courses_and_lists_them(
    built: build_installer.Build, tmp_path: Path
) -> None:
    # The whole first start of the window: the starter dialog imports the pack, closes by
    # itself, and the main window opens with the courses in its catalog.
    result = run(built.folder, "--startup-probe", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"startup-probe ready rows={built.staged.starter_courses}" in result.stdout
    again = run(built.folder, "import-starter", "--data-dir", str(tmp_path), "--json")
    assert "imported already" in json.loads(again.stdout)["message"]


def test_the_frozen_app_upgrades_a_data_directory_of_the_previous_release(
    built: build_installer.Build, tmp_path: Path
) -> None:
    data, fixture = unpack_fixture(tmp_path)
    result = run(built.folder, "--self-test", "--data-dir", str(data))
    assert result.returncode == 0, result.stdout + result.stderr
    teachers = len(fixture["teachers"])
    assert f"ok   database: schema {SCHEMA_HEAD}, {teachers} teacher(s)" in result.stdout
    context = AppContext.open(DataPaths(data))
    try:
        assert current_revision(context.db.engine) == SCHEMA_HEAD
        with context.db.read_session() as session:
            names = sorted(p.name for p in list_profiles(session))
        assert names == sorted(t["name"] for t in fixture["teachers"])
    finally:
        context.close()


def test_the_self_test_fails_on_a_tampered_starter_pack(
    built: build_installer.Build, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    # Hard links: a cheap copy of the build; the one file changed is written anew.
    subprocess.run(["cp", "-al", str(built.folder), str(copy)], check=True)
    document = next((copy / "_internal" / "assets" / "starter-pack" / "courses").glob("*.json"))
    text = document.read_bytes()
    document.unlink()
    document.write_bytes(text.replace(b'"title":"', b'"title":"X', 1))
    result = run(copy, "--self-test", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 1
    assert f"FAIL starter pack: {document.stem}:" in result.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="the bundle is sized on Linux")
def test_the_build_stays_within_its_size_budget(built: build_installer.Build) -> None:
    # The bench (bench/build.py) measures it; this guards against a library slipping in.
    assert built.size < 250_000_000
