"""The typed answers of the form runner and what every answer widget shares.

Each answer widget is an :class:`AnswerWidget`: :meth:`~AnswerWidget.value` is the answer as
:mod:`wire.forms` stores it (``None`` when there is none), :meth:`~AnswerWidget.set_value`
fills it in without signalling (a resumed draft), and ``answered`` says the teacher gave,
changed or cleared the answer, so it is saved now. Typed text and numbers are signalled when
the field is left and after a short pause in typing (``typing_save_ms``), so a power cut loses
at most the last seconds of typing; :meth:`~AnswerWidget.flush` signals what still waits.

Numbers have big - and + buttons and take full-width digits; a date is picked on a month
calendar that opens from one big button (a date field cannot show "no answer yet").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from PySide6.QtCore import QDate, QLocale, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QValidator
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wire.forms import AnswerValue, LocalText, Question, QuestionType

TYPING_SAVE_MS = 1500
"""How long typing pauses before what was typed is saved."""

Text = Callable[[LocalText], str]
"""Picks a form text in the teacher's language."""


class AnswerWidget(QWidget):
    """The answer to one question.

    Signals:
        answered(): the teacher gave, changed or cleared the answer; save it now.
    """

    answered = Signal()

    def value(self) -> AnswerValue | None:
        raise NotImplementedError

    def set_value(self, value: AnswerValue | None) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Signals typing that is still waiting for its pause (before leaving or submitting)."""

    def set_locked(self, locked: bool) -> None:
        self.setEnabled(not locked)


def restyle(widget: QWidget, name: str, value: object) -> None:
    """Sets a property the style sheet reads, and redraws."""
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class _Typed(AnswerWidget):
    """Something typed: signalled after a pause in typing and when the field is left."""

    def __init__(self, typing_save_ms: int) -> None:
        super().__init__()
        self._loading = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(typing_save_ms)
        self.timer.timeout.connect(self.answered.emit)

    def _typed(self) -> None:
        if not self._loading:
            self.timer.start()

    def _left(self) -> None:
        self.timer.stop()
        self.answered.emit()

    def flush(self) -> None:
        if self.timer.isActive():
            self._left()


class _LongTextEdit(QPlainTextEdit):
    """Signals:
    left(): the field lost the keyboard focus.
    """

    left = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.left.emit()


class TextAnswer(_Typed):
    """Short text on one line; long text (appearance ``multiline``) in a big box."""

    def __init__(self, question: Question, typing_save_ms: int) -> None:
        super().__init__(typing_save_ms)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit: QLineEdit | QPlainTextEdit
        if question.multiline:
            edit = _LongTextEdit()
            edit.setMinimumHeight(150)
            edit.textChanged.connect(self._typed)
            edit.left.connect(self._left)
            self.edit = edit
        else:
            line = QLineEdit()
            line.setMinimumHeight(48)
            line.textEdited.connect(self._typed)
            line.editingFinished.connect(self._left)
            self.edit = line
        layout.addWidget(self.edit)

    def typed(self) -> str:
        edit = self.edit
        return edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()

    def value(self) -> AnswerValue | None:
        typed = self.typed()
        return typed if typed.strip() else None

    def set_value(self, value: AnswerValue | None) -> None:
        self._loading = True
        try:
            text = value if isinstance(value, str) else ""
            if isinstance(self.edit, QPlainTextEdit):
                self.edit.setPlainText(text)
            else:
                self.edit.setText(text)
        finally:
            self._loading = False


class NumberValidator(QValidator):
    """Digits only (full-width ones and the Chinese full stop are read as ASCII)."""

    def __init__(self, decimal: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.partial = re.compile(r"-?\d*(\.\d*)?" if decimal else r"-?\d*")
        self.whole = re.compile(r"-?\d+(\.\d+)?" if decimal else r"-?\d+")

    def validate(self, text: str, pos: int) -> object:
        normal = unicodedata.normalize("NFKC", text).replace("。", ".").replace(" ", "")
        if self.whole.fullmatch(normal):
            return QValidator.State.Acceptable, normal, min(pos, len(normal))
        if self.partial.fullmatch(normal):
            return QValidator.State.Intermediate, normal, min(pos, len(normal))
        return QValidator.State.Invalid, text, pos


def format_number(value: AnswerValue | None) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


class NumberAnswer(_Typed):
    """A whole number or a number: a big field between big - and + buttons."""

    def __init__(self, question: Question, typing_save_ms: int) -> None:
        super().__init__(typing_save_ms)
        self.decimal = question.type is QuestionType.DECIMAL
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.minus = self._step_button("\u2212", -1)
        self.edit = QLineEdit()
        self.edit.setValidator(NumberValidator(self.decimal, self.edit))
        self.edit.setMaxLength(16)
        self.edit.setMinimumSize(180, 56)
        self.edit.setMaximumWidth(240)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._left)
        self.plus = self._step_button("+", 1)
        layout.addWidget(self.minus)
        layout.addWidget(self.edit)
        layout.addWidget(self.plus)
        layout.addStretch(1)

    def _step_button(self, text: str, step: int) -> QPushButton:
        button = QPushButton(text)
        button.setProperty("step", True)
        button.setFixedSize(60, 56)
        button.setAccessibleName(self.tr("Less") if step < 0 else self.tr("More"))
        button.clicked.connect(lambda: self.step(step))
        return button

    def step(self, by: int) -> None:
        current = self.value()
        base = current if isinstance(current, int | float) else 0
        self.set_value(base + by)
        self._left()

    def value(self) -> AnswerValue | None:
        text = unicodedata.normalize("NFKC", self.edit.text()).strip()
        try:
            if not self.decimal or re.fullmatch(r"-?\d+", text):
                return int(text)
            return float(text)
        except ValueError:
            return None  # empty, or half typed ("-", ".")

    def set_value(self, value: AnswerValue | None) -> None:
        self._loading = True
        try:
            self.edit.setText(format_number(value))
        finally:
            self._loading = False


class DateAnswer(AnswerWidget):
    """A big button showing the date (or "Choose a date") that opens a month calendar."""

    def __init__(self, locale: QLocale, today: QDate, clearable: bool) -> None:
        super().__init__()
        self.date_locale = locale
        self.today = today
        self.clearable = clearable
        self._date: QDate | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton()
        self.button.setMinimumSize(300, 56)
        self.button.setStyleSheet("font-size: 14pt;")
        self.button.clicked.connect(self.open_calendar)
        layout.addWidget(self.button)
        self.clear_button = QPushButton(self.tr("Clear my answer"))
        self.clear_button.setProperty("link", True)
        self.clear_button.clicked.connect(lambda: self.pick(None))
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.calendar = QCalendarWidget(self)
        self.calendar.setWindowFlags(Qt.WindowType.Popup)
        self.calendar.setLocale(locale)
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setMinimumSize(460, 360)
        self.calendar.clicked.connect(self.pick)
        self.calendar.activated.connect(self.pick)
        self._show()

    def open_calendar(self) -> None:
        shown = self._date or self.today
        self.calendar.setSelectedDate(shown)
        self.calendar.setCurrentPage(shown.year(), shown.month())
        self.calendar.move(self._calendar_place())
        self.calendar.show()
        self.calendar.setFocus()

    def _calendar_place(self) -> QPoint:
        """Under the button, or above it when the screen ends first (small screens)."""
        size = self.calendar.sizeHint().expandedTo(self.calendar.minimumSize())
        below = self.button.mapToGlobal(QPoint(0, self.button.height()))
        screen = self.button.screen().availableGeometry()
        x = max(screen.left(), min(below.x(), screen.right() - size.width()))
        if below.y() + size.height() <= screen.bottom():
            return QPoint(x, below.y())
        above = self.button.mapToGlobal(QPoint(0, 0)).y() - size.height()
        return QPoint(x, max(screen.top(), above))

    def pick(self, day: QDate | None) -> None:
        """The teacher chose ``day`` on the calendar (``None``: cleared the answer)."""
        self.calendar.hide()
        self._date = day if day is not None and day.isValid() else None
        self._show()
        self.answered.emit()

    def _show(self) -> None:
        if self._date is None:
            self.button.setText(self.tr("Choose a date"))
        else:
            self.button.setText(
                self.date_locale.toString(self._date, QLocale.FormatType.LongFormat)
            )
        self.clear_button.setVisible(self.clearable and self._date is not None and self.isEnabled())

    def value(self) -> AnswerValue | None:
        return None if self._date is None else self._date.toString(Qt.DateFormat.ISODate)

    def set_value(self, value: AnswerValue | None) -> None:
        day = QDate.fromString(value, Qt.DateFormat.ISODate) if isinstance(value, str) else None
        self._date = day if day is not None and day.isValid() else None
        self._show()

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        self._show()
