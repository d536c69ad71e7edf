"""The USB window as a teacher uses it, on real packs (signed with the demo county's key):
the sticks found, what is on one, Copy, the progress and Stop, what came of it (refusals in
plain words), and sending the PC's progress on the stick and taking the county's receipt."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage import catalog, profiles
from app.sync.drives import Drive
from app.sync.pack_import import ImportProgress, ImportReport, PackPlan
from app.ui import message
from app.ui.usb_window import UsbWindow
from app.ui.usb_worker import UsbBackend
from tests.gui.usb_fakes import PackSpec, answer_bundles, build_pack, enroll_offline, tamper

WAIT_MS = 20_000
FOUR = [PackSpec(f"course-{n}", f"第{n}门课") for n in range(1, 5)]


def texts(widget: QWidget) -> str:
    """Everything the teacher can read in ``widget`` (labels, buttons, tick boxes)."""
    found = [
        w.text()
        for w in widget.findChildren(QWidget)
        if isinstance(w, QLabel | QPushButton) or hasattr(w, "isChecked")
        if not w.isHidden() and hasattr(w, "text")
    ]
    return "\n".join(found)


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A stick with two courses from the county in ``lamplight/``."""
    root = tmp_path / "KINGSTON"
    build_pack(
        root / "lamplight",
        [PackSpec("classroom-safety", "课堂安全"), PackSpec("ict-basics", "信息技术基础")],
    )
    return root


def no_drives() -> list[Drive]:
    return []


def open_window(qtbot: QtBot, context: AppContext, backend: UsbBackend | None = None) -> UsbWindow:
    window = UsbWindow(context, backend=backend or UsbBackend(drives=no_drives), refresh_ms=0)
    qtbot.addWidget(window)
    window.show()
    return window


def open_stick(qtbot: QtBot, window: UsbWindow, folder: Path) -> None:
    """What "Choose a folder..." does once the teacher picked ``folder``."""
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.stick_page, timeout=WAIT_MS)


def copy_and_wait(qtbot: QtBot, window: UsbWindow) -> None:
    qtbot.mouseClick(window.stick_page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.result_page, timeout=WAIT_MS)


def course_ids(context: AppContext) -> list[str]:
    with context.db.read_session() as session:
        return [c.id for c in catalog.list_courses(session) if c.ready]


def test_the_sticks_found_are_listed_and_the_one_with_courses_opens_by_itself(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path, tmp_path: Path
) -> None:
    drives = [Drive(tmp_path / "EMPTY", "EMPTY", 10**9, 8 * 10**9, False)]
    window = open_window(qtbot, context, UsbBackend(drives=lambda: list(drives)))
    qtbot.waitUntil(lambda: len(window.drives_page.buttons) == 1)
    assert "EMPTY" in window.drives_page.buttons[0].text()
    assert window.stack.currentWidget() is window.drives_page  # no courses on it: it waits

    drives.append(Drive(stick, "KINGSTON", 10**9, 8 * 10**9, True))
    window.worker.list_drives()  # what the 2-second timer does
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.stick_page, timeout=WAIT_MS)
    assert "KINGSTON" in window.stick_page.title.text()


