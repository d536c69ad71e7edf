"""The choice answers of the form runner, and the one place that picks a widget for a question.

Choices are whole rows that take a click anywhere (not only on the small circle); a Likert
scale is a row of big buttons, the chosen one filled (or rows, when its labels are long). The
typed answers (text, numbers, dates) and what all answer widgets share are in
:mod:`app.ui.form_inputs`.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.resources import asset
from app.ui.form_inputs import (
    TYPING_SAVE_MS,
    AnswerWidget,
    DateAnswer,
    NumberAnswer,
    Text,
    TextAnswer,
    restyle,
)
from wire.forms import AnswerValue, Question, QuestionType

STYLE = """
#choiceRow { background: white; border: 1px solid #d8cfbd; border-radius: 8px; }
#choiceRow[checked="true"] { background: #fff3df; border: 2px solid #d9822b; }
#choiceRow QLabel { color: #222222; font-size: 14pt; }
#choiceRow QRadioButton::indicator { width: 22px; height: 22px; border: 2px solid #6a5a40;
                                     border-radius: 13px; background: white; }
#choiceRow QRadioButton::indicator:checked {
    border-color: #b5661a;
    background: qradialgradient(cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5,
                                stop: 0 #d9822b, stop: 0.55 #d9822b, stop: 0.6 white, stop: 1 white); }
#choiceRow QCheckBox::indicator { width: 22px; height: 22px; border: 2px solid #6a5a40;
                                  border-radius: 4px; background: white; }
#choiceRow QCheckBox::indicator:checked { border-color: #b5661a; image: url(CHECK); }
QCalendarWidget QWidget { font-size: 14pt; }
QCalendarWidget QToolButton { color: #222222; background: #ffffff; min-height: 40px;
                              padding: 2px 10px; }
QCalendarWidget QToolButton::menu-indicator { image: none; }
QCalendarWidget #qt_calendar_navigationbar { background: #f3efe6; }
QCalendarWidget QAbstractItemView { selection-background-color: #d9822b;
                                    selection-color: white; }
QPushButton[likert="true"] { background: white; border: 2px solid #c9bfa8; border-radius: 8px;
                             font-size: 14pt; padding: 6px 8px; }
QPushButton[likert="true"]:checked { background: #d9822b; color: white; border-color: #b5661a;
                                     font-weight: bold; }
