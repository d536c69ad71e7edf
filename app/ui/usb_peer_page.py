"""Copying this computer's courses to the stick, for another computer (peer copy): the list of
courses to choose from, and what came of it. (The copying itself shows on the
:class:`~app.ui.usb_pages.CopyingPage`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QMouseEvent
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QVBoxLayout, QWidget

from app.resources import asset
from app.ui.texts import format_size
from app.ui.usb_pages import OutcomePage, big_button, clear, scrolled, text_label, title_label
from app.ui.usb_texts import ACT, GOOD, WAIT, describe_peer_stop, describe_refusal
from app.ui.usb_worker import PeerStop

if TYPE_CHECKING:
    from app.sync.pack_export import PeerCourse, PeerPlan
    from app.ui.usb_worker import PeerResult

GREY = "#777777"


class PeerRow(QFrame):
    """One course of this computer: a big tick box (greyed, with the reason, when it cannot
    go), whether the stick has it already, and its size. The whole row is the target."""

    def __init__(self, course: PeerCourse) -> None:
        super().__init__()
        self.course = course
        self.passable = course.refusal is None
        self.setObjectName("peerRow")
        background = "white" if self.passable else "#f1eee8"
        self.setStyleSheet(
            f"#peerRow {{ background: {background}; border: 1px solid #e0d8c8;"
            " border-radius: 8px; }"
        )
        self.setMinimumHeight(64)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 14, 10)
        texts = QVBoxLayout()
        self.check = QCheckBox(course.title)
        self.check.setStyleSheet(
            "QCheckBox { font-size: 15pt; font-weight: bold; }"
            f" QCheckBox:disabled {{ color: {GREY}; }}"
            " QCheckBox::indicator { width: 28px; height: 28px; }"
        )
        self.check.setEnabled(self.passable)
        texts.addWidget(self.check)
        if not self.passable and course.refusal is not None:
            state, colour = describe_refusal(course.refusal), GREY
        elif course.on_stick:
            state, colour = self.tr("Already on the USB stick"), WAIT
        else:
            state, colour = self.tr("Can be copied"), GOOD
        self.state = text_label(state, colour)
        texts.addWidget(self.state)
        row.addLayout(texts, 1)
        size = text_label(format_size(course.size), "" if self.passable else GREY)
        size.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        size.setWordWrap(False)
        row.addWidget(size)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        # A press anywhere on the row ticks it: the tick box alone is a small target.
        if self.passable and event.button() == Qt.MouseButton.LeftButton:
            self.check.toggle()
        super().mouseReleaseEvent(event)


class PeerPage(QWidget):
    """The courses this computer can put on the stick for another computer, the space they
    need and the stick's free space, and the Copy button (or why it cannot copy).

    Signals:
        copy_requested(object): copy these course ids (``list[str]``) to the stick.
        back_requested(): "Back" to what is on the stick.
    """

    copy_requested = Signal(object)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: PeerPlan | None = None
        self.rows: list[PeerRow] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        top = QHBoxLayout()
        back = big_button(self.tr("Back"), self.back_requested.emit)
        back.setIcon(QIcon(str(asset("icons", "back.svg"))))
        top.addWidget(back)
        top.addWidget(title_label(self.tr("Copy this computer's courses to the USB stick")), 1)
        layout.addLayout(top)
        layout.addWidget(
            text_label(
                self.tr(
                    "Tick the courses to take to another computer. They keep the county's seal, so the other computer can check them."
                )
            )
        )
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(8)
        layout.addWidget(scrolled(self.list), 1)
        self.summary = text_label(bold=True)
        layout.addWidget(self.summary)
        self.copy_button = big_button("", self._copy, primary=True)
        self.copy_button.setStyleSheet("font-size: 16pt;")
        layout.addWidget(self.copy_button)
        self.reason = text_label("", ACT, bold=True)
        layout.addWidget(self.reason)

    def show_plan(self, plan: PeerPlan) -> None:
        self.plan = plan
        self.rows = []
        clear(self.list_layout)
        for course in plan.courses:
            row = PeerRow(course)
            row.check.toggled.connect(self._selection_changed)
            self.list_layout.addWidget(row)
            self.rows.append(row)
        if not plan.courses:
            self.list_layout.addWidget(
                text_label(self.tr("There are no courses on this computer yet."), GREY)
            )
        self.list_layout.addStretch(1)
        self._selection_changed()

    def selected(self) -> list[str]:
        return [r.course.course_id for r in self.rows if r.passable and r.check.isChecked()]

    def _selection_changed(self) -> None:
        plan = self.plan
        if plan is None:
            return
        chosen = self.selected()
        count = len(chosen)
        self.summary.setText(
            self.tr("Chosen: %n course(s), %1 to copy. Free on the USB stick: %2.")
            .replace("%n", str(count))
            .replace("%1", format_size(plan.new_bytes(chosen)))
            .replace("%2", format_size(plan.free_bytes))
        )
        self.copy_button.setText(
            self.tr("Copy %n course(s) to the USB stick").replace("%n", str(count))
        )
        short = plan.shortfall(chosen)
        self.copy_button.setEnabled(count > 0 and short <= 0)
        if not plan.passable():
            self.reason.setText(
                self.tr(
                    "None of the courses on this computer can be copied; the reason is under each."
                )
                if plan.courses
                else self.tr("Courses downloaded or copied to this computer can be passed on here.")
            )
        elif count == 0:
            self.reason.setText(self.tr("Tick the courses you want to copy."))
        elif short > 0:
            self.reason.setText(
                self.tr(
                    "There is not enough space on the USB stick. Free %1 more on it (or untick some courses)."
                ).replace("%1", format_size(short))
            )
        else:
            self.reason.setText("")
        self.reason.setVisible(bool(self.reason.text()))

    def _copy(self) -> None:
        chosen = self.selected()
        if chosen:
            self.copy_requested.emit(chosen)


class PeerResultPage(OutcomePage):
    """What came of copying to the stick: how many courses are on it and what to do with it
    next, or why copying stopped, what to do, and "Copy again".
    """

    def show_result(self, result: PeerResult, titles: dict[str, str]) -> None:
        clear(self.lines)
        copied = len(result.copied)
        if copied:
            self.title.setText(
                self.tr("%n course(s) copied to the USB stick.").replace("%n", str(copied))
            )
        else:
            self.title.setText(self.tr("No course was copied to the USB stick"))
        self.next_step.setText(
            self.tr(
                "Put the USB stick into the other computer and press \u201cUSB stick\u201d there to copy them in."
            )
        )
        self.next_step.setVisible(copied > 0)
        stop = describe_peer_stop(result.stop, result.short_bytes)
        self.stop.setText(stop or "")
        self.stop.setVisible(bool(stop))
        for course_id in result.copied:
            self._line(
                self.tr("On the USB stick: %1").replace("%1", titles.get(course_id, course_id)),
                GOOD,
            )
        for refusal in result.refused:
            self._line(
                self.tr("Not copied: %1").replace(
                    "%1", titles.get(refusal.course_id, refusal.course_id)
                ),
                ACT,
            )
            self._line(describe_refusal(refusal.reason), ACT, indent=True)
        refused = {r.course_id for r in result.refused}
        if result.stop is not PeerStop.DONE:
            for course_id in result.chosen:
                if course_id not in result.copied and course_id not in refused:
                    self._line(
                        self.tr("Not copied yet: %1").replace(
                            "%1", titles.get(course_id, course_id)
                        ),
                        WAIT,
                    )
        self.lines.addStretch(1)
        self._show_again(result.stop is not PeerStop.DONE)

    def show_error(self, text: str) -> None:
        """Why "Copy again" could not go on (the stick is not back yet); the rest stays."""
        self.stop.setText(text)
        self.stop.show()

    def show_failure(self, text: str) -> None:
        """Copying could not begin (the stick could not be read or used)."""
        clear(self.lines)
        self.title.setText(self.tr("No course was copied to the USB stick"))
        self.next_step.hide()
        self.show_error(text)
        self._show_again(True)

    def _show_again(self, again: bool) -> None:
        self.again_button.setVisible(again)
        self.done_button.setProperty("primary", not again)
        self.done_button.style().unpolish(self.done_button)
        self.done_button.style().polish(self.done_button)

    def _line(self, text: str, colour: str, *, indent: bool = False) -> None:
        label = text_label(text, colour, bold=not indent)
        if indent:
            label.setContentsMargins(28, 0, 0, 6)
        self.lines.addWidget(label)