def test_copying_a_pack_makes_its_courses_ready_in_the_catalog(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    page = window.stick_page
    shown = texts(page)
    assert "课堂安全" in shown and "信息技术基础" in shown
    assert shown.count("New course") == 2
    assert "2 course(s) on the stick" in page.summary.text()
    assert page.copy_button.text() == "Copy 2 course(s) to this computer"
    assert page.copy_button.isEnabled()

    with qtbot.waitSignal(window.courses_imported, timeout=WAIT_MS) as imported:
        copy_and_wait(qtbot, window)
    assert sorted(imported.args[0]) == ["classroom-safety", "ict-basics"]
    result = texts(window.result_page)
    assert "2 course(s) copied: ready to use" in result
    assert "Ready to use: 课堂安全" in result
    assert sorted(course_ids(context)) == ["classroom-safety", "ict-basics"]

    # Back to the stick: everything is here now, nothing left to copy.
    qtbot.mouseClick(window.result_page.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.stick_page, timeout=WAIT_MS)
    assert texts(page).count("Already on this computer") == 2
    assert not page.copy_button.isEnabled()


def test_courses_not_from_the_county_are_refused_in_plain_words(
    qtbot: QtBot, context: AppContext, ui_language: str, tmp_path: Path
) -> None:
    root = build_pack(
        tmp_path / "stick" / "lamplight",
        [
            PackSpec("classroom-safety", "课堂安全"),
            PackSpec("changed", "被改过的课程"),
            PackSpec("elsewhere", "外县课程", foreign_key=True),
        ],
    )
    tamper(root, "changed")
    window = open_window(qtbot, context)
    open_stick(qtbot, window, root)
    shown = texts(window.stick_page)
    assert "This course was not made by your county's training office" in shown
    assert "This course was changed after your county's training office made it" in shown
    # Only the good course can be ticked and copied.
    assert window.stick_page.selected() == ["classroom-safety"]
    assert window.stick_page.copy_button.text() == "Copy 1 course(s) to this computer"
    copy_and_wait(qtbot, window)
    assert course_ids(context) == ["classroom-safety"]


def test_a_file_damaged_on_the_stick_is_refused_when_copied(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    blobs = sorted((stick / "lamplight" / "blobs").rglob("*"))
    victim = next(p for p in blobs if p.is_file())
    victim.write_bytes(b"x" * victim.stat().st_size)  # same size, other bytes
    copy_and_wait(qtbot, window)
    result = texts(window.result_page)
    assert "Not copied:" in result
    assert "is damaged on the stick" in result
    assert len(course_ids(context)) == 1


def gated(gate: threading.Event, entered: threading.Event) -> Callable[..., ImportReport]:
    """The real import, held at its first progress report until ``gate`` opens."""

    def run(
        context: AppContext,
        plan: PackPlan,
        ids: list[str],
        on_progress: Callable[[ImportProgress], None],
        should_stop: Callable[[], bool],
    ) -> ImportReport:
        def progress(update: ImportProgress) -> None:
            on_progress(update)
            entered.set()
            gate.wait(WAIT_MS / 1000)

        return UsbBackend().import_courses(context, plan, ids, progress, should_stop)

    return run


@pytest.fixture
def four_courses(tmp_path: Path) -> Path:
    """A stick whose last course the import has not started on when it first reports (it
    works on at most three courses at a time), so stopping there always leaves it."""
    root = tmp_path / "KINGSTON"
    build_pack(root / "lamplight", FOUR)
    return root


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_stop_copying_keeps_what_was_copied_and_copy_again_finishes(
    qtbot: QtBot, context: AppContext, ui_language: str, four_courses: Path, gate: threading.Event
) -> None:
    entered = threading.Event()
    backend = UsbBackend(drives=no_drives, import_courses=gated(gate, entered))
    window = open_window(qtbot, context, backend)
    open_stick(qtbot, window, four_courses)
    qtbot.mouseClick(window.stick_page.copy_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.copying_page
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: " of " in window.copying_page.amount.text())  # "x KB of y KB"
    assert window.copying_page.course.text() == "Now copying: 第1门课"

    qtbot.mouseClick(window.copying_page.cancel_button, Qt.MouseButton.LeftButton)
    assert window.copying_page.course.text() == "Stopping\u2026"
    gate.set()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.result_page, timeout=WAIT_MS)
    result = texts(window.result_page)
    assert "Copying was stopped. What was already copied is kept" in result
    assert window.result_page.again_button.isVisibleTo(window.result_page)
    assert "course-4" not in course_ids(context)

    qtbot.mouseClick(window.result_page.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.stack.currentWidget() is window.result_page
            and not window.result_page.again_button.isVisibleTo(window.result_page)
        ),
        timeout=WAIT_MS,
    )
    assert sorted(course_ids(context)) == [f"course-{n}" for n in range(1, 5)]


