"""The command line: options before or after the command mean the same."""

from __future__ import annotations

from app.cli import build_parser


def test_data_dir_and_lang_work_before_and_after_demo() -> None:
    before = build_parser().parse_args(["--data-dir", "D", "--lang", "en", "demo"])
    after = build_parser().parse_args(["demo", "--data-dir", "D", "--lang", "en", "--reset"])
    assert (before.command, before.data_dir, before.lang) == ("demo", "D", "en")
    assert (after.command, after.data_dir, after.lang, after.reset) == ("demo", "D", "en", True)


def test_no_command_opens_the_app() -> None:
    args = build_parser().parse_args(["--server", "http://127.0.0.1:8765"])
    assert args.command is None and args.server == "http://127.0.0.1:8765"
