"""The USB window, opened from the header's "USB stick" button.

What the teacher sees, step by step:

1. "Put in the USB stick": the sticks found (looked for every 2 s, or "Look again"), each one
   big button, and "Choose a folder..." for anything else. A single stick with courses on it
   opens by itself when it appears.
2. What is on the stick: each course with its size and state (new, newer version, already
   here, or what is wrong with it in plain words), the total, what is new, the free space, and
   one big "Copy N courses to this computer" button (disabled, saying how much to free, when
   they will not fit). Below, "Send our progress on this stick" with how many records wait.
   On a computer not registered with the county yet, above it: "Register this computer with
   this USB stick (school)" when the stick carries a registration file from the county (taken
   off the stick, then kept here; sending works right away), else what to ask the training
   coordinator for.
3. Copying: the course, a bar, "x of y MB", and "Stop copying".
4. What came of it: the courses now ready, the ones refused and why, and why copying stopped
   (with "Copy again", which reads the stick again and goes on where it stopped).

From step 2, "Copy this computer's courses to the stick" (peer copy, for another PC): the
courses this PC can pass on (complete here and carrying the county's seal; the others greyed,
with why), each with a big tick box and its size, the stick's free space and what the chosen
need, and "Copy N courses to the USB stick"; then the same copying page, and what came of it
(how many are on the stick and what to do with it, or the stick full, taken out or stopped).

The work runs in a :class:`~app.ui.usb_worker.UsbWorker`; closing the window while it copies
stops the copy first (what was copied is kept).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QFileDialog, QStackedWidget, QVBoxLayout, QWidget

from app.context import AppContext
from app.storage.errors import DiskFullError
from app.sync.drives import Drive
from app.ui.texts import describe_error
from app.ui.usb_pages import CopyingPage, DrivesPage, ResultPage, folder_label
from app.ui.usb_peer_page import PeerPage, PeerResultPage
from app.ui.usb_stick_page import StickPage
from app.ui.usb_texts import (
    ACT,
    GOOD,
    WAIT,
    describe_enroll_error,
    describe_pack_error,
    describe_problem,
    describe_send_error,
)
from app.ui.usb_worker import (
    PeerProgress,
    PeerResult,
    SendResult,
    StickContents,
    UsbBackend,
    UsbWorker,
)
from wire.blobs import DiskFull
from wire.pack import PackError, Problem

if TYPE_CHECKING:
    from app.sync.devices import DeviceState
    from app.sync.pack_export import PeerPlan
    from app.sync.pack_import import ImportProgress, ImportReport

#: How often the list of sticks is read again while it is shown.
REFRESH_MS = 2000


class UsbWindow(QDialog):
    """Copies courses from a USB stick, and sends this PC's progress on it.

    Args:
        context: the running app's context.
        parent: the main window.
        backend: what the work calls (tests replace parts).
        refresh_ms: how often the sticks are looked for (0: only on "Look again").

    Signals:
        courses_imported(object): these course ids (``list[str]``) are now on this PC.
        device_enrolled(object): this PC registered with a file from the stick (its
            ``DeviceState``).
    """

    courses_imported = Signal(object)
    device_enrolled = Signal(object)

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        backend: UsbBackend | None = None,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(self.tr("USB stick"))
        self.setModal(True)
        self.resize(940, 680)
        self.setMinimumSize(720, 520)
        self.worker = UsbWorker(context, self, backend)
        self.folder: Path | None = None
        self.label = ""
        self.contents: StickContents | None = None
        self.copying: list[str] = []
        self._resume: list[str] | None = None
        self._auto_opened: set[Path] = set()
        self._close_when_idle = False
        self._first_tick: tuple[float, int] | None = None
        self.peer: PeerPlan | None = None
        self.peer_chosen: list[str] = []
        self._peer_resume: list[str] | None = None
        self._just_enrolled: str | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.drives_page = DrivesPage()
        self.stick_page = StickPage()
        self.copying_page = CopyingPage()
        self.result_page = ResultPage()
        self.peer_page = PeerPage()
        self.peer_result_page = PeerResultPage()
        for page in (
            self.drives_page,
            self.stick_page,
            self.copying_page,
            self.result_page,
            self.peer_page,
            self.peer_result_page,
        ):
            self.stack.addWidget(page)

        self.drives_page.drive_chosen.connect(self._drive_chosen)
        self.drives_page.folder_requested.connect(self.choose_folder)
        self.drives_page.refresh_requested.connect(self.worker.list_drives)
        self.drives_page.close_requested.connect(self.reject)
        self.stick_page.back_requested.connect(self.show_drives)
        self.stick_page.copy_requested.connect(self.start_copy)
        self.stick_page.send_requested.connect(self.send_progress)
        self.stick_page.enroll_requested.connect(self.take_credential)
        self.copying_page.cancel_requested.connect(self.worker.cancel)
        self.result_page.back_requested.connect(self.reopen)
        self.result_page.again_requested.connect(self.copy_again)
        self.result_page.done_requested.connect(self.reject)
        self.stick_page.peer_requested.connect(self.open_peer)
        self.peer_page.back_requested.connect(self.reopen)
        self.peer_page.copy_requested.connect(self.start_peer_copy)
        self.peer_result_page.back_requested.connect(self.reopen)
        self.peer_result_page.again_requested.connect(self.peer_copy_again)
        self.peer_result_page.done_requested.connect(self.reject)

        self.worker.drives_listed.connect(self._drives_listed)
        self.worker.scanned.connect(self._scanned)
        self.worker.progressed.connect(self._progressed)
        self.worker.imported.connect(self._imported)
        self.worker.sent.connect(self._sent)
        self.worker.peer_planned.connect(self._peer_planned)
        self.worker.peer_copied.connect(self._peer_copied)
        self.worker.enrolled.connect(self._enrolled)
        self.worker.failed.connect(self._failed)
        self.worker.busy_changed.connect(self._busy_changed)

        self.timer = QTimer(self)
        self.timer.setInterval(max(refresh_ms, 1))
        self.timer.timeout.connect(self.worker.list_drives)
        self._refresh = refresh_ms > 0
        self.show_drives()

    # Step 1: the sticks ------------------------------------------------------------------
    def show_drives(self) -> None:
        self.stack.setCurrentWidget(self.drives_page)
        self.worker.list_drives()
        if self._refresh:
            self.timer.start()

    def _leave_drives(self) -> None:
        self.timer.stop()

    def _drives_listed(self, drives: list[Drive]) -> None:
        self.drives_page.show_drives(drives)
        with_pack = [d for d in drives if d.has_pack]
        fresh = [d for d in with_pack if d.path not in self._auto_opened]
        # A stick taken out and put back opens by itself again.
        self._auto_opened = {d.path for d in with_pack}
        on_list = self.stack.currentWidget() is self.drives_page
        if on_list and not self.worker.busy and len(with_pack) == 1 and fresh:
            self.open_folder(fresh[0].path, fresh[0].label)

    def _drive_chosen(self, path: Path) -> None:
        drive = next((d for d in self.drives_page.drives if d.path == path), None)
        self.open_folder(path, drive.label if drive is not None else None)

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, self.tr("Choose the folder with the courses")
        )
        if chosen:
            self.open_folder(Path(chosen))

    def open_folder(self, folder: Path, label: str | None = None) -> None:
        """Reads what is on ``folder`` (a stick or any folder) and shows it."""
        self.folder = folder
        self.label = label or folder_label(folder)
        self.drives_page.show_error("")
        self.worker.scan(folder)

    # Step 2: what is on it ---------------------------------------------------------------
    def _scanned(self, contents: StickContents) -> None:
        self.contents = contents
        resume, self._resume = self._resume, None
        plan = contents.plan
        if resume is not None and plan is not None:
            again = [c for c in resume if c in plan.importable()]
            if again:
                self.start_copy(again)
                return
        self._leave_drives()
        self.stick_page.show_contents(self.label, plan)
        self.stick_page.show_waiting(contents.waiting.records, contents.waiting.teachers)
        self.stick_page.show_enrollment(contents.offer)
        school, self._just_enrolled = self._just_enrolled, None
        if school is not None:
            self.stick_page.show_registered(
                self.tr(
                    "This computer is now registered for %1. You can send your progress now."
                ).replace("%1", school)
            )
        self.stack.setCurrentWidget(self.stick_page)

    def reopen(self) -> None:
        """Reads the same stick again (after copying, its courses' states changed)."""
        if self.folder is None:
            self.show_drives()
            return
        self.worker.scan(self.folder)

    # Step 3: copying ---------------------------------------------------------------------
    def start_copy(self, course_ids: list[str]) -> None:
        plan = self.contents.plan if self.contents is not None else None
        if plan is None or not course_ids:
            return
        self.copying = list(course_ids)
        titles = self._titles()
        self._first_tick = None
        self._leave_drives()
        self.copying_page.start([(c, titles.get(c, c)) for c in course_ids])
        self.stack.setCurrentWidget(self.copying_page)
        self.worker.import_courses(plan, self.copying)

    def _progressed(self, update: ImportProgress | PeerProgress) -> None:
        now = time.monotonic()
        if self._first_tick is None:
            self._first_tick = (now, update.done_bytes)
        start, start_bytes = self._first_tick
        rate = eta = None
        if now - start >= 2 and update.done_bytes > start_bytes:
            rate = (update.done_bytes - start_bytes) / (now - start)
            eta = (update.total_bytes - update.done_bytes) / rate
        self.copying_page.show_progress(update, rate, eta)

    # Step 4: what came of it -------------------------------------------------------------
    def _imported(self, report: ImportReport) -> None:
        self.result_page.show_report(report, self._titles())
        self.stack.setCurrentWidget(self.result_page)
        if report.imported:
            self.courses_imported.emit(list(report.imported))

    def copy_again(self) -> None:
        """Reads the stick again and copies what is still missing of the same courses."""
        if self.folder is None:
            return
        self._resume = list(self.copying)
        self.worker.scan(self.folder)

    def _titles(self) -> dict[str, str]:
        plan = self.contents.plan if self.contents is not None else None
        return {c.id: c.title for c in plan.courses} if plan is not None else {}

    # Sending progress --------------------------------------------------------------------
    def send_progress(self) -> None:
        if self.folder is None:
            return
        if self.worker.send_progress(self.folder):
            self.stick_page.show_send_result(
                self.tr("Writing our progress on the stick\u2026"), WAIT
            )

    def _sent(self, result: SendResult) -> None:
        lines = []
        delivered = result.receipts.records_delivered
        if delivered:
            lines.append(
                self.tr("The county received %n record(s) from this computer.").replace(
                    "%n", str(delivered)
                )
            )
        if result.receipts.problems:
            lines.append(
                self.tr(
                    "%n answer(s) from the county on this stick could not be used. Nothing is lost: that progress is sent again."
                ).replace("%n", str(len(result.receipts.problems)))
            )
        written = result.written
        if written is None:
            lines.append(self.tr("There is no new progress to send: the county has everything."))
        else:
            lines.append(
                self.tr(
                    "%n learning record(s) from %1 are now on the stick. Give it to your training coordinator."
                )
                .replace("%n", str(written.records))
                .replace("%1", self.tr("%n teacher(s)").replace("%n", str(written.teachers)))
            )
        self.stick_page.show_send_result("\n".join(lines), GOOD)
        self.stick_page.show_waiting(result.waiting.records, result.waiting.teachers)
        # Until the county's receipt comes back the records still count as waiting; right after
        # writing them, "N records wait" next to "N records are on the stick" would confuse.
        self.stick_page.waiting.setVisible(written is None)

    # Registering this computer from the stick ---------------------------------------------
    def take_credential(self, school: str) -> None:
        """Takes a registration file of ``school`` off the stick (in the worker)."""
        if self.folder is None:
            return
        if self.worker.take_credential(self.folder, school):
            self.stick_page.show_enroll_result(self.tr("Registering this computer\u2026"), WAIT)

    def _enrolled(self, state: DeviceState) -> None:
        self._just_enrolled = state.school
        self.device_enrolled.emit(state)
        self.reopen()  # the page again: registered now, progress can be sent

    # Copying this computer's courses to the stick ------------------------------------------
    def open_peer(self) -> None:
        """Lists this computer's courses for the stick (read in the worker)."""
        if self.folder is not None:
            self._peer_resume = None
            self.worker.peer_plan(self.folder)

    def _peer_planned(self, plan: PeerPlan) -> None:
        self.peer = plan
        resume, self._peer_resume = self._peer_resume, None
        if resume is not None:
            again = [c for c in resume if c in plan.passable()]
            if again:
                self.start_peer_copy(again)
                return
        self.peer_page.show_plan(plan)
        self.stack.setCurrentWidget(self.peer_page)

    def start_peer_copy(self, course_ids: list[str]) -> None:
        if self.peer is None or self.folder is None or not course_ids:
            return
        self.peer_chosen = list(course_ids)
        titles = self._peer_titles()
        self._first_tick = None
        self.copying_page.start([(c, titles.get(c, c)) for c in course_ids], to_stick=True)
        self.stack.setCurrentWidget(self.copying_page)
        self.worker.peer_copy(self.folder, self.peer, self.peer_chosen)

    def _peer_copied(self, result: PeerResult) -> None:
        self.peer_result_page.show_result(result, self._peer_titles())
        self.stack.setCurrentWidget(self.peer_result_page)

    def peer_copy_again(self) -> None:
        """Reads the stick and this computer again, and copies the same courses (what is on
        the stick already is not copied twice)."""
        if self.folder is None:
            return
        self._peer_resume = list(self.peer_chosen)
        self.worker.peer_plan(self.folder)

    def _peer_titles(self) -> dict[str, str]:
        return {c.course_id: c.title for c in self.peer.courses} if self.peer else {}

    # Failures and closing ----------------------------------------------------------------
    def _failed(self, job: str, exc: BaseException) -> None:
        if job == "send":
            text = describe_send_error(exc)
            if text is None:
                raise exc
            self.stick_page.show_send_result(text, ACT)
            return
        if job == "enroll":
            text = describe_enroll_error(exc)
            if text is None:
                raise exc
            self.stick_page.show_enroll_result(text, ACT)
            return
        text = describe_usb_error(exc)
        if text is None:
            raise exc
        if job.startswith("peer_"):
            self._peer_failed(job, text)
            return
        resuming, self._resume = self._resume is not None, None
        if job == "import":
            self.result_page.show_failure(text)
            self.stack.setCurrentWidget(self.result_page)
        elif resuming:  # "Copy again", and the stick is not back yet
            self.result_page.show_error(text)
        else:
            self.drives_page.show_error(text)
            self.show_drives()

    def _peer_failed(self, job: str, text: str) -> None:
        resuming, self._peer_resume = self._peer_resume is not None, None
        if job == "peer_copy":
            self.peer_result_page.show_failure(text)
            self.stack.setCurrentWidget(self.peer_result_page)
        elif resuming:  # "Copy again", and the stick is not back yet
            self.peer_result_page.show_error(text)
        else:
            self.drives_page.show_error(text)
            self.show_drives()

    def _busy_changed(self, busy: bool) -> None:
        self.stick_page.set_busy(busy)
        if not busy and self._close_when_idle:
            self._close_when_idle = False
            QTimer.singleShot(0, self, self.reject)

    def stop_and_wait(self, timeout_s: float) -> bool:
        """Stops a running copy and waits (blocking) for it; true when nothing runs."""
        self.worker.cancel()
        return self.worker.wait_idle(timeout_s)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.worker.busy:
            self._stop_then_close()
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        """Close, Done and Esc: a running copy is stopped first, then the window closes."""
        if self.worker.busy:
            self._stop_then_close()
            return
        self.timer.stop()
        super().reject()

    def _stop_then_close(self) -> None:
        self._close_when_idle = True
        self.worker.cancel()


def describe_usb_error(exc: BaseException) -> str | None:
    """The sentence for a stick that could not be read or copied; ``None`` for a bug."""
    if isinstance(exc, PackError):
        return describe_pack_error(exc)
    if isinstance(exc, DiskFullError | DiskFull):
        return describe_error(DiskFullError(str(exc)))
    if isinstance(exc, OSError):
        return describe_problem(Problem.READ_FAILED)
    return None
