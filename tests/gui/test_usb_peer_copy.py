"""Copying this computer's courses to a USB stick for another computer, from the USB window:
the list (what can go, what cannot and why), choosing, the space on the stick, copying with
Stop, a full stick, a stick taken out, and, on the real backend, a course carried from one PC
to a fresh one that takes it in with the county's signature checked."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.sync.pack_export import PeerCourse, PeerExport, PeerPlan, Refusal
from app.sync.pack_import import import_pack, scan_pack
from app.ui.usb_window import UsbWindow
from app.ui.usb_worker import UsbBackend
from tests.gui.test_usb_window import WAIT_MS, course_ids, no_drives, open_window, texts
from tests.gui.usb_fakes import PackSpec, build_pack
from wire.pack_courses import CopyProgress, PackReport
from wire.pack_writer import PackFull, PackWriteError

MB = 1024 * 1024


def course(cid: str, title: str, size: int = 30 * MB, **kw: object) -> PeerCourse:
    files = ((cid.ljust(64, "0")[:64], size),)
    return PeerCourse(cid, title, 1, size, new_files=files, **kw)  # type: ignore[arg-type]


COURSES = [
    course("safety", "课堂安全"),
    course("reading", "阅读教学", 50 * MB),
    course("old", "旧课程", refusal=Refusal.UNSIGNED, detail="no signature"),
    course("half", "下载中的课程", refusal=Refusal.FILES_MISSING, detail="2 of 5 files"),
]


class FakePeer:
    """This PC's courses as the window sees them, and an export that records what it was
    asked (each test sets what the export does)."""

    def __init__(self, free: int = 4000 * MB) -> None:
        self.free = free
        self.calls: list[list[str]] = []
        self.run: Callable[..., PeerExport] = self.done

    def plan(self, context: AppContext, folder: Path) -> PeerPlan:
        return PeerPlan(folder / "lamplight", list(COURSES), self.free)

    def export(
        self,
        context: AppContext,
        pack_root: Path,
        ids: list[str],
        on_progress: Callable[[CopyProgress], None],
        should_stop: Callable[[], bool],
    ) -> PeerExport:
        self.calls.append(list(ids))
        return self.run(pack_root, ids, on_progress, should_stop)

    @staticmethod
    def done(pack_root: Path, ids: list[str], *_: object) -> PeerExport:
        return PeerExport(PackReport(pack_root, written=list(ids)))

    def backend(self) -> UsbBackend:
        return UsbBackend(drives=no_drives, peer_plan=self.plan, export_courses=self.export)


@pytest.fixture
def peer() -> FakePeer:
    return FakePeer()


@pytest.fixture
def blank_stick(tmp_path: Path) -> Path:
    stick = tmp_path / "KINGSTON"
    stick.mkdir()
    return stick


def open_peer_page(qtbot: QtBot, window: UsbWindow, folder: Path) -> None:
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.stick_page, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.stick_page.peer_button.isEnabled(), timeout=WAIT_MS)
    qtbot.mouseClick(window.stick_page.peer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.peer_page, timeout=WAIT_MS)


def tick(window: UsbWindow, *titles: str) -> None:
    for row in window.peer_page.rows:
        if row.course.title in titles:
            row.check.setChecked(True)


def test_the_stick_page_offers_to_copy_this_computers_courses(
    qtbot: QtBot, context: AppContext, ui_language: str, peer: FakePeer, blank_stick: Path
) -> None:
    window = open_window(qtbot, context, peer.backend())
    window.open_folder(blank_stick)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.stick_page, timeout=WAIT_MS)
    button = window.stick_page.peer_button
    assert button.text() == "Copy this computer's courses to the stick"
    assert button.isVisibleTo(window) and button.height() >= 48


def test_the_list_shows_what_can_go_and_what_cannot_with_why(
    qtbot: QtBot, context: AppContext, ui_language: str, peer: FakePeer, blank_stick: Path
) -> None:
    window = open_window(qtbot, context, peer.backend())
    open_peer_page(qtbot, window, blank_stick)
    page = window.peer_page
    shown = texts(page)
    assert [r.course.title for r in page.rows] == ["课堂安全", "阅读教学", "旧课程", "下载中的课程"]
    assert [r.check.isEnabled() for r in page.rows] == [True, True, False, False]
    assert shown.count("Can be copied") == 2
    assert "30.0 MB" in shown and "50.0 MB" in shown
    assert "It does not carry the county's seal, so it cannot be copied." in shown
    assert "not completely on this computer yet" in shown
    assert all(r.check.minimumSizeHint().height() >= 28 for r in page.rows)
    assert all(r.height() >= 48 for r in page.rows)


def test_nothing_chosen_or_too_much_for_the_stick_keeps_copy_disabled(
    qtbot: QtBot, context: AppContext, ui_language: str, blank_stick: Path
) -> None:
    peer = FakePeer(free=60 * MB)
    window = open_window(qtbot, context, peer.backend())
    open_peer_page(qtbot, window, blank_stick)
    page = window.peer_page
    assert not page.copy_button.isEnabled()
    assert page.reason.text() == "Tick the courses you want to copy."
    assert "Chosen: 0 course(s)" in page.summary.text()
    assert "Free on the USB stick: 60.0 MB" in page.summary.text()

    # A press anywhere on the row ticks it, not only on the small box.
    qtbot.mouseClick(page.rows[0].state, Qt.MouseButton.LeftButton)
    assert page.selected() == ["safety"]
    assert page.copy_button.isEnabled()
    assert page.copy_button.text() == "Copy 1 course(s) to the USB stick"
    assert "Chosen: 1 course(s), 30.0 MB to copy" in page.summary.text()

    tick(window, "阅读教学")
    assert not page.copy_button.isEnabled()
    assert "not enough space on the USB stick. Free 21.1 MB more" in page.reason.text()
    # A course that cannot go cannot be ticked.
    qtbot.mouseClick(page.rows[2].state, Qt.MouseButton.LeftButton)
    assert page.selected() == ["safety", "reading"]


def test_copying_the_chosen_courses_calls_the_export_and_says_what_to_do_next(
    qtbot: QtBot, context: AppContext, ui_language: str, peer: FakePeer, blank_stick: Path
) -> None:
    window = open_window(qtbot, context, peer.backend())
    open_peer_page(qtbot, window, blank_stick)
    tick(window, "课堂安全", "阅读教学")
    qtbot.mouseClick(window.peer_page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.peer_result_page, timeout=WAIT_MS
    )
    assert peer.calls == [["safety", "reading"]]
    page = window.peer_result_page
    assert page.title.text() == "2 course(s) copied to the USB stick."
    assert "Put the USB stick into the other computer and press \u201cUSB stick\u201d" in (
        page.next_step.text()
    )
    assert "On the USB stick: 课堂安全" in texts(page)
    assert not page.again_button.isVisibleTo(page)
    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_stop_copying_ends_with_what_is_on_the_stick_and_copy_again(
    qtbot: QtBot,
    context: AppContext,
    ui_language: str,
    peer: FakePeer,
    blank_stick: Path,
    gate: threading.Event,
) -> None:
    def slow(pack_root: Path, ids: list[str], on_progress, should_stop) -> PeerExport:  # type: ignore[no-untyped-def]
        on_progress(CopyProgress(MB, 80 * MB, 0, 2, ids[0], "课堂安全"))
        gate.wait(WAIT_MS / 1000)
        while not should_stop():  # the real export asks after every chunk
            threading.Event().wait(0.01)
        return PeerExport(PackReport(pack_root, written=ids[:1]), stopped=True)

    peer.run = slow
    window = open_window(qtbot, context, peer.backend())
    open_peer_page(qtbot, window, blank_stick)
    tick(window, "课堂安全", "阅读教学")
    qtbot.mouseClick(window.peer_page.copy_button, Qt.MouseButton.LeftButton)
    copying = window.copying_page
    assert copying.heading.text() == "Copying courses to the USB stick\u2026"
    qtbot.waitUntil(lambda: "1.0 MB of 80.0 MB copied" in copying.amount.text(), timeout=WAIT_MS)
    assert copying.cancel_button.height() >= 48

    qtbot.mouseClick(copying.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.peer_result_page, timeout=WAIT_MS
    )
    page = window.peer_result_page
    shown = texts(page)
    assert "Copying was stopped. The courses finished before are on the stick" in shown
    assert "On the USB stick: 课堂安全" in shown
    assert "Not copied yet: 阅读教学" in shown
    assert page.again_button.isVisibleTo(page)

    peer.run = peer.done
    qtbot.mouseClick(page.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(peer.calls) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not page.again_button.isVisibleTo(page), timeout=WAIT_MS)
    assert peer.calls[1] == ["safety", "reading"]
    assert page.title.text() == "2 course(s) copied to the USB stick."


def test_a_full_stick_says_how_much_to_free(
    qtbot: QtBot, context: AppContext, ui_language: str, peer: FakePeer, blank_stick: Path
) -> None:
    def full(pack_root: Path, ids: list[str], *_: object) -> PeerExport:
        peer.free = 5 * MB  # what is left once the stick filled up
        raise PackFull("the stick is full", path=pack_root)

    peer.run = full
    window = open_window(qtbot, context, peer.backend())
    open_peer_page(qtbot, window, blank_stick)
    tick(window, "阅读教学")
    qtbot.mouseClick(window.peer_page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.peer_result_page, timeout=WAIT_MS
    )
    page = window.peer_result_page
    assert page.title.text() == "No course was copied to the USB stick"
    assert "The USB stick is full. Nothing half-copied was left on it. Free 46.1 MB" in (
        page.stop.text()
    )
    assert "Not copied yet: 阅读教学" in texts(page)
    assert page.again_button.isVisibleTo(page)


def test_a_stick_pulled_out_while_copying_says_to_put_it_back(
    qtbot: QtBot, context: AppContext, ui_language: str, peer: FakePeer, blank_stick: Path
) -> None:
    def pulled(pack_root: Path, ids: list[str], *_: object) -> PeerExport:
        shutil.rmtree(blank_stick)
        raise PackWriteError("cannot write: No such device", path=pack_root)

    peer.run = pulled
    window = open_window(qtbot, context, peer.backend())
    open_peer_page(qtbot, window, blank_stick)
    tick(window, "课堂安全")
    qtbot.mouseClick(window.peer_page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.peer_result_page, timeout=WAIT_MS
    )
    page = window.peer_result_page
    assert "The USB stick was taken out" in page.stop.text()
    assert "Put it back and press Copy again" in page.stop.text()

    # Copy again before the stick is back: it says so and stays.
    qtbot.mouseClick(page.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not be read" in page.stop.text(), timeout=WAIT_MS)
    assert window.stack.currentWidget() is page
    assert len(peer.calls) == 1


# --- the real backend: one PC to another ----------------------------------------------------


def test_a_signed_course_goes_from_this_pc_to_a_fresh_pc_through_the_window(
    qtbot: QtBot, context: AppContext, ui_language: str, tmp_path: Path
) -> None:
    # This PC took two courses from the county's stick.
    county_stick = build_pack(
        tmp_path / "county" / "lamplight",
        [PackSpec("classroom-safety", "课堂安全"), PackSpec("ict-basics", "信息技术基础")],
    )
    plan = scan_pack(county_stick, context.db, context.content, context.county)
    import_pack(plan, plan.importable(), context.db, context.content, context.county)
    assert sorted(course_ids(context)) == ["classroom-safety", "ict-basics"]

    stick = tmp_path / "KINGSTON"
    stick.mkdir()
    (stick / "photos").mkdir()  # a stick holding other things: the pack goes in lamplight/
    window = open_window(qtbot, context, UsbBackend(drives=no_drives))
    open_peer_page(qtbot, window, stick)
    page = window.peer_page
    assert [r.course.title for r in page.rows] == ["信息技术基础", "课堂安全"]
    assert all(r.check.isEnabled() for r in page.rows)
    assert "Chosen: 0 course(s)" in page.summary.text()
    tick(window, "课堂安全")
    assert "Chosen: 1 course(s), 98 KB to copy" in page.summary.text()
    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.peer_result_page, timeout=WAIT_MS
    )
    assert window.peer_result_page.title.text() == "1 course(s) copied to the USB stick."
    assert (stick / "lamplight" / "lamplight-pack.json").is_file()

    # Back on the list: the stick has it now.
    qtbot.mouseClick(window.peer_result_page.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.stick_page, timeout=WAIT_MS)
    assert "课堂安全" in texts(window.stick_page)

    # Another school's PC, fresh, takes the stick in: the county's signature checks out.
    other = AppContext.open(DataPaths(tmp_path / "other-pc").ensure(), None)
    try:
        found = scan_pack(stick / "lamplight", other.db, other.content, other.county)
        assert [c.id for c in found.courses] == ["classroom-safety"]
        assert found.importable() == ["classroom-safety"]
        report = import_pack(found, found.importable(), other.db, other.content, other.county)
        assert report.imported == ["classroom-safety"] and not report.failed
        assert course_ids(other) == ["classroom-safety"]
    finally:
        other.close()


def test_a_course_already_on_the_stick_says_so(
    qtbot: QtBot, context: AppContext, ui_language: str, tmp_path: Path
) -> None:
    stick = build_pack(
        tmp_path / "KINGSTON" / "lamplight", [PackSpec("classroom-safety", "课堂安全")]
    )
    plan = scan_pack(stick, context.db, context.content, context.county)
    import_pack(plan, plan.importable(), context.db, context.content, context.county)
    window = open_window(qtbot, context, UsbBackend(drives=no_drives))
    open_peer_page(qtbot, window, tmp_path / "KINGSTON")
    assert "Already on the USB stick" in texts(window.peer_page)
    tick(window, "课堂安全")
    assert "Chosen: 1 course(s), 0 KB to copy" in window.peer_page.summary.text()


def test_stop_on_the_real_backend_leaves_whole_courses_only_and_copy_again_finishes(
    qtbot: QtBot, context: AppContext, ui_language: str, tmp_path: Path, gate: threading.Event
) -> None:
    specs = [PackSpec(f"course-{n}", f"第{n}门课") for n in range(1, 4)]
    county_stick = build_pack(tmp_path / "county" / "lamplight", specs)
    plan = scan_pack(county_stick, context.db, context.content, context.county)
    import_pack(plan, plan.importable(), context.db, context.content, context.county)
    entered = threading.Event()

    def held(
        context: AppContext,
        pack_root: Path,
        ids: list[str],
        on_progress: Callable[[CopyProgress], None],
        should_stop: Callable[[], bool],
    ) -> PeerExport:
        def progress(update: CopyProgress) -> None:
            on_progress(update)
            if update.course_id == "course-2":  # the first course is complete by now
                entered.set()
                gate.wait(WAIT_MS / 1000)

        return UsbBackend().export_courses(context, pack_root, ids, progress, should_stop)

    stick = tmp_path / "KINGSTON"
    stick.mkdir()
    window = open_window(qtbot, context, UsbBackend(drives=no_drives, export_courses=held))
    open_peer_page(qtbot, window, stick)
    tick(window, "第1门课", "第2门课", "第3门课")
    qtbot.mouseClick(window.peer_page.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    qtbot.mouseClick(window.copying_page.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.peer_result_page, timeout=WAIT_MS
    )
    shown = texts(window.peer_result_page)
    assert "Copying was stopped" in shown
    assert "On the USB stick: 第1门课" in shown and "Not copied yet: 第3门课" in shown
    assert window.peer is not None
    pack = window.peer.pack_root  # an empty folder (not a stick's root) is the pack itself
    assert not list(pack.glob(".partial/*"))  # nothing half-written
    other = AppContext.open(DataPaths(tmp_path / "other-pc").ensure(), None)
    try:
        assert scan_pack(pack, other.db, other.content, other.county).importable() == ["course-1"]
    finally:
        other.close()

    qtbot.mouseClick(window.peer_result_page.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.peer_result_page.title.text() == "3 course(s) copied to the USB stick.",
        timeout=WAIT_MS,
    )
    fresh = AppContext.open(DataPaths(tmp_path / "fresh-pc").ensure(), None)
    try:
        found = scan_pack(pack, fresh.db, fresh.content, fresh.county)
        report = import_pack(found, found.importable(), fresh.db, fresh.content, fresh.county)
        assert sorted(report.imported) == ["course-1", "course-2", "course-3"]
    finally:
        fresh.close()
