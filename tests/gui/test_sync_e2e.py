"""End to end with a real county server: a school PC connects with the school's code at its
first start, a teacher learns there and presses "Sync now"; on another PC she brings her profile
over with her name and PIN, and finds her work there."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import catalog, progress
from app.sync.engine import SyncReport
from app.ui import message
from app.ui.claim_dialog import ClaimDialog
from app.ui.main_window import MainWindow
from tests.gui.sync_fakes import when_modal
from tests.helpers.server_process import DEMO_COURSES, add_school, publish, running_server

PIN = "2468"
TEACHER = {
    "name": "王秀英",
    "school": "青山村小学",
    "gender": "female",
    "age_band": "50plus",
    "subject": "语文",
    "pin": PIN,
}
SYNC_TIMEOUT_MS = 60_000


def open_pc(qtbot: QtBot, root: Path, url: str) -> tuple[MainWindow, AppContext]:
    context = AppContext.open(DataPaths(root).ensure(), url)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window, context


def first_start(qtbot: QtBot, window: MainWindow, code: str) -> SyncReport:
    """Starts the PC, types the code into the dialog that asks for it; the first sync's report."""
    window.start_background()
    dialog = window.enroll_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.code.setText(code.lower())  # as a teacher may type it
    with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS) as synced:
        dialog.connect_button.click()
    report: SyncReport = synced.args[0]
    return report


@pytest.mark.slow
def test_connect_learn_sync_and_continue_on_another_pc(
    qtbot: QtBot, tmp_path: Path, ui_language: str, fresh_messages: message.MessageBus
) -> None:
    county = tmp_path / "county"
    publish(county, sorted(DEMO_COURSES.iterdir()))
    code = add_school(county, "城关镇中心小学")
    with running_server(county) as server:
        # The first PC: connected at its first start; the first sync brings the courses.
        window, context = open_pc(qtbot, tmp_path / "pc-1", server.url)
        report = first_start(qtbot, window, code)
        assert report.complete, server.log
        assert window.catalog.model.rowCount() == 3
        assert window.status.text().startswith("\u25cf Online \u00b7 Last sync: today")

        # A teacher makes her profile and learns a little.
        teacher = window.profiles.create_from_values(dict(TEACHER))
        assert teacher is not None
        with context.db.read_session() as session:
            course = catalog.list_courses(session, "", 0, 1)[0]
            item = catalog.course_detail(session, course.id).items[0]  # type: ignore[union-attr]
        with context.db.write() as session:
            watched = {"start": 0, "end": 30, "duration": 60}
            progress.record(session, teacher, item.id, progress.VIDEO_WATCHED, watched)
        window.back_to_course()
        assert "2 record(s) waiting to be sent" in window.status.text()
        with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS) as synced:
            window.status.sync_button.click()
        assert synced.args[0].pushed == 2 and synced.args[0].problems == 0
        assert window.status.text().endswith("Everything is sent")
        window.close()
        context.close()

        # Another PC: connected, then she brings her profile over with her name and PIN.
        window, context = open_pc(qtbot, tmp_path / "pc-2", server.url)
        first_start(qtbot, window, code)

        def claim(dialog: ClaimDialog) -> None:
            dialog.name.setText("秀英")
            dialog.search_button.click()
            qtbot.waitUntil(lambda: bool(dialog.result_buttons), timeout=SYNC_TIMEOUT_MS)
            dialog.result_buttons[0].click()
            dialog.pad.pin.setText(PIN)
            dialog.pad.ok.click()

        when_modal(qtbot, ClaimDialog, claim)
        with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS) as synced:
            window.profiles.elsewhere_button.click()
        assert QApplication.activeModalWidget() is None
        assert synced.args[0].pulled == 1  # her video, watched on the first PC
        assert window.teacher is not None and window.teacher.id == teacher.id
        assert teacher.id in window.profiles.buttons
        with context.db.read_session() as session:
            events = progress.events_for(session, window.teacher, [item.id])[item.id]
        assert progress.derive(item.kind, events).share == pytest.approx(0.5)
        window.close()
        context.close()
