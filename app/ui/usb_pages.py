"""The USB window's steps: the sticks found, copying, and what came of it (what is on a
stick is :mod:`app.ui.usb_stick_page`), and the widgets they share.

The pages only show things and say what the teacher pressed; :mod:`app.ui.usb_window` runs the
work and moves between them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.resources import asset
from app.sync.drives import Drive
from app.ui.download_texts import format_speed, format_time_left
from app.ui.texts import format_size
from app.ui.usb_texts import (
    ACT,
    GOOD,
    WAIT,
    describe_drive,
    describe_problem,
    describe_stop,
)

if TYPE_CHECKING:
    from app.sync.pack_import import ImportProgress, ImportReport
    from app.ui.usb_worker import PeerProgress

BIG = 60  # height of the main buttons


def big_button(text: str, slot: Callable[[], object], *, primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setMinimumHeight(BIG)
    button.setStyleSheet("font-size: 15pt;")
    button.setProperty("primary", primary)
    button.clicked.connect(slot)
    return button


def title_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "title")
    label.setWordWrap(True)
    return label


def text_label(text: str = "", colour: str = "", *, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    style = "font-size: 14pt;"
    if colour:
        style += f" color: {colour};"
    if bold:
        style += " font-weight: bold;"
    label.setStyleSheet(style)
    return label


def clear(layout: QVBoxLayout) -> None:
    """Removes (and deletes) everything in ``layout``."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def scrolled(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(inner)
    return area


