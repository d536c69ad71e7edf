"""The command line: options before or after the command mean the same; a clear error when
Qt cannot load."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.cli import build_parser, main


def test_data_dir_and_lang_work_before_and_after_demo() -> None:
    before = build_parser().parse_args(["--data-dir", "D", "--lang", "en", "demo"])
    after = build_parser().parse_args(["demo", "--data-dir", "D", "--lang", "en", "--reset"])
    assert (before.command, before.data_dir, before.lang) == ("demo", "D", "en")
    assert (after.command, after.data_dir, after.lang, after.reset) == ("demo", "D", "en", True)


def test_no_command_opens_the_app() -> None:
    args = build_parser().parse_args(["--server", "http://127.0.0.1:8765"])
    assert args.command is None and args.server == "http://127.0.0.1:8765"


def test_without_qt_libraries_the_app_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "app.ui.run", None)  # as when libGL.so.1 is missing
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["--data-dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the window cannot open: Qt cannot load (")
    assert "sudo apt install libgl1" in err
