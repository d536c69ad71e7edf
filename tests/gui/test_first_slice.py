"""The first slice, as a teacher does it: make a profile, download a demo course from a real
county server, watch a video to its end, and find it done after restarting with no network."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.ui import message
from app.ui.dialogs import NewProfileDialog, PinDialog
from app.ui.main_window import MainWindow
from tests.helpers.server_process import DEMO_COURSES, add_school, publish, running_server

PIN = "2468"


def fill_new_profile(dialog: NewProfileDialog, qtbot: QtBot) -> None:
    # Chinese arrives through an input method, not key by key: set it as the IME would.
    dialog.name.setText("王老师")
    dialog.school.setText("青山村小学")
    dialog.gender.button(0).click()
    dialog.age.button(3).click()
    qtbot.keyClicks(dialog.pin, PIN)
    qtbot.keyClicks(dialog.pin2, PIN)
    dialog.create_button.click()


def answer_next_dialog(qtbot: QtBot, kind: type[QDialog], fill) -> None:  # type: ignore[no-untyped-def]
    """Fills in the modal dialog that the next click opens (exec() blocks the test otherwise)."""

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            fill(dialog, qtbot)
        else:
            qtbot.wait(20)
            attempt()

    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, attempt)


def test_profile_download_watch_and_find_it_done_after_restart(
    qtbot: QtBot, tmp_path: Path, ui_language: str, fresh_messages
) -> None:
    server_dir = tmp_path / "county"
    publish(server_dir, sorted(DEMO_COURSES.iterdir()))
    code = add_school(server_dir, "青山村小学")
    paths = DataPaths(tmp_path / "school-pc").ensure()

    with running_server(server_dir) as server:
        context = AppContext.open(paths, server.url)
        window = MainWindow(context)
        qtbot.addWidget(window)
        window.show()
        # First start: the PC is connected to the county server with the school's code.
        window.start_background()
        assert window.enroll_dialog is not None
        window.enroll_dialog.code.setText(code)
        with qtbot.waitSignal(
            window.catalog_refreshed, timeout=20_000, check_params_cb=lambda n: n == 3
        ):
            window.enroll_dialog.connect_button.click()
        assert window.catalog.model.rowCount() == 3

        answer_next_dialog(qtbot, NewProfileDialog, fill_new_profile)
        window.profiles.new_button.click()
        assert window.teacher is not None and window.teacher.name == "王老师"
        assert window.stack.currentWidget() is window.catalog

        titles = [window.catalog.model.course_at(i).title for i in range(3)]
        row = next(i for i, t in enumerate(titles) if t.startswith("信息技术"))
        window.catalog.view.clicked.emit(window.catalog.model.index(row))
        page = window.course
        assert window.stack.currentWidget() is page
        video_item = next(i for i in page.detail.items if i.kind == "video")
        assert "Not downloaded yet" in page.rows[video_item.id].state.text()

        page.download_button.click()  # queued; the download worker fetches it
        qtbot.waitUntil(page.ready_label.isVisible, timeout=60_000)
        assert [m for m in fresh_messages.history if m[0] != message.Level.INFO] == []
        assert page.ready_label.isVisible()
        assert page.rows[video_item.id].open_button.isEnabled()
        assert window.catalog.model.course_at(row).ready

        page.rows[video_item.id].open_button.click()
        player_page = window.video_page()
        assert window.stack.currentWidget() is player_page
        frames: list[QVideoFrame] = []
        player_page.video.videoSink().videoFrameChanged.connect(
            lambda frame: frames.append(frame) if frame.isValid() else None
        )
        player_page.player.setPlaybackRate(2.0)
        qtbot.waitUntil(
            lambda: player_page.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia,
            timeout=60_000,
        )
        assert len(frames) >= 25, f"only {len(frames)} video frames were shown"
        size = frames[-1].size()
        assert size.width() > 100 and size.height() > 100
        assert "watched this video" in player_page.watched_label.text()
        player_page.close_video()
        assert window.stack.currentWidget() is page
        assert "Done" in page.rows[video_item.id].state.text()
        window.close()
        context.close()

    # The PC restarts; the county server is gone (no network).
    context = AppContext.open(paths, None)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    teacher_button = next(iter(window.profiles.buttons.values()))

    def enter_pin(dialog: PinDialog, bot: QtBot) -> None:
        bot.keyClicks(dialog.pin, PIN)
        dialog.ok.click()

    answer_next_dialog(qtbot, PinDialog, enter_pin)
    teacher_button.click()
    assert window.teacher is not None
    row = next(
        i
        for i in range(window.catalog.model.rowCount())
        if window.catalog.model.course_at(i).id == "ict-basics"
    )
    window.catalog.view.clicked.emit(window.catalog.model.index(row))
    assert "Done" in window.course.rows[video_item.id].state.text()
    window.close()
    context.close()
