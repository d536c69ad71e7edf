"""What the teacher sees once a form is submitted: a thank-you for a survey; for a quiz the
score, pass or fail, which answers were right (when the author shows that), and whether the
quiz can be taken again."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.storage.responses import FormState
from app.ui.form_inputs import Text, format_number
from wire.forms import AnswerValue, FeedbackTiming, FormSpec, Question, QuestionType

STYLE = """
#doneHeadline { font-size: 22pt; font-weight: bold; color: #2e7d32; }
#score { font-size: 24pt; font-weight: bold; color: #222222; }
#passed[passed="true"] { font-size: 18pt; font-weight: bold; color: #2e7d32; }
#passed[passed="false"] { font-size: 18pt; font-weight: bold; color: #b00020; }
#resultItem { background: #fffdf8; border: 1px solid #e6dcc8; border-radius: 10px; }
#resultQuestion { font-size: 14pt; font-weight: bold; }
#verdict[correct="true"] { color: #2e7d32; font-weight: bold; }
#verdict[correct="false"] { color: #b00020; font-weight: bold; }
"""


@dataclass(frozen=True)
class QuestionOutcome:
    label: str
    answer: str  # the teacher's answer as text; "" when unanswered
    correct: bool
    points: float
    max_points: float
    feedback: str


@dataclass(frozen=True)
class QuizOutcome:
    """A submitted quiz as the result view shows it.

    Attributes:
        questions: question by question; ``None`` when the author shows only the score.
        attempts_allowed: 0 for no limit.
    """

    score: float
    max_score: float
    passed: bool | None
    pass_mark: float | None
    questions: tuple[QuestionOutcome, ...] | None
    attempts_used: int
    attempts_allowed: int

    @property
    def can_try_again(self) -> bool:
        return self.attempts_allowed == 0 or self.attempts_used < self.attempts_allowed


def quiz_outcome(form: FormSpec, state: FormState, language: str) -> QuizOutcome:
    """The last submitted attempt of the quiz ``form``; per question only when the author
    shows feedback, and only for the version of the form it was answered with."""
    assert form.quiz is not None and state.submitted
    last = state.submitted[-1]

    def text(texts: dict[str, str]) -> str:
        return form.text(texts, language)

    questions = None
    if form.quiz.show_feedback is not FeedbackTiming.NEVER and last.version == form.version:
        questions = tuple(
            QuestionOutcome(
                label=text(form.question(r.name).label),
                answer=answer_text(form.question(r.name), last.answers.get(r.name), text),
                correct=r.correct,
                points=r.points,
                max_points=r.max_points,
                feedback=text(r.feedback) if r.feedback else "",
            )
            for r in form.score(last.answers).results
        )
    return QuizOutcome(
        score=last.score or 0.0,
        max_score=last.max_score or form.total_points,
        passed=last.passed,
        pass_mark=form.quiz.pass_mark,
        questions=questions,
        attempts_used=state.attempts,
        attempts_allowed=form.quiz.attempts,
    )


def answer_text(question: Question, value: AnswerValue | None, text: Text) -> str:
    """An answer as the teacher recognises it: choice labels, not their names."""
    if value is None:
        return ""
    if question.type in (
        QuestionType.SELECT_ONE,
        QuestionType.RATING,
        QuestionType.SELECT_MULTIPLE,
    ):
        names = value if isinstance(value, list) else [str(value)]
        labels = []
        for name in names:
            choice = question.choice(name)
            labels.append(text(choice.label) if choice is not None else name)
        # The list separator of the teacher's language ("、" in Chinese).
        return QCoreApplication.translate("FormResult", ", ").join(labels)
    if question.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
        return format_number(value)
    return str(value)


class ResultView(QWidget):
    """Signals:
    try_again(): the teacher starts the quiz again.
    back(): the teacher goes back to the course.
    """

    try_again = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        self.headline = QLabel()
        self.headline.setObjectName("doneHeadline")
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.score = QLabel()
        self.score.setObjectName("score")
        layout.addWidget(self.score)
        self.passed = QLabel()
        self.passed.setObjectName("passed")
        self.passed.setWordWrap(True)
        layout.addWidget(self.passed)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setStyleSheet("font-size: 14pt;")
        layout.addWidget(self.explanation)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        host = QWidget()
        self.details = QVBoxLayout(host)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details.setSpacing(10)
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("Back to the course"))
        self.back_button.setMinimumSize(200, 56)
        self.back_button.clicked.connect(self.back.emit)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        self.try_again_button = QPushButton(self.tr("Try again"))
        self.try_again_button.setProperty("primary", True)
        self.try_again_button.setMinimumSize(200, 56)
        self.try_again_button.clicked.connect(self.try_again.emit)
        buttons.addWidget(self.try_again_button)
        layout.addLayout(buttons)

    def show_survey(self, anonymous: bool) -> None:
        self._clear()
        self.headline.setText("\u2714 " + self.tr("Thank you! Your answers were submitted."))
        self.score.hide()
        self.passed.hide()
        lines = [
            self.tr(
                "They are kept on this computer and go to the county the next time it connects to the county server."
            )
        ]
        if anonymous:
            lines.append(self.tr("Your name will not appear in the county's reports."))
        self.explanation.setText("\n".join(lines))
        self.try_again_button.hide()

    def show_quiz(self, outcome: QuizOutcome) -> None:
        self._clear()
        self.headline.setText("\u2714 " + self.tr("Your answers were submitted."))
        self.score.setText(
            self.tr("Your score: %1 of %2 points")
            .replace("%1", format_number(outcome.score))
            .replace("%2", format_number(outcome.max_score))
        )
        self.score.show()
        self.passed.setVisible(outcome.passed is not None)
        if outcome.passed is not None:
            self.passed.setText(
                "\u2714 " + self.tr("Passed!")
                if outcome.passed
                else self.tr("Not passed yet: %1 points are needed to pass.").replace(
                    "%1", format_number(outcome.pass_mark or 0)
                )
            )
            self.passed.setProperty("passed", outcome.passed)
            self.passed.style().unpolish(self.passed)
            self.passed.style().polish(self.passed)
        lines = [self._attempts_line(outcome)]
        if outcome.questions is None:
            lines.append(self.tr("This quiz shows only the score, not which answers were right."))
        self.explanation.setText("\n".join(line for line in lines if line))
        for number, question in enumerate(outcome.questions or (), start=1):
            self.details.addWidget(self._item(number, question))
        self.try_again_button.setVisible(outcome.can_try_again)

    def _attempts_line(self, outcome: QuizOutcome) -> str:
        used, allowed = outcome.attempts_used, outcome.attempts_allowed
        if allowed == 0:
            return self.tr("You may take this quiz again as often as you like.")
        if used >= allowed:
            return self.tr(
                "You have used all %1 attempts at this quiz; this is your last result."
            ).replace("%1", str(allowed))
        return (
            self.tr("You have taken this quiz %1 time(s); you may take it %2 time(s) in all.")
            .replace("%1", str(used))
            .replace("%2", str(allowed))
        )

    def _item(self, number: int, outcome: QuestionOutcome) -> QFrame:
        frame = QFrame()
        frame.setObjectName("resultItem")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(14, 10, 14, 10)
        question = QLabel(f"{number}. {outcome.label}")
        question.setObjectName("resultQuestion")
        question.setWordWrap(True)
        layout.addWidget(question)
        answer = QLabel(
            self.tr("Your answer: %1").replace("%1", outcome.answer)
            if outcome.answer
            else self.tr("You did not answer.")
        )
        answer.setWordWrap(True)
        layout.addWidget(answer)
        if outcome.correct:
            said = "\u2714 " + self.tr("Right: %1 of %2 points")
        else:
            said = "\u2718 " + self.tr("Not right: %1 of %2 points")
        verdict = QLabel(
            said.replace("%1", format_number(outcome.points)).replace(
                "%2", format_number(outcome.max_points)
            )
        )
        verdict.setObjectName("verdict")
        verdict.setProperty("correct", outcome.correct)
        layout.addWidget(verdict)
        if outcome.feedback:
            feedback = QLabel(outcome.feedback)
            feedback.setWordWrap(True)
            feedback.setProperty("role", "hint")
            layout.addWidget(feedback)
        return frame

    def _clear(self) -> None:
        while self.details.count():
            taken = self.details.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
