"""The first-start dialog: the courses shipped inside the installer are prepared before the
window opens (:mod:`app.starter`; run by :func:`app.ui.run.run_gui` when one is pending).

What the teacher sees:

1. In big letters "Opening for the first time: preparing the courses..." (after an upgrade: the
   new courses), the course being prepared, a bar, "x of y", and a big "Later" button: the
   import stops after the current file, and the next start prepares the rest.
2. When it is done the dialog closes by itself (the main window then says how many courses are
   ready). When courses were refused, the disk is full or the files cannot be read, it says
   what happened and what to do, with one big "Continue" button; the app opens anyway.

The import runs in a :class:`StarterWorker` (the USB window's pattern: an
:class:`~app.ui.workers.Op` and a stop flag); the UI thread only draws.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.starter import imported_identity
from app.storage.errors import DiskFullError
from app.ui import message
from app.ui.application import current_language
from app.ui.texts import format_size
from app.ui.workers import Op
from wire.blobs import DiskFull
from wire.pack import PackError, Problem

if TYPE_CHECKING:
    from app.sync.pack_import import ImportProgress, ImportReport, PackPlan

# What the worker calls, as ``run(context, progress, stop, on_plan=...)``: the import
# (:func:`app.starter.import_starter`), or a test's stand-in.
StarterRun = Callable[..., "ImportReport"]

# How long the dialog waits for a stopped import when the app is being closed (seconds).
CLOSE_WAIT_S = 5.0

ACT = "#b00020"


def _import_starter(
    context: AppContext,
    progress: Callable[[ImportProgress], None],
    stop: Callable[[], bool],
    *,
    on_plan: Callable[[PackPlan], None] | None = None,
) -> ImportReport:
    from app.starter import import_starter

    return import_starter(context, progress, stop, on_plan=on_plan)


class StarterWorker(QObject):
    """Runs the starter import in the background, once.

    Args:
        context: the running app's context.
        parent: the dialog.
        run: what the job calls (the real import by default).

    Attributes:
        titles: the pack's course titles by id, once the import has read the pack.

    Signals:
        progressed(object): how the import goes (an ``ImportProgress``).
        finished(object): it ended with this ``ImportReport`` (done or stopped).
        failed(object): it could not run (the exception).
    """

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self, context: AppContext, parent: QObject | None = None, run: StarterRun | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.run = run or _import_starter
        self.busy = False
        self.titles: dict[str, str] = {}
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()

    def start(self) -> bool:
        """Starts the import (unless it runs already); returns whether it started."""
        if self.busy:
            return False
        self.busy = True
        self._stop.clear()
        self._idle.clear()
        run, context, stop, idle = self.run, self.context, self._stop, self._idle
        titles = self.titles  # filled on the worker thread before it reports the end

        def planned(plan: PackPlan) -> None:
            titles.update((course.id, course.title) for course in plan.courses)

        def work(report: Callable[[Any], None]) -> ImportReport:
            try:
                return run(context, report, stop.is_set, on_plan=planned)
            finally:
                idle.set()

        def succeeded(report: ImportReport) -> None:
            self.busy = False
            self.finished.emit(report)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.failed.emit(exc)

        Op(self, work).progress(self.progressed.emit).success(succeeded).failure(failed).run()
        return True

    def cancel(self) -> None:
        """The import stops after the current file; what is complete is kept."""
        self._stop.set()

    def wait_idle(self, timeout_s: float) -> bool:
        """Waits (blocking) up to ``timeout_s`` for the job to end; true when none runs."""
        return self._idle.wait(timeout_s)


def _label(text: str = "", style: str = "font-size: 15pt;") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(style)
    return label


class StarterDialog(QDialog):
    """Prepares the installer's courses, modal, before the main window opens.

    Args:
        context: the running app's context (its county names the starter pack).
        parent: none at first start (the main window comes after).
        run: what the worker calls (tests give a slowed or failing import).

    Attributes:
        report: how the import ended (``None`` until then, or when it could not run).
        outcome: what the dialog said when it could not simply close ("" otherwise).
    """

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        run: StarterRun | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.report: ImportReport | None = None
        self.outcome = ""
        self._started = False
        self._close_when_idle = False
        self.setWindowTitle(context.county.display_name(current_language()) or self.tr("Lamplight"))
        self.setModal(True)
        self.setMinimumWidth(720)
        self.worker = StarterWorker(context, self, run)
        self.worker.progressed.connect(self._progressed)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 32, 36, 28)
        layout.setSpacing(16)
        first = not imported_identity(context)
        self.title = _label(
            self.tr("Opening for the first time: preparing the courses\u2026")
            if first
            else self.tr("Lamplight was updated: preparing the new courses\u2026"),
            "font-size: 22pt; font-weight: bold;",
        )
        layout.addWidget(self.title)
        self.explain = _label(
            self.tr(
                "The courses that came with Lamplight are being put on this computer, so that you can learn without the network. This takes a few minutes."
            )
        )
        layout.addWidget(self.explain)
        self.course = _label("", "font-size: 15pt; font-weight: bold;")
        layout.addWidget(self.course)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first progress says how much
        self.bar.setTextVisible(False)
        self.bar.setMinimumHeight(36)
        layout.addWidget(self.bar)
        self.amount = _label("", "font-size: 14pt; color: #555555;")
        layout.addWidget(self.amount)
        self.later_hint = _label(
            self.tr(
                "Press Later to start using Lamplight now; the other courses are prepared the next time it opens."
            ),
            "font-size: 14pt; color: #555555;",
        )
        layout.addWidget(self.later_hint)
        self.message = _label("", "font-size: 16pt; color: #3b2f2a;")
        self.message.hide()
        layout.addWidget(self.message)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.later_button = self._button(self.tr("Later"), self.later)
        buttons.addWidget(self.later_button)
        self.continue_button = self._button(self.tr("Continue"), self.accept, primary=True)
        self.continue_button.hide()
        buttons.addWidget(self.continue_button)
        layout.addLayout(buttons)

    @staticmethod
    def _button(text: str, slot: Callable[[], object], *, primary: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.setStyleSheet("font-size: 16pt; min-height: 48px; min-width: 168px;")
        button.setProperty("primary", primary)
        button.clicked.connect(slot)
        return button

    # Running ---------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.worker.start()

    def _progressed(self, update: ImportProgress) -> None:
        if self._close_when_idle:
            return  # "Stopping..." stays
        self.course.setText(self.tr("Now preparing: %1").replace("%1", update.course_title))
        if update.total_bytes:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(1000 * update.done_bytes / update.total_bytes))
            self.amount.setText(
                self.tr("%1 of %2")
                .replace("%1", format_size(update.done_bytes))
                .replace("%2", format_size(update.total_bytes))
            )

    def later(self) -> None:
        """Stops after the current file; the dialog closes once it has (the rest: next start)."""
        if not self.worker.busy:
            self.accept()
            return
        self._close_when_idle = True
        self.later_button.setEnabled(False)
        self.course.setText(self.tr("Stopping after the current file\u2026"))
        self.worker.cancel()

    # Ending ----------------------------------------------------------------------------------
    def _finished(self, report: ImportReport) -> None:
        from app.sync.pack_import import StopReason

        self.report = report
        if report.imported:
            message.info(
                self.tr("%n course(s) that came with Lamplight are ready to use.").replace(
                    "%n", str(len(report.imported))
                )
            )
        if report.stopped is StopReason.CANCELLED:
            message.info(self.tr("The other courses are prepared the next time Lamplight opens."))
            self._close()
            return
        texts = []
        if report.failed:
            texts.append(self._refused_text(report))
        if report.stopped is StopReason.DISK_FULL:
            texts.append(self._disk_full_text())
        elif report.stopped is StopReason.STICK_GONE:
            texts.append(self._unreadable_text())
        if texts:
            self._show_outcome("\n\n".join(texts))
        else:
            self._close()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, DiskFullError | DiskFull):
            self._show_outcome(self._disk_full_text())
        elif isinstance(exc, PackError) and exc.problem is not Problem.READ_FAILED:
            self._show_outcome(
                self.tr(
                    "The courses that came with Lamplight are damaged, so they could not be prepared. You can still get courses over the network or on a USB stick. Please tell your training coordinator."
                )
            )
        elif isinstance(exc, PackError | OSError):
            self._show_outcome(self._unreadable_text())
        else:
            self._close()
            raise exc  # a bug: the crash dialog

    def _refused_text(self, report: ImportReport) -> str:
        return (
            self.tr(
                "%n course(s) that came with Lamplight could not be added, because they are damaged or do not carry the seal of your county's training office: %1. The other courses are ready to use. Please tell your training coordinator, who can give you these courses on a USB stick."
            )
            .replace("%n", str(len(report.failed)))
            .replace(
                "%1",
                self.tr(", ").join(self.worker.titles.get(c, c) for c in report.failed),
            )
        )

    def _disk_full_text(self) -> str:
        return self.tr(
            "The disk of this computer is full, so not all the courses that came with Lamplight could be prepared. What was prepared is kept. Ask the person who looks after this computer to free some space; Lamplight prepares the rest the next time it opens."
        )

    def _unreadable_text(self) -> str:
        return self.tr(
            "Some files of the courses that came with Lamplight could not be read, so not all of them could be prepared. Lamplight tries again the next time it opens. If this message comes back, install Lamplight again."
        )

    def _show_outcome(self, text: str) -> None:
        self.outcome = text
        self.title.setText(self.tr("Not all the courses could be prepared"))
        self.title.setStyleSheet(f"font-size: 22pt; font-weight: bold; color: {ACT};")
        for widget in (self.explain, self.course, self.bar, self.amount, self.later_hint):
            widget.hide()
        self.later_button.hide()
        self.message.setText(text)
        self.message.show()
        self.continue_button.show()
        self.continue_button.setFocus()
        self.adjustSize()

    def _close(self) -> None:
        # Queued: the dialog may still be showing itself (a very small pack ends at once).
        QTimer.singleShot(0, self, self.accept)

    # Closing ---------------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc and the window's close button: as "Later" while the import runs."""
        if self.worker.busy:
            self.later()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.worker.busy:
            self.later()
            event.ignore()
            return
        super().closeEvent(event)

    def stop_and_wait(self, timeout_s: float = CLOSE_WAIT_S) -> bool:
        """Stops a running import and waits (blocking) for it; true when nothing runs."""
        self.worker.cancel()
        return self.worker.wait_idle(timeout_s)