def test_a_stick_pulled_out_while_copying_says_to_put_it_back(
    qtbot: QtBot, context: AppContext, ui_language: str, four_courses: Path, gate: threading.Event
) -> None:
    entered = threading.Event()
    backend = UsbBackend(drives=no_drives, import_courses=gated(gate, entered))
    window = open_window(qtbot, context, backend)
    open_stick(qtbot, window, four_courses)
    qtbot.mouseClick(window.stick_page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    shutil.rmtree(four_courses)  # pulled out
    gate.set()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.result_page, timeout=WAIT_MS)
    assert "The USB stick was taken out. Put it back and press Copy again" in texts(
        window.result_page
    )
    assert "Not copied yet: 第4门课" in texts(window.result_page)
    assert "course-4" not in course_ids(context)

    # Copy again before the stick is back: it says so, and waits.
    qtbot.mouseClick(window.result_page.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not be read" in window.result_page.stop.text(), timeout=WAIT_MS)
    # Put back, Copy again: the rest is copied.
    build_pack(four_courses / "lamplight", FOUR)
    gate.set()
    qtbot.mouseClick(window.result_page.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "course-4" in course_ids(context), timeout=WAIT_MS)
    assert sorted(course_ids(context)) == [f"course-{n}" for n in range(1, 5)]


def test_copy_is_refused_with_how_much_to_free_when_the_courses_do_not_fit(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    def tight(context: AppContext, root: Path) -> PackPlan:
        plan = UsbBackend().scan(context, root)
        return dataclasses.replace(plan, free_bytes=plan.reserve + 150_000)

    window = open_window(qtbot, context, UsbBackend(drives=no_drives, scan=tight))
    open_stick(qtbot, window, stick)
    page = window.stick_page
    assert not page.copy_button.isEnabled()
    assert "not enough free space on this computer. Free 49 KB more" in page.reason.text()
    # Unticking one course makes the other fit.
    page.rows[1].check.setChecked(False)
    assert page.copy_button.isEnabled()
    assert page.copy_button.text() == "Copy 1 course(s) to this computer"


def test_a_folder_without_courses_says_so_and_still_offers_to_send_progress(
    qtbot: QtBot, context: AppContext, ui_language: str, tmp_path: Path
) -> None:
    window = open_window(qtbot, context)
    open_stick(qtbot, window, tmp_path)
    page = window.stick_page
    assert "There are no Lamplight courses here" in page.summary.text()
    assert page.copy_button.isHidden()
    assert page.send_button.isEnabled()


def test_an_unreadable_pack_is_explained_on_the_list_of_sticks(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    (stick / "lamplight" / "lamplight-pack.json").write_text("{not json")
    window = open_window(qtbot, context)
    window.open_folder(stick)
    qtbot.waitUntil(lambda: window.drives_page.error.isVisibleTo(window), timeout=WAIT_MS)
    assert "damaged or wrong" in window.drives_page.error.text()
    assert window.stack.currentWidget() is window.drives_page


def add_teacher(context: AppContext, name: str) -> None:
    with context.db.write() as session:
        profiles.create_profile(
            session,
            name=name,
            school="城关小学",
            gender="female",
            age_band="50plus",
            subject="语文",
            pin="2468",
        )


def test_send_progress_writes_it_on_the_stick_and_the_receipt_marks_it_delivered(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    enroll_offline(context.db)
    add_teacher(context, "王老师")
    add_teacher(context, "李老师")
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    page = window.stick_page
    assert "2 learning record(s) from 2 teacher(s) wait" in page.waiting.text()

    qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "now on the stick" in page.send_result.text(), timeout=WAIT_MS)
    assert "2 learning record(s) from 2 teacher(s) are now on the stick" in page.send_result.text()
    assert list((stick / "lamplight" / "bundles").rglob("*.json"))

    # The coordinator brings the stick back with the county's receipt.
    assert answer_bundles(stick / "lamplight") == 2
    qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "The county received" in page.send_result.text(), timeout=WAIT_MS)
    assert "The county received 2 record(s) from this computer." in page.send_result.text()
    assert "no new progress to send" in page.send_result.text()
    assert "Everything learnt on this computer has been sent." in page.waiting.text()


def test_send_progress_on_a_pc_not_registered_says_what_to_do(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    add_teacher(context, "王老师")
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    qtbot.mouseClick(window.stick_page.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stick_page.send_result.isVisibleTo(window), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "not registered" in window.stick_page.send_result.text())
    assert not list(stick.rglob("bundles/*/*.json"))


def test_closing_while_copying_stops_the_copy_first(
    qtbot: QtBot, context: AppContext, ui_language: str, four_courses: Path, gate: threading.Event
) -> None:
    entered = threading.Event()
    backend = UsbBackend(drives=no_drives, import_courses=gated(gate, entered))
    window = open_window(qtbot, context, backend)
    open_stick(qtbot, window, four_courses)
    qtbot.mouseClick(window.stick_page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    window.close()
    assert window.isVisible()  # waits for the copy to stop
    gate.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert window.worker.wait_idle(5)
    assert "course-4" not in course_ids(context)


def test_the_header_button_opens_the_usb_window_and_new_courses_reach_the_catalog(
    qtbot: QtBot, window: Any, fresh_messages: message.MessageBus, stick: Path
) -> None:
    window.usb_backend = UsbBackend(drives=no_drives)
    assert window.usb_button.text() == "USB stick"
    qtbot.mouseClick(window.usb_button, Qt.MouseButton.LeftButton)
    usb = window.usb_window
    assert usb is not None and usb.isVisible()
    open_stick(qtbot, usb, stick)
    copy_and_wait(qtbot, usb)
    assert window.catalog.model.rowCount() == 2
    assert (message.Level.INFO, "2 course(s) from the USB stick are ready to use.") in (
        fresh_messages.history
    )
    qtbot.mouseClick(usb.result_page.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.usb_window is None)
