"""``python -m app import-pack DIR``: what it prints, and its exit status for each outcome."""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path

import pytest

from app.cli import main
from app.import_commands import (
    EXIT_DISK,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STICK,
    EXIT_USAGE,
    ImportProgressLine,
    _ctrl_c_stops,
    _status,
    run_import_pack,
)
from app.paths import DataPaths
from app.sync.pack_import import ImportProgress, ImportReport, StopReason
from tests.helpers.packs import (
    county_for,
    course_json,
    demo_key,
    make_pack,
    write_blob,
    write_course,
    write_index,
)
from wire.pack import PackError, Problem


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(
    tmp_path: Path, folder: Path, as_json: bool = False, reserve: int = 0
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_import_pack(
        DataPaths(tmp_path / "pc").ensure(),
        folder,
        as_json,
        county_for(demo_key(), reserve=reserve),
        stdout=out,
        stderr=err,
    )
    return status, out.getvalue(), err.getvalue()


def test_a_stick_is_imported_then_found_already_here(tmp_path: Path) -> None:
    make_pack(tmp_path / "stick" / "lamplight", [("c1", [b"a" * 5000]), ("c2", [b"b" * 20])])
    status, out, err = run(tmp_path, tmp_path / "stick")
    assert status == EXIT_OK
    assert "c1\t课程 c1\tv1\t5.0 KB\tnew, 5.0 KB to copy" in out
    assert "imported c1\nimported c2\n" in out and "2 course(s) imported" in out
    assert "copying c1 课程 c1" in err  # the progress, a line per course off a terminal
    status, out, _ = run(tmp_path, tmp_path / "stick")
    assert status == EXIT_OK and "already here" in out
    assert "nothing new to import: everything is here" in out


def test_json_names_each_course_and_a_refused_one_gives_3(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    built = make_pack(root, [("ok", [b"a" * 10])])
    theirs = course_json("bad", [write_blob(root, b"b" * 10)])
    write_course(root, theirs, demo_key(), county="other")
    write_index(root, [built["ok"].json, theirs])
    status, out, err = run(tmp_path, root, as_json=True)
    assert status == EXIT_REFUSED and err == ""
    answer = json.loads(out)
    assert answer["exit"] == EXIT_REFUSED and answer["imported"] == ["ok"]
    assert answer["failed"]["bad"]["problem"] == "other_county"
    assert [c["state"] for c in answer["courses"]] == ["new", "problem"]


def test_no_pack_and_an_unreadable_pack_give_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    status, _, err = run(tmp_path, tmp_path / "empty")
    assert status == EXIT_USAGE and "holds no Lamplight pack" in err
    make_pack(tmp_path / "future", [("c1", [b"a"])])
    (tmp_path / "future" / "lamplight-pack.json").write_text('{"format": 9}')
    status, _, err = run(tmp_path, tmp_path / "future")
    assert status == EXIT_USAGE and "update Lamplight" in err


def test_not_enough_room_gives_7_and_says_how_much_to_free(tmp_path: Path) -> None:
    make_pack(tmp_path / "pack", [("c1", [b"a" * 100])])
    status, _, err = run(tmp_path, tmp_path / "pack", reserve=10**18)
    assert status == EXIT_DISK and "free at least" in err


@pytest.mark.parametrize(
    ("stopped", "failed", "status"),
    [
        (StopReason.DONE, False, EXIT_OK),
        (StopReason.DONE, True, EXIT_REFUSED),
        (StopReason.DISK_FULL, False, EXIT_DISK),
        (StopReason.STICK_GONE, True, EXIT_STICK),
        (StopReason.CANCELLED, False, EXIT_INTERRUPTED),
    ],
)
def test_each_way_an_import_ends_has_its_exit_status(
    stopped: StopReason, failed: bool, status: int
) -> None:
    refused = {"c1": PackError(Problem.BAD_BLOB, "damaged")} if failed else {}
    assert _status(ImportReport(stopped=stopped, failed=refused)) == status


def test_ctrl_c_asks_the_import_to_stop_instead_of_killing_it() -> None:
    with _ctrl_c_stops() as interrupted:
        assert not interrupted()
        os.kill(os.getpid(), signal.SIGINT)
        assert interrupted()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_progress_line_is_redrawn_on_a_terminal() -> None:
    out = Tty()
    now = [0.0]
    line = ImportProgressLine(out, monotonic=lambda: now[0])
    now[0] = 1.0
    line(ImportProgress("c1", "信息技术", 0, 80_000_000, 0, 4))
    now[0] = 1.1
    line(ImportProgress("c1", "信息技术", 1_000_000, 80_000_000, 0, 4))  # too soon
    now[0] = 2.0
    line(ImportProgress("c2", "数学", 40_000_000, 80_000_000, 2, 4))
    line.finish()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    last = text.split("\r")[-1]
    assert "50%" in last and "40.0 MB of 80.0 MB" in last and "2/4 files" in last
    assert "20.0 MB/s" in last and "2 s left" in last


def test_the_command_line_runs_it(tmp_path: Path) -> None:
    make_pack(tmp_path / "stick" / "lamplight", [("c1", [b"a" * 10])], key=demo_key())
    status = main(["--data-dir", str(tmp_path / "pc"), "import-pack", str(tmp_path / "stick")])
    assert status == EXIT_OK  # the demo county the checkout carries trusts the demo key
