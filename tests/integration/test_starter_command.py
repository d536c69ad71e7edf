"""``python -m app import-starter`` as an IT person runs it, in a process of its own, on the layout
of a county build: ``assets/county.toml`` naming ``[starter] pack = "starter-pack"`` next to the
signed pack (the process is pointed at it the way PyInstaller does, through ``sys._MEIPASS``).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from app.paths import DataPaths
from app.starter_commands import run_import_starter
from tests.helpers.packs import county_for, demo_key, make_pack, seeded_bytes
from wire.pack import public_key_text

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")
# What the frozen app's bootloader does before running ``python -m app``.
AS_FROZEN = (
    "import sys; sys._MEIPASS = sys.argv.pop(1); from app.cli import main; raise SystemExit(main())"
)


def county_build(bundle: Path, *, starter: bool = True) -> Path:
    """A county build's bundled files under ``bundle``; returns its starter pack folder."""
    assets = bundle / "assets"
    assets.mkdir(parents=True)
    key = public_key_text(demo_key().public_key())
    profile = (
        f'[county]\ncode = "demo"\nname = "灯火演示县"\n\n[signing]\npublic_keys = ["{key}"]\n'
    )
    if starter:
        profile += '\n[starter]\npack = "starter-pack"\n'
    (assets / "county.toml").write_text(profile, encoding="utf-8")
    return assets / "starter-pack"


def run_frozen(bundle: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", AS_FROZEN, str(bundle), "import-starter"]
    return subprocess.run(
        [*command, "--data-dir", str(data), *args],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_a_county_build_imports_its_starter_pack_once(tmp_path: Path) -> None:
    pack = county_build(tmp_path / "bundle")
    make_pack(pack, [("safety", [seeded_bytes("a", 30_000)]), ("ict", [seeded_bytes("b", 9)])])
    data = tmp_path / "pc"

    first = run_frozen(tmp_path / "bundle", data, "--json")
    assert first.returncode == 0, first.stderr
    answer = json.loads(first.stdout)
    assert answer["exit"] == 0 and answer["stopped"] == "done"
    assert answer["imported"] == ["safety", "ict"] and answer["failed"] == {}
    assert [c["state"] for c in answer["courses"]] == ["new", "new"]
    assert answer["bytes_copied"] == 30_009 and answer["pack"] == str(pack)
    assert "2 course(s) imported" in answer["message"]

    again = run_frozen(tmp_path / "bundle", data, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {
        "pack": str(pack),
        "exit": 0,
        "message": "nothing to import: the starter pack was imported already",
    }

    text = run_frozen(tmp_path / "bundle", data)  # without --json: one plain line
    assert text.returncode == 0
    assert text.stdout == "nothing to import: the starter pack was imported already\n"


def test_a_build_without_a_starter_pack_has_nothing_to_import(tmp_path: Path) -> None:
    county_build(tmp_path / "bundle", starter=False)
    result = run_frozen(tmp_path / "bundle", tmp_path / "pc", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "exit": 0,
        "message": "nothing to import: this installation carries no starter pack",
    }


def test_the_source_checkout_has_no_starter_pack(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "import-starter", "--data-dir", str(tmp_path / "pc")],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "nothing to import: this installation carries no starter pack" in result.stdout


def test_refused_courses_exit_3_and_are_not_tried_again(tmp_path: Path) -> None:
    pack = tmp_path / "starter-pack"
    make_pack(pack, [("ok", [seeded_bytes("a", 100)]), ("bad", [seeded_bytes("b", 100)])])
    document = pack / "courses" / "bad.json"
    document.write_bytes(document.read_bytes().replace(b'"version":1', b'"version":2'))
    county = dataclasses.replace(county_for(demo_key()), starter_pack=pack)
    paths = DataPaths(tmp_path / "pc").ensure()

    def run(as_json: bool) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = run_import_starter(paths, as_json, county, stdout=out, stderr=err)
        return status, out.getvalue(), err.getvalue()

    status, out, err = run(False)
    assert status == 3
    assert "imported ok" in out and "refused bad:" in out
    assert "error: 1 course(s) imported" in err and "1 refused" in err
    assert "copying ok" in err  # the progress, a line per course off a terminal

    status, out, _ = run(True)
    assert status == 0
    assert json.loads(out)["message"] == "nothing to import: the starter pack was imported already"
