"""One question on the runner's page: its text with a red "Required" tag, the hint in smaller
grey text, the reason an answer cannot be accepted (in red, under the question), the answer
widget, and for a quiz that shows feedback at once, whether the answer was right."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.form_inputs import AnswerWidget, Text, restyle
from wire.forms import Question, QuestionType

STYLE = """
#questionBlock { background: #fffdf8; border: 1px solid #e6dcc8; border-radius: 10px; }
#questionBlock[error="true"] { border: 2px solid #b00020; background: #fff6f6; }
#questionBlock[note="true"] { background: #f4efe4; border: none; }
#questionText { font-size: 16pt; font-weight: bold; color: #222222; }
#noteText { font-size: 15pt; color: #333333; }
#requiredTag { background: #b00020; color: white; border-radius: 4px; padding: 2px 10px;
               font-size: 12pt; font-weight: bold; }
#hintText { color: #666666; font-size: 12pt; }
#errorText { color: #b00020; font-size: 14pt; font-weight: bold; }
#resultText[correct="true"] { color: #2e7d32; font-size: 14pt; }
#resultText[correct="false"] { color: #b00020; font-size: 14pt; }
"""


class QuestionBlock(QFrame):
    """Signals:
    check_requested(str): the teacher asked whether their answer to this question is right
        (quizzes with feedback after each question); the question's name.
    """

    check_requested = Signal(str)

    def __init__(
        self,
        question: Question,
        text: Text,
        widget: AnswerWidget | None,
        *,
        checkable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.question = question
        self.widget = widget
        self.locked = False
        self.setObjectName("questionBlock")
        self.setStyleSheet(STYLE)
        note = question.type is QuestionType.NOTE
        restyle(self, "note", note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        head = QHBoxLayout()
        self.label = QLabel(text(question.label))
        self.label.setObjectName("noteText" if note else "questionText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        head.addWidget(self.label, 1)
        self.required_tag: QLabel | None = None
        if question.required and not note:
            self.required_tag = QLabel(self.tr("Required"))
            self.required_tag.setObjectName("requiredTag")
            head.addWidget(self.required_tag, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        hint = text(question.hint) if question.hint else ""
        self.hint = QLabel(hint)
        self.hint.setObjectName("hintText")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        # Under the question's text, not the last of a long list: seen when the block is.
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        if widget is not None:
            layout.addWidget(widget)
        self.check_button: QPushButton | None = None
        if checkable:
            self.check_button = QPushButton(self.tr("Check my answer"))
            self.check_button.setMinimumSize(180, 52)
            self.check_button.setEnabled(False)
            self.check_button.clicked.connect(lambda: self.check_requested.emit(question.name))
            layout.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.result = QLabel()
        self.result.setObjectName("resultText")
        self.result.setWordWrap(True)
        self.result.hide()
        layout.addWidget(self.result)

    @property
    def name(self) -> str:
        return self.question.name

    def show_error(self, problem: str | None) -> None:
        """Shows why the answer cannot be accepted, under it (``None``: clears it)."""
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        restyle(self, "error", problem is not None)

    def has_error(self) -> bool:
        return not self.error.isHidden()

    def can_check(self, answered: bool) -> None:
        if self.check_button is not None:
            self.check_button.setEnabled(answered and not self.locked)

    def show_checked(self, correct: bool, feedback: str) -> None:
        """Locks the answer and says whether it was right, with the author's feedback."""
        self.locked = True
        if self.widget is not None:
            self.widget.set_locked(True)
        if self.check_button is not None:
            self.check_button.hide()
        verdict = "\u2714 " + self.tr("Right!") if correct else "\u2718 " + self.tr("Not right.")
        self.result.setText(f"{verdict}\n{feedback}" if feedback else verdict)
        restyle(self.result, "correct", correct)
        self.result.show()