QPushButton[likert="true"]:checked:disabled { background: #e8b27a; color: white; }
QPushButton[step="true"] { font-size: 20pt; font-weight: bold; padding: 0; }
QLineEdit, QPlainTextEdit { font-size: 14pt; background: white; border: 1px solid #b9b0a0;
                            border-radius: 6px; }
QPushButton[link="true"] { background: transparent; border: none; color: #6a5a40;
                           text-decoration: underline; font-size: 12pt; }
"""


class ChoiceRow(QFrame):
    """A choice as a whole row: a click anywhere on it is a click on its button."""

    def __init__(self, button: QAbstractButton, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceRow")
        self.button = button
        button.setAccessibleName(text)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(button)
        layout.addWidget(self.label, 1)
        self.setMinimumHeight(52)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        button.toggled.connect(lambda on: restyle(self, "checked", on))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and inside and self.isEnabled():
            self.button.click()
        event.accept()


class Choices(AnswerWidget):
    """Choices as rows (radio buttons or check boxes), and a link to clear an optional one."""

    def __init__(self, question: Question, text: Text, multiple: bool, clearable: bool) -> None:
        super().__init__()
        self.multiple = multiple
        self.group = QButtonGroup(self)
        self.group.setExclusive(not multiple)
        self.rows: dict[str, ChoiceRow] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for choice in question.choices:
            button: QAbstractButton = QCheckBox() if multiple else QRadioButton()
            row = ChoiceRow(button, text(choice.label))
            self.group.addButton(button)
            self.rows[choice.name] = row
            layout.addWidget(row)
        self.clear_button = QPushButton(self.tr("Clear my answer"))
        self.clear_button.setProperty("link", True)
        self.clear_button.clicked.connect(self._clear)
        self.clear_button.setVisible(False)
        self.clearable = clearable
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.group.buttonClicked.connect(self._clicked)

    def value(self) -> AnswerValue | None:
        chosen = [name for name, row in self.rows.items() if row.button.isChecked()]
        if self.multiple:
            return chosen or None
        return chosen[0] if chosen else None

    def set_value(self, value: AnswerValue | None) -> None:
        names = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        self._check(names if value is not None else set())
        self._show_clear()

    def choose(self, name: str) -> None:
        """As if the teacher clicked the choice ``name``."""
        self.rows[name].button.click()

    def _check(self, names: set[str]) -> None:
        self.group.setExclusive(False)  # an exclusive group cannot be emptied
        for name, row in self.rows.items():
            row.button.setChecked(name in names)
        self.group.setExclusive(not self.multiple)

    def _clicked(self, _button: QAbstractButton) -> None:
        self._show_clear()
        self.answered.emit()

    def _clear(self) -> None:
        self._check(set())
        self._show_clear()
        self.answered.emit()

    def _show_clear(self) -> None:
        self.clear_button.setVisible(self.clearable and self.value() is not None)

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        self.clear_button.setVisible(not locked and self.clearable and self.value() is not None)


class Rating(AnswerWidget):
    """A Likert scale: one row of big buttons, the chosen one filled."""

    def __init__(self, question: Question, text: Text, clearable: bool) -> None:
        super().__init__()
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setSpacing(8)
        for choice in question.choices:
            label = text(choice.label)
            button = QPushButton(two_lines(label))
            button.setAccessibleName(label)
            button.setProperty("likert", True)
            button.setCheckable(True)
            button.setMinimumHeight(64)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            self.group.addButton(button)
            self.buttons[choice.name] = button
            row.addWidget(button, 1)
        outer.addLayout(row)
        self.clearable = clearable
        self.clear_button = QPushButton(self.tr("Clear my answer"))
        self.clear_button.setProperty("link", True)
        self.clear_button.clicked.connect(self._clear)
        self.clear_button.setVisible(False)
        outer.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.group.buttonClicked.connect(self._clicked)

    def _clicked(self, _button: QAbstractButton) -> None:
        self._show_clear()
        self.answered.emit()

    def _clear(self) -> None:
        self.set_value(None)
        self.answered.emit()

    def value(self) -> AnswerValue | None:
        return next((n for n, b in self.buttons.items() if b.isChecked()), None)

    def set_value(self, value: AnswerValue | None) -> None:
        self.group.setExclusive(False)
        for name, button in self.buttons.items():
            button.setChecked(name == value)
        self.group.setExclusive(True)
        self._show_clear()

    def choose(self, name: str) -> None:
        self.buttons[name].click()

    def _show_clear(self) -> None:
        self.clear_button.setVisible(self.clearable and self.value() is not None)


def two_lines(text: str, width: int = 10) -> str:
    """A button label broken at its middle space when it is long (``Strongly\\ndisagree``)."""
    if len(text) <= width or " " not in text:
        return text
    middle = len(text) / 2
    at = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - middle))
    return text[:at] + "\n" + text[at + 1 :]


def fits_in_a_row(question: Question, text: Text) -> bool:
    """Whether a scale's labels fit on big buttons side by side (else it is shown as rows)."""
    labels = [text(c.label) for c in question.choices]
    return len(labels) <= 7 and all(len(label) <= 24 for label in labels)


def make_answer_widget(
    question: Question,
    text: Text,
    *,
    locale: QLocale,
    today: QDate,
    typing_save_ms: int = TYPING_SAVE_MS,
) -> AnswerWidget | None:
    """The widget for ``question``'s type; ``None`` for a note (nothing to answer)."""
    clearable = not question.required
    widget: AnswerWidget
    match question.type:
        case QuestionType.NOTE:
            return None
        case QuestionType.SELECT_ONE:
            widget = Choices(question, text, multiple=False, clearable=clearable)
        case QuestionType.SELECT_MULTIPLE:
            widget = Choices(question, text, multiple=True, clearable=False)
        case QuestionType.RATING if fits_in_a_row(question, text):
            widget = Rating(question, text, clearable)
        case QuestionType.RATING:
            widget = Choices(question, text, multiple=False, clearable=clearable)
        case QuestionType.TEXT:
            widget = TextAnswer(question, typing_save_ms)
        case QuestionType.INTEGER | QuestionType.DECIMAL:
            widget = NumberAnswer(question, typing_save_ms)
        case QuestionType.DATE:
            widget = DateAnswer(locale, today, clearable)
    widget.setStyleSheet(STYLE.replace("CHECK", asset("icons", "done.svg").as_posix()))
    return widget
