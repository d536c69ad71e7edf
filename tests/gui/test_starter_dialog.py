"""First start with a county installer: the courses shipped inside it are prepared in a modal
dialog before the window opens, on real signed packs; "Later" stops and the next start
finishes; refusals and a full disk are said in plain words, and the app opens anyway."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.county import load_county
from app.paths import DataPaths
from app.starter import import_starter, pending_starter
from app.storage import catalog
from app.sync.pack_import import ImportProgress, ImportReport
from app.ui import message
from app.ui.main_window import MainWindow
from app.ui.run import prepare_starter
from app.ui.starter_dialog import StarterDialog
from tests.gui.usb_fakes import PackSpec, build_pack, tamper

WAIT_MS = 20_000
TWO = [PackSpec("classroom-safety", "课堂安全"), PackSpec("ict-basics", "信息技术基础")]
FOUR = [PackSpec(f"course-{n}", f"第{n}门课") for n in range(1, 5)]


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    """Where a county build keeps its starter pack."""
    return tmp_path / "installer" / "assets" / "starter-pack"


def open_pc(paths: DataPaths, starter: Path, **changes: Any) -> AppContext:
    """This PC's data with the demo county's profile, its starter pack at ``starter``."""
    county = load_county()
    downloads = dataclasses.replace(county.downloads, **changes)
    county = dataclasses.replace(county, starter_pack=starter, downloads=downloads)
    return AppContext.open(paths, county=county)


@pytest.fixture
def pc(data_paths: DataPaths, starter: Path) -> Iterator[AppContext]:
    context = open_pc(data_paths, starter, reserve=0)
    yield context
    context.close()


def ready(context: AppContext) -> dict[str, bool]:
    with context.db.read_session() as session:
        return {c.id: c.ready for c in catalog.list_courses(session)}


def run_dialog(
    qtbot: QtBot, context: AppContext, run: Callable[..., Any] | None = None
) -> StarterDialog:
    """Opens the dialog (as the first start does) and waits until its work has ended."""
    dialog = StarterDialog(context, run=run)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.report is not None or bool(dialog.outcome), timeout=WAIT_MS)
    return dialog


def test_first_start_prepares_the_courses_and_the_catalog_lists_them_offline(
    qtbot: QtBot, pc: AppContext, starter: Path, ui_language: str, fresh_messages
) -> None:
    build_pack(starter, TWO)
    assert pending_starter(pc) == starter

    dialog = StarterDialog(pc)
    qtbot.addWidget(dialog)
    assert dialog.title.text() == "Opening for the first time: preparing the courses\u2026"
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS) as closed:
        dialog.open()
        assert dialog.later_button.text() == "Later"
        assert dialog.later_button.height() >= 60 and dialog.later_button.width() >= 180
    assert closed.args == [QDialog.DialogCode.Accepted]  # it closed by itself
    assert dialog.outcome == "" and dialog.report is not None

    assert pending_starter(pc) is None
    window = MainWindow(pc)  # no server anywhere: the courses are here, ready
    qtbot.addWidget(window)
    window.show()
    model = window.catalog.model
    titles = sorted(model.course_at(i).title for i in range(model.rowCount()))
    assert titles == ["信息技术基础", "课堂安全"]
    assert all(ready(pc).values())
    assert (message.Level.INFO, "2 course(s) that came with Lamplight are ready to use.") in (
        fresh_messages.history
    )


def test_the_app_start_runs_the_dialog_once(
    qtbot: QtBot, pc: AppContext, starter: Path, ui_language: str, fresh_messages
) -> None:
    build_pack(starter, TWO)
    assert prepare_starter(pc) is True  # modal: returns once the dialog closed by itself
    assert sorted(ready(pc)) == ["classroom-safety", "ict-basics"]
    assert prepare_starter(pc) is False  # the next start: nothing to prepare, no dialog


def gated(gate: threading.Event, entered: threading.Event) -> Callable[..., ImportReport]:
    """The real import, held at its first progress report until ``gate`` opens."""

    def run(
        context: AppContext,
        progress: Callable[[ImportProgress], None],
        stop: Callable[[], bool],
        **kwargs: Any,
    ) -> ImportReport:
        def held(update: ImportProgress) -> None:
            progress(update)
            entered.set()
            gate.wait(WAIT_MS / 1000)

        return import_starter(context, held, stop, **kwargs)

    return run


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_later_stops_after_the_current_file_and_the_next_start_finishes(
    qtbot: QtBot,
    pc: AppContext,
    starter: Path,
    ui_language: str,
    fresh_messages,
    gate: threading.Event,
) -> None:
    build_pack(starter, FOUR)  # the import works three courses ahead at most: one is left
    entered = threading.Event()
    dialog = StarterDialog(pc, run=gated(gate, entered))
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: " of " in dialog.amount.text(), timeout=WAIT_MS)
    assert dialog.course.text() == "Now preparing: 第1门课"

    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
        assert dialog.course.text() == "Stopping after the current file\u2026"
        assert not dialog.later_button.isEnabled() and dialog.isVisible()
        gate.set()
    assert dialog.outcome == ""
    assert "course-4" not in ready(pc)
    assert pending_starter(pc) == starter  # not done: the next start goes on
    history = [text for _, text in fresh_messages.history]
    assert "The other courses are prepared the next time Lamplight opens." in history

    again = StarterDialog(pc)  # the next start
    qtbot.addWidget(again)
    assert again.title.text() == "Opening for the first time: preparing the courses\u2026"
    with qtbot.waitSignal(again.finished, timeout=WAIT_MS):
        again.open()
    assert sorted(ready(pc)) == [f"course-{n}" for n in range(1, 5)]
    assert all(ready(pc).values()) and pending_starter(pc) is None


def test_closing_the_dialog_while_it_works_is_later(
    qtbot: QtBot, pc: AppContext, starter: Path, ui_language: str, gate: threading.Event
) -> None:
    build_pack(starter, FOUR)
    entered = threading.Event()
    dialog = StarterDialog(pc, run=gated(gate, entered))
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        dialog.close()
        assert dialog.isVisible()  # waits for the import to stop
        gate.set()
    assert pending_starter(pc) == starter


def test_a_refused_course_is_explained_and_the_app_opens_anyway(
    qtbot: QtBot, pc: AppContext, starter: Path, ui_language: str, fresh_messages
) -> None:
    build_pack(starter, TWO)
    tamper(starter, "ict-basics")
    dialog = run_dialog(qtbot, pc)
    qtbot.waitUntil(lambda: dialog.continue_button.isVisible(), timeout=WAIT_MS)

    assert dialog.title.text() == "Not all the courses could be prepared"
    said = dialog.message.text()
    assert said.startswith("1 course(s) that came with Lamplight could not be added")
    assert "信息技术基础" in said and "tell your training coordinator" in said
    assert not dialog.later_button.isVisible() and not dialog.bar.isVisible()
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS) as closed:
        qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert closed.args == [QDialog.DialogCode.Accepted]
    assert ready(pc) == {"classroom-safety": True}
    assert pending_starter(pc) is None  # said once, not at every start


def test_a_full_disk_says_what_to_do_and_the_next_start_tries_again(
    qtbot: QtBot, data_paths: DataPaths, starter: Path, ui_language: str, fresh_messages
) -> None:
    build_pack(starter, TWO)
    context = open_pc(data_paths, starter, reserve=10**18)  # more than any disk has free
    try:
        dialog = run_dialog(qtbot, context)
        qtbot.waitUntil(lambda: dialog.continue_button.isVisible(), timeout=WAIT_MS)
        assert dialog.message.text().startswith("The disk of this computer is full")
        assert "free some space" in dialog.message.text()
        assert ready(context) == {} and pending_starter(context) == starter
        dialog.continue_button.click()
        assert not dialog.isVisible()
    finally:
        context.close()


def test_a_starter_pack_that_cannot_be_read_is_said_once(
    qtbot: QtBot, pc: AppContext, starter: Path, ui_language: str
) -> None:
    build_pack(starter, TWO)
    (starter / "lamplight-pack.json").write_text("{ not json")
    dialog = run_dialog(qtbot, pc)
    qtbot.waitUntil(lambda: dialog.continue_button.isVisible(), timeout=WAIT_MS)
    assert "are damaged, so they could not be prepared" in dialog.message.text()
    assert pending_starter(pc) is None
