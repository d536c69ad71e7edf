"""``python -m app download`` and the terminal progress line of ``sync``."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cli import main
from app.download_commands import TerminalProgress, format_bytes, format_duration
from app.paths import DataPaths
from app.storage import catalog
from app.storage.db import open_database
from app.storage.downloads import QueuedAsset
from app.sync.download_runner import DownloadTick
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson, CatalogPage

SHA = "ab" * 32


def _asset(size: int = 40_000_000) -> QueuedAsset:
    return QueuedAsset(
        SHA, size, "video/mp4", "ict", "信息技术", "课程介绍", 50, False, 0, "", None
    )


def _tick(have: int, done: int, rate: float = 0.0, eta: float | None = None) -> DownloadTick:
    return DownloadTick(_asset(), have, done, 80_000_000, rate, eta, 3)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_sizes_and_durations_in_plain_units() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(12_345_678) == "12.3 MB"
    assert format_bytes(2.5e9) == "2.5 GB"
    assert format_duration(42) == "42 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(7260) == "2 h 01 min"


def test_on_a_terminal_one_line_is_redrawn_with_speed_and_time_left() -> None:
    out = Tty()
    now = [0.0]
    progress = TerminalProgress(out, monotonic=lambda: now[0])
    progress(_tick(0, 0))
    now[0] = 0.1
    progress(_tick(1_000_000, 1_000_000))  # too soon: not drawn
    now[0] = 1.0
    progress(_tick(20_000_000, 40_000_000, rate=1_250_000, eta=32))
    progress.finish()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    last = text.split("\r")[-1]
    assert "50%" in last and "40.0 MB of 80.0 MB" in last
    assert "课程介绍" in last and "1.2 MB/s" in last and "32 s left" in last


def test_in_a_log_a_line_per_file() -> None:
    out = io.StringIO()
    progress = TerminalProgress(out)
    for have in (0, 1000, 2000):
        progress(_tick(have, have))
    assert out.getvalue() == "downloading 信息技术 / 课程介绍 (40.0 MB, 3 left)\n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    paths = DataPaths(tmp_path / "data").ensure()
    db = open_database(paths.database)
    course = CatalogCourse(
        id="ict",
        version=1,
        seq=1,
        title="信息技术",
        description="",
        language="zh-CN",
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
        lessons=[
            CatalogLesson(
                id="l1",
                title="第一课",
                items=[
                    CatalogItem(
                        id="intro",
                        kind="video",
                        title="课程介绍",
                        asset=AssetRef(sha256=SHA, size=4000, media_type="video/mp4"),
                    )
                ],
            )
        ],
    )
    with db.write() as session:
        catalog.apply_catalog_page(session, CatalogPage(courses=[course], cursor=1, has_more=False))
    db.close()
    return paths.root


def test_download_queues_lists_and_sets_the_rules(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["download", "ict", "--data-dir", str(data_dir)]) == 0
    assert "queued ict: 1 file(s) to download" in capsys.readouterr().out
    assert (
        main(
            [
                "download",
                "--window",
                "18:00-07:00",
                "--max-rate",
                "2 Mbit/s",
                "--reserve",
                "2 GB",
                "--pause",
                "--data-dir",
                str(data_dir),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["download", "--list", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "rules: 18:00-07:00, 2 Mbit/s, keep 2.0 GB free (all downloads paused)" in out
    assert "ict\t课程介绍\t0 B of 4.0 KB" in out


def test_download_refuses_what_it_cannot_understand(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["download", "nope", "--data-dir", str(data_dir)]) == 2
    assert "no course 'nope' here" in capsys.readouterr().err
    assert main(["download", "--window", "evening", "--data-dir", str(data_dir)]) == 2
    assert "HH:MM-HH:MM" in capsys.readouterr().err
