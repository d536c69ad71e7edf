"""The page of a form being answered: where the teacher is ("Page 2 of 5" and a bar), the
questions shown for the answers so far, and Back / Next / Submit.

Each answer goes to the :class:`Recorder` (the runner page, which saves it) as soon as it is
given; skip logic, the page count and the messages under the questions follow at once. The
reason an answer cannot be accepted is shown under it when the answer is given and when the
teacher tries to go on, and the page cannot be left forward until it is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QDate, QLocale, Signal
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

from app.ui.form_inputs import TYPING_SAVE_MS, format_number
from app.ui.form_question import QuestionBlock
from app.ui.form_run import FormRun
from app.ui.form_widgets import make_answer_widget
from wire.form_answers import is_correct
from wire.forms import AnswerValue, FeedbackTiming, Question, is_empty

BUTTON_SIZE = (180, 56)


class Recorder(Protocol):
    """Where answers and moves go (the runner page); each returns whether it was saved."""

    def record_answer(self, name: str, value: AnswerValue | None) -> bool: ...

    def record_page(self, page: int) -> bool: ...


class AnsweringView(QWidget):
    """Signals:
    submit_requested(): the teacher pressed Submit and every answer can be submitted.
    """

    submit_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, typing_save_ms: int = TYPING_SAVE_MS):
        super().__init__(parent)
        self.typing_save_ms = typing_save_ms
        self.run: FormRun | None = None
        self.recorder: Recorder | None = None
        self.attempt = 1
        self.blocks: dict[str, QuestionBlock] = {}
        # Quiz answers given but not checked yet (feedback after each question): unsaved.
        self.unchecked: dict[str, AnswerValue | None] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.position = QLabel()
        self.position.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(self.position)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        top.addWidget(self.progress, 1)
        layout.addLayout(top)
        self.page_title = QLabel()
        self.page_title.setStyleSheet("font-size: 18pt; font-weight: bold; margin-top: 6px;")
        self.page_title.setWordWrap(True)
        layout.addWidget(self.page_title)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(
            "background: #eef5ea; border: 1px solid #b7d3a8; border-radius: 8px; padding: 10px;"
            " font-size: 14pt;"
        )
        layout.addWidget(self.notice)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        host = QWidget()
        self.questions = QVBoxLayout(host)
        self.questions.setContentsMargins(0, 4, 8, 4)
        self.questions.setSpacing(14)
        self.questions.addStretch(1)
        self.scroll_area.setWidget(host)
        layout.addWidget(self.scroll_area, 1)
        bottom = QHBoxLayout()
        self.back_button = self._button(self.tr("Back"), self.go_back, primary=False)
        bottom.addWidget(self.back_button)
        # Says that answers are saved, or in red that some need another look.
        self.status = QLabel()
        self.status.setWordWrap(True)
        bottom.addWidget(self.status, 1)
        self.next_button = self._button(self.tr("Next"), self.go_next)
        bottom.addWidget(self.next_button)
        self.submit_button = self._button(self.tr("Submit"), self.ask_to_submit)
        bottom.addWidget(self.submit_button)
        layout.addLayout(bottom)

    def _button(self, text: str, slot: Callable[[], None], primary: bool = True) -> QPushButton:
        button = QPushButton(text)
        button.setProperty("primary", primary)
        button.setMinimumSize(*BUTTON_SIZE)
        button.clicked.connect(slot)
        return button

    def start(self, run: FormRun, recorder: Recorder, attempt: int = 1) -> None:
        """Shows ``run`` at its page; answers and moves go to ``recorder``. ``attempt``: the
        how-many-th response of this teacher to this form it is."""
        self.run, self.recorder, self.attempt = run, recorder, attempt
        self.unchecked.clear()
        self._show_page()

    def flush(self) -> None:
        """Hands over what is still being typed."""
        for block in list(self.blocks.values()):
            if block.widget is not None:
                block.widget.flush()

    def clear(self) -> None:
        for block in self.blocks.values():
            if block.widget is not None:
                block.widget.answered.disconnect()
            self.questions.removeWidget(block)
            block.hide()
            block.deleteLater()
        self.blocks.clear()

    # Showing a page ---------------------------------------------------------------------------
    def _show_page(self) -> None:
        run = self.run
        assert run is not None
        self.clear()
        page = run.form.pages[run.page]
        title = run.text(page.title) if page.title else ""
        self.page_title.setText(title)
        self.page_title.setVisible(bool(title))
        notice = self._notice() if run.is_first() else ""
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        zh = run.language == "zh"
        locale = QLocale(
            QLocale.Language.Chinese if zh else QLocale.Language.English,
            QLocale.Country.China if zh else QLocale.Country.UnitedKingdom,
        )
        today = QDate(run.today.year, run.today.month, run.today.day)
        for question in page.questions:
            widget = make_answer_widget(
                question, run.text, locale=locale, today=today, typing_save_ms=self.typing_save_ms
            )
            checkable = self._checked_one_by_one(question)
            block = QuestionBlock(question, run.text, widget, checkable=checkable)
            saved = run.answers.get(question.name)
            if widget is not None:
                widget.set_value(self.unchecked.get(question.name, saved))
                widget.answered.connect(lambda name=question.name: self._answered(name))
            if checkable:
                block.check_requested.connect(self.check_answer)
                if saved is not None and not is_empty(saved):
                    block.show_checked(*self._verdict(question, saved))
                else:
                    block.can_check(not is_empty(self.unchecked.get(question.name)))
            self.questions.insertWidget(self.questions.count() - 1, block)
            self.blocks[question.name] = block
        self._show_status()
        self._refresh()
        self.scroll_area.verticalScrollBar().setValue(0)

    def _notice(self) -> str:
        """What the first page says about the form: anonymity, the pass mark, attempts."""
        assert self.run is not None
        form = self.run.form
        lines = []
        if form.anonymous:
            lines.append(
                self.tr(
                    "This survey is anonymous: your name will not appear in the county's reports."
                )
            )
        if form.quiz is not None and form.quiz.pass_mark is not None:
            lines.append(
                self.tr("To pass you need %1 of the %2 points.")
                .replace("%1", format_number(form.quiz.pass_mark))
                .replace("%2", format_number(form.total_points))
            )
        if form.quiz is not None and form.quiz.attempts:
            lines.append(
                self.tr("You may take this quiz %1 time(s); this is attempt %2.")
                .replace("%1", str(form.quiz.attempts))
                .replace("%2", str(self.attempt))
            )
        return "\n".join(lines)

    def _refresh(self) -> None:
        """Shows and hides questions as the answers say, and where the teacher is."""
        run = self.run
        assert run is not None
        shown = {q.name for q in run.visible_on_page()}
        for name, block in self.blocks.items():
            block.setVisible(name in shown)
            if name not in shown:
                block.show_error(None)
        number, total = run.position()
        self.position.setText(
            self.tr("Page %1 of %2").replace("%1", str(number)).replace("%2", str(total))
        )
        self.progress.setRange(0, total)
        self.progress.setValue(number)
        self.back_button.setEnabled(not run.is_first())
        last = run.is_last()
        self.next_button.setVisible(not last)
        self.submit_button.setVisible(last)

    # Answers ----------------------------------------------------------------------------------
    def _answered(self, name: str) -> None:
        block = self.blocks.get(name)
        run = self.run
        if block is None or block.widget is None or run is None:
            return
        value = block.widget.value()
        if block.check_button is not None:  # saved when the teacher checks it
            self.unchecked[name] = value
            block.can_check(not is_empty(value))
            block.show_error(None)
            return
        before = run.answers.get(name)
        if not self._save(name, value):
            return
        self._refresh()
        cleared = value is None and before is not None
        if not is_empty(value) or cleared or block.has_error():
            block.show_error(run.problem(name))
        shown = {q.name for q in run.visible_on_page()}
        for other in self.blocks.values():  # an answer may settle another's problem
            if other is not block and other.has_error() and other.name in shown:
                other.show_error(self._problem_shown(other))
        self._show_status()

    def _save(self, name: str, value: AnswerValue | None, *, again: bool = False) -> bool:
        """Records the answer unless it is the one saved last (``again``: record it anyway)."""
        run = self.run
        assert run is not None and self.recorder is not None
        same = run.answers.get(name) == value and (name in run.answers or value is None)
        if same and not again:
            return True  # nothing new (a field left after its typing was saved)
        if not self.recorder.record_answer(name, value):
            return False
        run.answers[name] = value
        return True

    def check_answer(self, name: str) -> None:
        """Saves a scored quiz answer, locks it and says whether it is right."""
        block = self.blocks.get(name)
        run = self.run
        if block is None or block.widget is None or run is None:
            return
        block.widget.flush()
        value = block.widget.value()
        problem = run.form.validate_answer(name, value, run.answers, run.language, today=run.today)
        if problem is not None:
            block.show_error(problem)
            return
        if self._save(name, value, again=True):  # checking is what saves it
            self.unchecked.pop(name, None)
            block.show_error(None)
            block.show_checked(*self._verdict(block.question, value))
            self._show_status()

    def _verdict(self, question: Question, value: AnswerValue | None) -> tuple[bool, str]:
        assert self.run is not None
        return is_correct(question, value), self.run.text(question.feedback)

    def _checked_one_by_one(self, question: Question) -> bool:
        quiz = self.run.form.quiz if self.run is not None else None
        return (
            quiz is not None and quiz.show_feedback is FeedbackTiming.AFTER_EACH and question.scored
        )

    def _problem_shown(self, block: QuestionBlock) -> str | None:
        assert self.run is not None
        unchecked = block.check_button is not None and not block.locked
        if unchecked and not is_empty(self.unchecked.get(block.name)):
            return self.tr('Press "Check my answer" first.')
        return self.run.problem(block.name)

    def _show_status(self) -> None:
        if any(block.has_error() for block in self.blocks.values()):
            self.status.setText(self.tr("Please look at the questions marked in red."))
            self.status.setStyleSheet("color: #b00020; font-weight: bold;")
        else:
            self.status.setText(
                self.tr("Every answer is saved at once. You can stop at any time and go on later.")
            )
            self.status.setStyleSheet("color: #555555;")

    # Moving -----------------------------------------------------------------------------------
    def page_ok(self) -> bool:
        """Shows the problems of this page's answers; ``True`` when there are none."""
        self.flush()
        assert self.run is not None
        shown = {q.name for q in self.run.visible_on_page()}
        problems = {
            name: text
            for name, block in self.blocks.items()
            if name in shown and (text := self._problem_shown(block)) is not None
        }
        for name, block in self.blocks.items():
            block.show_error(problems.get(name))
        self._show_status()
        if not problems:
            return True
        first = next(b for n, b in self.blocks.items() if n in problems)
        self.scroll_area.ensureWidgetVisible(first)
        return False

    def go_next(self) -> None:
        if self.run is None or not self.page_ok():
            return
        following = self.run.next_page()
        if following is not None:
            self.go_to(following)

    def go_back(self) -> None:
        if self.run is None:
            return
        self.flush()
        previous = self.run.previous_page()
        if previous is not None:
            self.go_to(previous)

    def go_to(self, page: int) -> None:
        assert self.run is not None and self.recorder is not None
        self.recorder.record_page(page)  # a failure was said; the teacher can go on anyway
        self.run.page = page
        self._show_page()

    def ask_to_submit(self) -> None:
        """Checks every answer; asks for submitting only when all can be submitted."""
        run = self.run
        if run is None or not self.page_ok():
            return
        problems = run.problems()
        if problems:  # on an earlier page (a draft of an older version, say): show it there
            self.go_to(min(run.form.page_of(name) for name in problems))
            self.page_ok()
            return
        self.submit_requested.emit()