class DrivesPage(QWidget):
    """Step 1: "Put in the USB stick", with the sticks found, each one big button.

    Signals:
        drive_chosen(object): the teacher pressed a stick (its ``Path``).
        folder_requested(): "Choose a folder...".
        refresh_requested(): "Look again".
        close_requested(): "Close".
    """

    drive_chosen = Signal(object)
    folder_requested = Signal()
    refresh_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(title_label(self.tr("Courses and progress on a USB stick")))
        layout.addWidget(
            text_label(
                self.tr(
                    "Put the USB stick from the training coordinator into this computer. It shows up below after a few seconds; then press it."
                )
            )
        )
        self.error = text_label("", ACT, bold=True)
        self.error.hide()
        layout.addWidget(self.error)
        self.list = QWidget()
        self.rows = QVBoxLayout(self.list)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(10)
        self.rows.addStretch(1)
        layout.addWidget(scrolled(self.list), 1)
        self.empty = text_label(self.tr("No USB stick found yet."), "#555555")
        self.rows.insertWidget(0, self.empty)
        self.buttons: list[QPushButton] = []
        actions = QHBoxLayout()
        actions.addWidget(big_button(self.tr("Close"), self.close_requested.emit))
        actions.addStretch(1)
        actions.addWidget(big_button(self.tr("Look again"), self.refresh_requested.emit))
        actions.addWidget(big_button(self.tr("Choose a folder\u2026"), self.folder_requested.emit))
        layout.addLayout(actions)
        self.drives: list[Drive] = []

    def show_drives(self, drives: list[Drive]) -> None:
        if drives == self.drives and self.buttons:
            return
        self.drives = list(drives)
        for button in self.buttons:
            self.rows.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        for number, drive in enumerate(drives):
            button = QPushButton(QIcon(str(asset("icons", "usb.svg"))), describe_drive(drive))
            button.setIconSize(QSize(32, 32))
            button.setMinimumHeight(72)
            button.setStyleSheet("text-align: left; padding-left: 20px; font-size: 15pt;")
            button.setProperty("primary", drive.has_pack)
            button.clicked.connect(lambda _=False, path=drive.path: self.drive_chosen.emit(path))
            self.rows.insertWidget(number, button)
            self.buttons.append(button)
        self.empty.setVisible(not drives)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class CopyingPage(QWidget):
    """Step 3: which course is being copied, how far, the courses done and waiting, and a
    Stop button.

    Signals:
        cancel_requested(): "Stop copying".
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.courses: list[tuple[str, str]] = []
        self.labels: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        self.heading = title_label()
        layout.addWidget(self.heading)
        self.course = text_label(bold=True)
        self.course.setStyleSheet("font-size: 16pt; font-weight: bold;")
        layout.addWidget(self.course)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMinimumHeight(36)
        layout.addWidget(self.bar)
        self.amount = text_label()
        layout.addWidget(self.amount)
        layout.addWidget(
            text_label(
                self.tr("Please leave the USB stick in until copying is finished."), WAIT, bold=True
            )
        )
        self.list = QWidget()
        self.lines = QVBoxLayout(self.list)
        self.lines.setContentsMargins(0, 8, 0, 0)
        self.lines.setSpacing(6)
        layout.addWidget(scrolled(self.list), 1)
        self.cancel_button = big_button(self.tr("Stop copying"), self._cancel)
        layout.addWidget(self.cancel_button)

    def start(self, courses: list[tuple[str, str]], *, to_stick: bool = False) -> None:
        """Shows the chosen courses (id, title), the first one being copied, to this
        computer (or, ``to_stick``, from it to the stick)."""
        self.heading.setText(
            self.tr("Copying courses to the USB stick\u2026")
            if to_stick
            else self.tr("Copying courses to this computer\u2026")
        )
        self.courses = list(courses)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.amount.setText("")
        clear(self.lines)
        self.labels = [text_label() for _ in self.courses]
        for label in self.labels:
            self.lines.addWidget(label)
        self.lines.addStretch(1)
        self._mark(self.courses[0][0] if self.courses else "")

    def show_progress(
        self, update: ImportProgress | PeerProgress, rate: float | None, eta_s: float | None
    ) -> None:
        share = update.done_bytes / update.total_bytes if update.total_bytes else 0.0
        self.bar.setValue(int(1000 * min(1.0, share)))
        parts = [
            self.tr("%1 of %2 copied")
            .replace("%1", format_size(update.done_bytes))
            .replace("%2", format_size(update.total_bytes))
        ]
        if rate:
            parts.append(format_speed(rate))
            left = format_time_left(eta_s)
            if left:
                parts.append(left)
        self.amount.setText(" \u00b7 ".join(parts))
        if self.cancel_button.isEnabled():  # not stopping
            self._mark(update.course_id, update.course_title)

    def _mark(self, course_id: str, title: str = "") -> None:
        """The course being copied now; the ones before it are copied, the others wait."""
        ids = [c for c, _ in self.courses]
        current = ids.index(course_id) if course_id in ids else 0
        title = title or (self.courses[current][1] if self.courses else "")
        self.course.setText(self.tr("Now copying: %1").replace("%1", title))
        for n, ((_, name), label) in enumerate(zip(self.courses, self.labels, strict=True)):
            if n < current:
                label.setText(self.tr("Copied: %1").replace("%1", name))
                label.setStyleSheet(f"font-size: 14pt; color: {GOOD};")
            elif n == current:
                label.setText(self.tr("Copying now: %1").replace("%1", name))
                label.setStyleSheet("font-size: 14pt; font-weight: bold;")
            else:
                label.setText(self.tr("Waiting: %1").replace("%1", name))
                label.setStyleSheet("font-size: 14pt; color: #666666;")

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.course.setText(self.tr("Stopping\u2026"))
        self.cancel_requested.emit()


class OutcomePage(QWidget):
    """How copying ended, the layout both directions share: a title, an optional next step, why
    it stopped, a line per course, and "Back to the USB stick" / "Copy again" / "Done".

    Signals:
        again_requested(): "Copy again" (after copying stopped early).
        back_requested(): "Back to the USB stick".
        done_requested(): "Done".
    """

    again_requested = Signal()
    back_requested = Signal()
    done_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.title = title_label()
        layout.addWidget(self.title)
        self.next_step = text_label("", GOOD, bold=True)
        self.next_step.hide()
        layout.addWidget(self.next_step)
        self.stop = text_label("", ACT, bold=True)
        layout.addWidget(self.stop)
        self.list = QWidget()
        self.lines = QVBoxLayout(self.list)
        self.lines.setContentsMargins(0, 0, 0, 0)
        self.lines.setSpacing(10)
        layout.addWidget(scrolled(self.list), 1)
        actions = QHBoxLayout()
        # One translation context for the shared buttons, whichever page shows them.
        translate = QCoreApplication.translate
        self.back_button = big_button(
            translate("ResultPage", "Back to the USB stick"), self.back_requested.emit
        )
        actions.addWidget(self.back_button)
        actions.addStretch(1)
        self.again_button = big_button(
            translate("ResultPage", "Copy again"), self.again_requested.emit, primary=True
        )
        actions.addWidget(self.again_button)
        self.done_button = big_button(
            translate("ResultPage", "Done"), self.done_requested.emit, primary=True
        )
        actions.addWidget(self.done_button)
        layout.addLayout(actions)


class ResultPage(OutcomePage):
    """Step 4: which courses are ready, which were refused and why, and why copying stopped."""

    def show_report(self, report: ImportReport, titles: dict[str, str]) -> None:
        clear(self.lines)
        ready = len(report.imported)
        if ready:
            self.title.setText(
                self.tr("%n course(s) copied: ready to use").replace("%n", str(ready))
            )
        elif report.failed or report.left:
            self.title.setText(self.tr("No course was copied"))
        else:
            self.title.setText(self.tr("Everything was already on this computer"))
        # Stopped after the last chosen course was in: nothing to say, nothing to copy again.
        stop = describe_stop(report.stopped) if report.left else None
        self.stop.setText(stop or "")
        self.stop.setVisible(bool(stop))
        for course_id in report.imported:
            self._line(
                self.tr("Ready to use: %1").replace("%1", titles.get(course_id, course_id)), GOOD
            )
        for course_id, error in report.failed.items():
            self._line(
                self.tr("Not copied: %1").replace("%1", titles.get(course_id, course_id)), ACT
            )
            self._line(describe_problem(error.problem), ACT, indent=True)
        for course_id in report.left if stop is not None else []:
            self._line(
                self.tr("Not copied yet: %1").replace("%1", titles.get(course_id, course_id)), WAIT
            )
        for course_id in report.unchanged:
            self._line(
                self.tr("Already on this computer: %1").replace(
                    "%1", titles.get(course_id, course_id)
                ),
                "#555555",
            )
        self.lines.addStretch(1)
        self.again_button.setVisible(stop is not None)
        self.done_button.setProperty("primary", stop is None)
        self.done_button.style().unpolish(self.done_button)
        self.done_button.style().polish(self.done_button)

    def show_error(self, text: str) -> None:
        """Why "Copy again" could not go on (the stick is not back yet); the rest stays."""
        self.stop.setText(text)
        self.stop.show()

    def show_failure(self, text: str) -> None:
        """Copying could not run at all (the stick or the disk failed before it began)."""
        clear(self.lines)
        self.title.setText(self.tr("No course was copied"))
        self.show_error(text)
        self.again_button.show()

    def _line(self, text: str, colour: str, *, indent: bool = False) -> None:
        label = text_label(text, colour, bold=not indent)
        if indent:
            label.setContentsMargins(28, 0, 0, 6)
        self.lines.addWidget(label)


def folder_label(folder: Path) -> str:
    return folder.name or str(folder)
