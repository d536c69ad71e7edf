"""The sync as the main window runs it: "Sync now", a server coming back, what a teacher sees
refreshed afterwards, a PC the server no longer knows, and closing the window mid-sync."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import catalog
from app.sync.engine import SyncReport
from app.sync.errors import DeviceRevokedError, NotEnrolledError, OfflineError
from app.ui import message
from app.ui.enroll_dialog import EnrollDialog
from app.ui.main_window import MainWindow
from tests.gui.sync_fakes import FakeSync, dead_url, idle_client, open_context
from wire.api import CatalogCourse, CatalogPage


@pytest.fixture
def enrolled(data_paths: DataPaths) -> Iterator[AppContext]:
    context = open_context(data_paths, dead_url(), enrolled=True)
    yield context
    context.close()


@pytest.fixture
def fake() -> FakeSync:
    return FakeSync()


@pytest.fixture
def window(
    qtbot: QtBot,
    enrolled: AppContext,
    fake: FakeSync,
    ui_language: str,
    fresh_messages: message.MessageBus,
) -> Iterator[MainWindow]:
    win = MainWindow(enrolled)
    qtbot.addWidget(win)
    win.sync.sync_fn, win.sync.client_factory = fake, idle_client
    win.show()
    yield win
    win.close()


def test_sync_now_button(qtbot: QtBot, window: MainWindow, fake: FakeSync) -> None:
    button = window.status.sync_button
    assert button.isVisible() and button.isEnabled() and button.height() >= 48
    assert "Last sync: never" in window.status.text()
    fake.gate.clear()
    button.click()
    qtbot.waitUntil(lambda: "sending your work" in window.status.text(), timeout=10_000)
    assert not button.isEnabled()  # one at a time: the button waits too
    with qtbot.waitSignal(window.sync.finished, timeout=10_000):
        fake.gate.set()
    assert button.isEnabled()
    assert window.status.text().startswith("\u25cf Online \u00b7 Last sync: today")
    assert fake.calls == 1


def test_a_failed_sync_says_why_and_stays_calm(
    qtbot: QtBot, window: MainWindow, fake: FakeSync, fresh_messages: message.MessageBus
) -> None:
    fake.outcomes = [OfflineError("refused")]
    with qtbot.waitSignal(window.catalog_refreshed, timeout=10_000) as refreshed:
        window.status.sync_button.click()
    assert refreshed.args == [-1]
    assert window.status.reason.isVisible()
    assert "will be sent when the network is back" in window.status.reason.text()
    assert fresh_messages.history == []  # being offline is normal: no message box


def test_the_server_coming_back_starts_a_sync(
    qtbot: QtBot, window: MainWindow, fake: FakeSync
) -> None:
    with qtbot.waitSignal(window.sync.finished, timeout=10_000):
        window.status.server_back.emit()
    assert fake.calls == 1


def new_course_arrives(context: AppContext) -> SyncReport:
    """What the catalog stage of a sync does when the county published a course."""
    course = CatalogCourse.model_validate(
        {
            "id": "c-new",
            "version": 1,
            "seq": 1,
            "title": "新课程",
            "description": "",
            "language": "zh-CN",
            "published_at": datetime.now(UTC),
            "lessons": [],
        }
    )
    with context.db.write() as session:
        catalog.apply_catalog_page(session, CatalogPage(courses=[course], cursor=1, has_more=False))
    return SyncReport(complete=True, courses_changed=1)


def test_new_courses_appear_after_a_sync(
    qtbot: QtBot, window: MainWindow, fake: FakeSync, enrolled: AppContext
) -> None:
    window.show_catalog()
    assert window.catalog.model.rowCount() == 0
    fake.outcomes = [new_course_arrives(enrolled)]
    with qtbot.waitSignal(window.catalog_refreshed, timeout=10_000) as refreshed:
        window.sync.sync_now()
    assert refreshed.args == [1]
    assert window.catalog.model.rowCount() == 1
    assert window.catalog.model.course_at(0).title == "新课程"


@pytest.mark.parametrize(
    ("refusal", "words"),
    [
        (NotEnrolledError("401"), "does not know this computer any more"),
        (DeviceRevokedError("403"), "removed this computer"),
    ],
)
def test_a_pc_the_server_refuses_is_asked_to_connect_again(
    qtbot: QtBot, window: MainWindow, fake: FakeSync, refusal: Exception, words: str
) -> None:
    fake.outcomes = [refusal]
    with qtbot.waitSignal(window.sync.enrollment_needed, timeout=10_000):
        window.sync.sync_now()
    dialog = window.enroll_dialog
    assert isinstance(dialog, EnrollDialog) and dialog.isVisible()
    assert QApplication.activeModalWidget() is dialog
    assert words in dialog.reason.text()
    assert not window.sync.timer.isActive()
    dialog.later_button.click()


def test_closing_the_window_stops_the_sync(
    qtbot: QtBot, window: MainWindow, fake: FakeSync
) -> None:
    fake.gate.clear()
    fake.outcomes = [SyncReport(stopped=True)]
    window.sync.sync_now()
    assert fake.entered.wait(10)
    # The sync reaches its next stopping point a moment after the window began closing.
    threading.Timer(0.3, fake.gate.set).start()
    window.close()
    assert window.sync.wait_idle(0)  # the window waited for it
    assert fake.stop_seen == [True]
    assert not window.sync.timer.isActive() and not window.status.timer.isActive()
