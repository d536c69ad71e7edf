"""Downloads end to end with a real county server on loopback: Download on a course fills the
queue and the files arrive in the background; Pause holds them (their bytes kept) and the
Downloads page shows them waiting; Resume finishes them and the page says so; a video opened
before it is here is fetched first and opens by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtMultimedia import QMediaPlayer
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import catalog
from app.sync.download_runner import DownloadTick
from app.sync.policy import DownloadPolicy, save_policy
from app.ui import message
from app.ui.main_window import MainWindow
from tests.helpers.server_process import DEMO_COURSES, add_school, publish, running_server

TEACHER = {
    "name": "王秀英",
    "school": "青山村小学",
    "gender": "female",
    "age_band": "50plus",
    "subject": "语文",
    "pin": "2468",
}
#: Slow enough that Pause (seen by the run after its current chunk) comes mid-course.
SLOW = 40_000
TIMEOUT_MS = 30_000


@pytest.fixture
def school_pc(
    qtbot: QtBot, tmp_path: Path, ui_language: str, fresh_messages: message.MessageBus
) -> Iterator[tuple[MainWindow, AppContext]]:
    county = tmp_path / "county"
    publish(county, sorted(DEMO_COURSES.iterdir()))
    code = add_school(county, "青山村小学")
    with running_server(county) as server:
        context = AppContext.open(DataPaths(tmp_path / "pc").ensure(), server.url)
        window = MainWindow(context)
        qtbot.addWidget(window)
        window.show()
        window.start_background()
        assert window.enroll_dialog is not None
        window.enroll_dialog.code.setText(code)
        with qtbot.waitSignal(
            window.catalog_refreshed, timeout=TIMEOUT_MS, check_params_cb=lambda n: n == 3
        ):
            window.enroll_dialog.connect_button.click()
        assert window.profiles.create_from_values(dict(TEACHER)) is not None
        yield window, context
        window.close()
        context.close()


def partial_bytes(context: AppContext) -> int:
    return sum(p.stat().st_size for p in context.paths.partial.glob("*.part"))


@pytest.mark.slow
def test_download_pause_resume_and_finish_with_a_real_server(
    qtbot: QtBot, school_pc: tuple[MainWindow, AppContext]
) -> None:
    window, context = school_pc
    with context.db.write() as session:
        save_policy(session, DownloadPolicy(max_rate=SLOW))
    window.open_course("ict-basics")
    page = window.course
    assert page.download_button.isVisible()

    ticks: list[DownloadTick] = []
    window.downloads.ticked.connect(ticks.append)
    page.download_button.click()  # queued; the worker starts at once
    assert page.pause_button.isVisible() and page.progress.isVisible()
    qtbot.waitUntil(lambda: bool(ticks), timeout=TIMEOUT_MS)
    assert ticks[0].current.course_id == "ict-basics"
    assert window.downloads_button.text().startswith("Downloading ")
    with qtbot.waitSignal(window.downloads.finished, timeout=TIMEOUT_MS):
        page.pause_button.click()  # the run sees it after its current chunk
    assert page.pause_button.text() == "Resume download"
    kept = partial_bytes(context)
    qtbot.wait(1200)
    assert partial_bytes(context) == kept and not window.downloads.running  # it really stopped

    window.downloads_button.click()  # the header's way to the Downloads page
    downloads = window.downloads_page
    assert window.stack.currentWidget() is downloads
    assert [g.title for g in downloads.model.groups()] == ["信息技术基础"]
    left = downloads.model.assets()
    assert left and all(a.paused for a in left)  # what was not here yet waits, paused
    assert "The courses left are paused" in downloads.state_label.text()

    with context.db.write() as session:
        save_policy(session, DownloadPolicy())  # no speed limit now, to finish quickly
    resume = downloads.course_button("ict-basics")
    assert resume is not None and resume.text() == "Resume this course"
    resume.click()
    qtbot.waitUntil(lambda: downloads.model.rowCount() == 0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.downloads.running, timeout=TIMEOUT_MS)
    assert downloads.state_label.text() == "Everything is downloaded."
    assert downloads.empty.isVisible()
    with context.db.read_session() as session:
        detail = catalog.course_detail(session, "ict-basics")
    assert detail is not None and all(i.stored for i in detail.items)
    assert all(context.content.path_of(i.sha256) is not None for i in detail.items)

    window.downloads_page.back.emit()  # "Back": the course page again, now ready
    assert window.stack.currentWidget() is page
    assert page.ready_label.isVisible() and not page.pause_button.isVisible()
    row = next(
        i
        for i in range(window.catalog.model.rowCount())
        if window.catalog.model.course_at(i).id == "ict-basics"
    )
    assert window.catalog.model.course_at(row).ready
    assert [m for m in message.bus().history if m[0] != message.Level.INFO] == []


@pytest.mark.slow
def test_a_video_opened_before_it_is_here_arrives_first_and_opens(
    qtbot: QtBot, school_pc: tuple[MainWindow, AppContext]
) -> None:
    window, _context = school_pc
    window.open_course("classroom-safety")
    page = window.course
    video = next(row for row in page.rows.values() if row.item.kind == "video")
    video.open_button.click()
    assert "This video is being downloaded first" in page.download_info.text()
    player = window.video_page()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is player, timeout=TIMEOUT_MS)
    assert player.item is not None and player.item.id == video.item.id
    playing = (QMediaPlayer.MediaStatus.BufferedMedia, QMediaPlayer.MediaStatus.EndOfMedia)
    qtbot.waitUntil(lambda: player.player.mediaStatus() in playing, timeout=TIMEOUT_MS)
    player.close_video()
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(page.ready_label.isVisible, timeout=TIMEOUT_MS)  # the rest came behind it
