"""The window on a data directory the previous Lamplight release wrote: the same teachers on the
"who is learning today?" page, their PINs (and the wrong ones typed before) as they were, and
their progress on the course page. Expectations come from the fixture's ``FIXTURE.json``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import profiles
from app.storage.db import SCHEMA_HEAD, current_revision
from app.ui import message
from app.ui.catalog_model import CourseRole
from app.ui.dialogs import PinDialog
from app.ui.main_window import MainWindow
from tests.helpers.upgrade import read_fixture, unpack_fixture

FIXTURE = read_fixture()


@pytest.fixture
def upgraded(tmp_path: Path) -> Iterator[tuple[AppContext, dict[str, Any]]]:
    data_dir, fixture = unpack_fixture(tmp_path / "old")
    context = AppContext.open(DataPaths(data_dir))  # the app's start: migrates
    assert current_revision(context.db.engine) == SCHEMA_HEAD
    yield context, fixture
    context.close()


@pytest.fixture
def window(
    qtbot: QtBot,
    upgraded: tuple[AppContext, dict[str, Any]],
    ui_language: str,
    fresh_messages: message.MessageBus,
) -> MainWindow:
    win = MainWindow(upgraded[0])
    qtbot.addWidget(win)
    win.show()
    return win


def sign_in(qtbot: QtBot, window: MainWindow, teacher: dict[str, Any]) -> list[str]:
    """Clicks the teacher's name, types a wrong PIN, then the right one; returns the errors
    the PIN dialog showed before each PIN."""
    tries = ["0000", teacher["pin"]]
    seen: list[str] = []

    def type_pin() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PinDialog) or not dialog.isVisible():
            QTimer.singleShot(20, type_pin)
            return
        seen.append(dialog.error.text() if dialog.error.isVisible() else "")
        dialog.pin.setText(tries.pop(0))
        dialog.ok.click()
        if tries:
            QTimer.singleShot(50, type_pin)

    QTimer.singleShot(0, type_pin)
    with qtbot.waitSignal(window.profiles.opened, timeout=10_000):
        window.profiles.buttons[teacher["id"]].click()
    return seen


def expected_state(kind: str, shown: dict[str, Any] | None) -> str:
    """What an item row says for a stored item, from the progress the old release recorded."""
    if shown is None or not shown["started"]:
        return "Ready - not started"
    if shown["done"]:
        return "\u2714 Done"
    percent = int(shown["share"] * 100)
    return f"Watched {percent}%" if kind == "video" else f"Read {percent}%"


def test_the_old_teachers_are_on_the_profile_page(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.profiles
    assert set(window.profiles.buttons) == {t["id"] for t in FIXTURE["teachers"]}
    for teacher in FIXTURE["teachers"]:
        assert window.profiles.buttons[teacher["id"]].text().split("\n")[0] == teacher["name"]


@pytest.mark.parametrize("teacher", FIXTURE["teachers"], ids=lambda t: t["pin"])
def test_a_teacher_signs_in_with_the_old_pin_and_finds_the_progress(
    qtbot: QtBot, window: MainWindow, teacher: dict[str, Any]
) -> None:
    seen = sign_in(qtbot, window, teacher)
    left = profiles.MAX_ATTEMPTS - teacher["failed_attempts"] - 1
    assert seen[0] == ""
    assert f"You can try {left} more time" in seen[1]  # the wrong PINs typed before count
    assert window.teacher is not None and window.teacher.id == teacher["id"]
    assert teacher["name"] in window.teacher_label.text()

    # The catalog: both courses, the downloaded one ready to use.
    assert window.stack.currentWidget() is window.catalog
    model = window.catalog.model
    rows = [model.data(model.index(n), CourseRole) for n in range(model.rowCount())]
    courses = {c["id"]: c for c in FIXTURE["courses"]}
    assert {r.id: (r.title, r.ready) for r in rows} == {
        c["id"]: (c["title"], c["ready"]) for c in courses.values()
    }

    # Each course from the catalog list, as a teacher opens it.
    progress = FIXTURE["progress"].get(teacher["id"], {})
    queued = {q["sha256"]: q for q in FIXTURE["queue"]}
    for n, row in enumerate(rows):
        view = window.catalog.view
        rect = view.visualRect(model.index(n))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        page = window.course
        assert window.stack.currentWidget() is page
        assert page.title.text() == courses[row.id]["title"]
        for item in courses[row.id]["items"]:
            state = page.rows[item["id"]].state.text()
            if item["stored"]:
                assert state == expected_state(item["kind"], progress.get(item["id"])), item
            else:  # the paused download, with the bytes it already had
                assert queued[item["sha256"]]["paused"]
                assert state.startswith("Paused ("), state
        if not courses[row.id]["ready"]:
            assert page.pause_button.text() == "Resume download"
            assert page.progress.value() > 0  # the partial bytes count
        else:
            assert page.ready_label.isVisibleTo(page)
        page.back.emit()
