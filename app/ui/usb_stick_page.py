"""Step 2 of the USB window: what is on the stick, which courses to copy, the Copy button
(or why it cannot copy), "Send our progress on this stick", and -- on a computer not
registered yet -- "Register this computer with this USB stick"."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.resources import asset
from app.ui.texts import format_size
from app.ui.usb_pages import big_button, clear, scrolled, text_label, title_label
from app.ui.usb_texts import ACT, GOOD, describe_enroll_offer, describe_problem, describe_state
from wire.pack import Problem

if TYPE_CHECKING:
    from app.sync.pack_import import CourseInPack, PackPlan
    from app.sync.stick_enroll import StickOffer


class CourseRow(QFrame):
    """One course on the stick: a tick box (when it can be copied), its state and size."""

    def __init__(self, course: CourseInPack, importable: bool) -> None:
        super().__init__()
        self.course = course
        self.importable = importable
        self.setObjectName("courseRow")
        self.setStyleSheet(
            "#courseRow { background: white; border: 1px solid #e0d8c8; border-radius: 8px; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 14, 10)
        texts = QVBoxLayout()
        self.check = QCheckBox(course.title)
        self.check.setStyleSheet(
            "QCheckBox { font-size: 15pt; font-weight: bold; }"
            " QCheckBox::indicator { width: 28px; height: 28px; }"
        )
        self.check.setChecked(importable)
        self.check.setVisible(importable)
        texts.addWidget(self.check)
        if not importable:
            texts.addWidget(text_label(course.title, bold=True))
        state, colour = describe_state(course)
        self.state = text_label(state, colour)
        texts.addWidget(self.state)
        row.addLayout(texts, 1)
        size = text_label(format_size(course.size))
        size.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        size.setWordWrap(False)
        row.addWidget(size)


class StickPage(QWidget):
    """Step 2: what is on the stick, the Copy button, "send our progress on this stick", and
    "copy this computer's courses to the stick".

    Signals:
        copy_requested(object): copy these course ids (``list[str]``).
        send_requested(): the teacher pressed "Send our progress on this stick".
        peer_requested(): "Copy this computer's courses to the stick".
        back_requested(): "Back" to the sticks.
        enroll_requested(str): "Register this computer with this USB stick" (the school).
    """

    copy_requested = Signal(object)
    send_requested = Signal()
    peer_requested = Signal()
    back_requested = Signal()
    enroll_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: PackPlan | None = None
        self.rows: list[CourseRow] = []
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        top = QHBoxLayout()
        back = big_button(self.tr("Back"), self.back_requested.emit)
        back.setIcon(QIcon(str(asset("icons", "back.svg"))))
        top.addWidget(back)
        self.title = title_label()
        top.addWidget(self.title, 1)
        layout.addLayout(top)
        self.summary = text_label()
        layout.addWidget(self.summary)
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(8)
        layout.addWidget(scrolled(self.list), 1)
        self.copy_button = big_button("", self._copy, primary=True)
        self.copy_button.setStyleSheet("font-size: 16pt;")
        layout.addWidget(self.copy_button)
        self.reason = text_label("", ACT, bold=True)
        layout.addWidget(self.reason)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #d8cfbd;")
        layout.addWidget(line)
        self.enroll_box = QWidget()
        enroll_layout = QVBoxLayout(self.enroll_box)
        enroll_layout.setContentsMargins(0, 0, 0, 0)
        enroll_layout.setSpacing(8)
        self.enroll_text = text_label()
        enroll_layout.addWidget(self.enroll_text)
        self.enroll_buttons_layout = QVBoxLayout()
        self.enroll_buttons_layout.setSpacing(8)
        enroll_layout.addLayout(self.enroll_buttons_layout)
        self.enroll_buttons: list[QPushButton] = []
        self.enroll_result = text_label(bold=True)
        self.enroll_result.hide()
        enroll_layout.addWidget(self.enroll_result)
        self.enroll_box.hide()
        layout.addWidget(self.enroll_box)
        send_row = QHBoxLayout()
        send_texts = QVBoxLayout()
        send_texts.addWidget(text_label(self.tr("Send our progress to the county"), bold=True))
        self.waiting = text_label()
        send_texts.addWidget(self.waiting)
        send_row.addLayout(send_texts, 1)
        self.send_button = big_button(
            self.tr("Send our progress on this stick"), self.send_requested.emit
        )
        send_row.addWidget(self.send_button)
        layout.addLayout(send_row)
        self.send_result = text_label()
        self.send_result.hide()
        layout.addWidget(self.send_result)
        self.peer_button = big_button(
            self.tr("Copy this computer's courses to the stick"), self.peer_requested.emit
        )
        self.peer_button.setIcon(QIcon(str(asset("icons", "usb.svg"))))
        layout.addWidget(self.peer_button)

    def show_contents(self, label: str, plan: PackPlan | None) -> None:
        self.plan = plan
        self.title.setText(self.tr("On the USB stick: %1").replace("%1", label))
        self.rows = []
        clear(self.list_layout)
        self.send_result.hide()
        if plan is None:
            self.summary.setText(describe_problem(Problem.NOT_A_PACK))
            self.copy_button.hide()
            self.reason.hide()
            self.list_layout.addStretch(1)
            return
        importable = set(plan.importable())
        for course in sorted(plan.courses, key=lambda c: _order(c, importable)):
            row = CourseRow(course, course.id in importable)
            row.check.toggled.connect(self._selection_changed)
            self.list_layout.addWidget(row)
            self.rows.append(row)
        self.list_layout.addStretch(1)
        self.summary.setText(
            self.tr(
                "%n course(s) on the stick, %1 in all. New for this computer: %2. Free space on this computer: %3."
            )
            .replace("%n", str(len(plan.courses)))
            .replace("%1", format_size(plan.total_bytes))
            .replace("%2", format_size(plan.new_bytes))
            .replace("%3", format_size(plan.free_bytes))
        )
        self.copy_button.show()
        self._selection_changed()

    def selected(self) -> list[str]:
        return [r.course.id for r in self._importable_rows() if r.check.isChecked()]

    def _importable_rows(self) -> list[CourseRow]:
        return [r for r in self.rows if r.importable]

    def _selection_changed(self) -> None:
        plan = self.plan
        if plan is None:
            return
        chosen = [r for r in self._importable_rows() if r.check.isChecked()]
        count = len(chosen)
        if count == len(self._importable_rows()):
            short = plan.shortfall  # files two courses share are counted once
        else:
            need = sum(r.course.new_bytes for r in chosen)
            short = need + plan.reserve - plan.free_bytes
        if not self._importable_rows():
            self.copy_button.setText(self.tr("Nothing new to copy"))
            self.copy_button.setEnabled(False)
            self.reason.setText(
                self.tr("Everything on this stick that this computer can use is already here.")
            )
            self.reason.setStyleSheet(f"font-size: 14pt; color: {GOOD}; font-weight: bold;")
            self.reason.show()
            return
        self.reason.setStyleSheet(f"font-size: 14pt; color: {ACT}; font-weight: bold;")
        self.copy_button.setText(
            self.tr("Copy %n course(s) to this computer").replace("%n", str(count))
        )
        if count == 0:
            self.copy_button.setEnabled(False)
            self.reason.setText(self.tr("Tick the courses you want to copy."))
            self.reason.show()
        elif short > 0:
            self.copy_button.setEnabled(False)
            self.reason.setText(
                self.tr(
                    "There is not enough free space on this computer. Free %1 more (or untick some courses), then open the stick again."
                ).replace("%1", format_size(short))
            )
            self.reason.show()
        else:
            self.copy_button.setEnabled(True)
            self.reason.hide()

    def _copy(self) -> None:
        chosen = self.selected()
        if chosen:
            self.copy_requested.emit(chosen)

    def show_waiting(self, records: int, teachers: int) -> None:
        """How much progress waits to be sent."""
        self.waiting.show()
        if records == 0:
            self.waiting.setText(self.tr("Everything learnt on this computer has been sent."))
        else:
            self.waiting.setText(
                self.tr("%n learning record(s) from %1 wait to be sent to the county.")
                .replace("%n", str(records))
                .replace("%1", self.tr("%n teacher(s)").replace("%n", str(teachers)))
            )

    def show_send_result(self, text: str, colour: str) -> None:
        self.send_result.setText(text)
        self.send_result.setStyleSheet(f"font-size: 14pt; font-weight: bold; color: {colour};")
        self.send_result.show()

    def show_enrollment(self, offer: StickOffer | None) -> None:
        """On a computer not registered yet: a big "Register this computer with this USB stick
        (school)" button for each school the stick carries a registration for, or what to ask
        the training coordinator for. Nothing on a registered computer."""
        for button in self.enroll_buttons:
            self.enroll_buttons_layout.removeWidget(button)
            button.deleteLater()
        self.enroll_buttons = []
        self.enroll_result.hide()
        if offer is None or offer.enrolled:
            self.enroll_box.hide()
            return
        self.enroll_box.show()
        self.enroll_text.show()
        if not offer.schools:
            self.enroll_text.setText(describe_enroll_offer(offer.problems))
            self.enroll_text.setStyleSheet(f"font-size: 14pt; font-weight: bold; color: {ACT};")
            return
        self.enroll_text.setText(
            self.tr(
                "This computer is not registered with the county yet, so its progress cannot be sent. This USB stick carries a registration from the county: press the button once, and this computer is registered."
            )
        )
        self.enroll_text.setStyleSheet("font-size: 14pt;")
        for school in offer.schools:
            button = big_button(
                self.tr("Register this computer with this USB stick (%1)").replace("%1", school),
                partial(self.enroll_requested.emit, school),
                primary=True,
            )
            button.setStyleSheet("font-size: 16pt;")
            self.enroll_buttons_layout.addWidget(button)
            self.enroll_buttons.append(button)

    def show_enroll_result(self, text: str, colour: str) -> None:
        """What came of pressing "Register this computer" (shown under the buttons)."""
        self.enroll_box.show()
        self.enroll_result.setText(text)
        self.enroll_result.setStyleSheet(f"font-size: 14pt; font-weight: bold; color: {colour};")
        self.enroll_result.show()

    def show_registered(self, text: str) -> None:
        """Just registered: only the good news, in place of the explanation and buttons."""
        self.enroll_text.hide()
        self.show_enroll_result(text, GOOD)

    def set_busy(self, busy: bool) -> None:
        for button in (self.copy_button, self.send_button, self.peer_button, *self.enroll_buttons):
            button.setDisabled(busy)
        if not busy:
            self._selection_changed()


def _order(course: CourseInPack, importable: set[str]) -> int:
    """Courses to copy first, then the ones already here, then the refused ones."""
    if course.id in importable:
        return 0
    return 2 if course.problem is not None else 1
