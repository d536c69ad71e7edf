"""The questionnaire and quiz runner: one page of the form at a time, every answer saved the
moment it is given, a response final once submitted.

Saving. Each answer is written (:func:`app.storage.responses.save_answer`) in its own write
transaction as soon as the teacher gives it: a click on a choice at once, typing after a short
pause and when the field is left (:mod:`app.ui.form_inputs`). The page is noted on every move
(``save_page``), so reopening the item resumes the draft on that page with every answer in
place. In a quiz that shows feedback after each question, a scored answer is saved when the
teacher asks whether it is right, and locks then: the saved answer is the checked one, and a
resumed draft shows it locked.

Submitting checks the whole response again (``validate_response``), asks for confirmation
(answers cannot change after) and submits only the answers to the questions shown, with a
quiz's score. From then on the page shows the result (:mod:`app.ui.form_result`) instead of
the questions, so nothing can be changed from here; a quiz with attempts left offers
"Try again", which starts a new response.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from pydantic import ValidationError
from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton, QStackedWidget, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.context import AppContext
from app.storage import responses
from app.storage.catalog import ItemRow
from app.storage.errors import StorageError
from app.storage.profiles import Teacher
from app.storage.responses import ResponseFinalError
from app.ui import message
from app.ui.form_answering import AnsweringView
from app.ui.form_inputs import TYPING_SAVE_MS
from app.ui.form_result import ResultView, quiz_outcome
from app.ui.form_run import FormRun, form_language
from app.ui.texts import describe_error
from app.ui.viewer_header import add_viewer_header
from wire.forms import FORM_FORMAT, AnswerValue, FormSpec


class FormPage(QWidget):
    """Signals:
    closed(): the teacher left the form (every answer is saved).

    Attributes:
        answering: the questions of the current page, while a response is open.
        result: what was submitted last, once the form is done.
        confirm_box, confirm_yes: the question "submit now?" while it is asked.
    """

    closed = Signal()

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        typing_save_ms: int = TYPING_SAVE_MS,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.item: ItemRow | None = None
        self.teacher: Teacher | None = None
        self.form: FormSpec | None = None
        self.response_id = ""
        self.confirm_box: QMessageBox | None = None
        self.confirm_yes: QPushButton | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.title = add_viewer_header(layout, self.close_form)
        self.title.setWordWrap(True)
        self.views = QStackedWidget()
        layout.addWidget(self.views, 1)
        self.answering = AnsweringView(typing_save_ms=typing_save_ms)
        self.answering.submit_requested.connect(self.ask_to_submit)
        self.views.addWidget(self.answering)
        self.result = ResultView()
        self.result.back.connect(self.close_form)
        self.result.try_again.connect(self.start_again)
        self.views.addWidget(self.result)

    # Opening and closing ----------------------------------------------------------------------
    def open_item(self, item: ItemRow, teacher: Teacher) -> bool:
        """Shows the form of ``item``: the draft where the teacher left it, the result of a
        submitted one, or a new response. ``False`` (and a message) if it cannot be opened."""
        if self.item is not None:
            self.answering.flush()
        path = self.context.content.path_of(item.sha256)
        if path is None:
            message.error(
                self.tr(
                    "This questionnaire is no longer on this computer. Please download the course again."
                )
            )
            return False
        form = self._read_form(path.read_bytes())
        if form is None:
            return False
        self.item, self.teacher, self.form = item, teacher, form
        self.title.setText(item.title)
        self.reload()
        return True

    def _read_form(self, data: bytes) -> FormSpec | None:
        try:
            return FormSpec.model_validate_json(data)
        except ValidationError:
            newer = False
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                newer = int(json.loads(data).get("format", 0)) > FORM_FORMAT
            if newer:
                message.error(
                    self.tr(
                        "This questionnaire needs a newer version of Lamplight. Please ask for Lamplight to be updated on this computer."
                    )
                )
            else:
                message.error(
                    self.tr(
                        "This questionnaire cannot be opened. Please download the course again."
                    )
                )
            return None

    def reload(self) -> None:
        """Shows what the records say: the open draft, else the last result, else a new start."""
        if self.item is None or self.teacher is None or self.form is None:
            return
        with self.context.db.read_session() as session:
            state = responses.state(session, self.teacher, self.item.id)
        if state.draft is not None:
            answers = {**self.form.defaults(), **state.draft.answers}
            self._start(state.draft.response_id, answers, state.draft.page, state.attempts + 1)
        elif state.submitted:
            self.answering.clear()
            self.views.setCurrentWidget(self.result)
            if self.form.quiz is None:
                self.result.show_survey(self.form.anonymous)
            else:
                self.result.show_quiz(quiz_outcome(self.form, state, self.language()))
        else:
            self._start(responses.new_response_id(), dict(self.form.defaults()), 0, 1)

    def start_again(self) -> None:
        """A new response (nothing is written until its first answer or page)."""
        if self.item is None or self.teacher is None or self.form is None:
            return
        with self.context.db.read_session() as session:
            done = responses.state(session, self.teacher, self.item.id).attempts
        self._start(responses.new_response_id(), dict(self.form.defaults()), 0, done + 1)

    def _start(
        self,
        response_id: str,
        answers: dict[str, AnswerValue | None],
        page: int,
        attempt: int,
    ) -> None:
        assert self.form is not None
        self.response_id = response_id
        today = self.context.clock().astimezone().date()
        run = FormRun(self.form, self.language(), today, answers)
        run.settle(page)
        self.views.setCurrentWidget(self.answering)
        self.answering.start(run, self, attempt)

    def flush(self) -> None:
        """Saves what is still being typed."""
        if self.item is not None:
            self.answering.flush()

    def close_form(self) -> None:
        self.flush()
        self.item = None  # before the confirmation closes: closing it then submits nothing
        if self.confirm_box is not None:
            self.confirm_box.close()
        self.answering.clear()
        self.closed.emit()

    @staticmethod
    def language() -> str:
        """The form language for the app's (``zh`` or ``en``)."""
        app = QCoreApplication.instance()
        ui = app.property("lamplight_language") if app is not None else None
        return form_language(str(ui or "zh_CN"))

    # Saving (the answering view's Recorder) ---------------------------------------------------
    def record_answer(self, name: str, value: AnswerValue | None) -> bool:
        item_id, teacher, response = self._ids()
        return self._write(
            lambda session: responses.save_answer(
                session, teacher, item_id, response, name, value, clock=self.context.clock
            )
        )

    def record_page(self, page: int) -> bool:
        item_id, teacher, response = self._ids()
        return self._write(
            lambda session: responses.save_page(
                session, teacher, item_id, response, page, clock=self.context.clock
            )
        )

    def _ids(self) -> tuple[str, Teacher, str]:
        assert self.item is not None and self.teacher is not None
        return self.item.id, self.teacher, self.response_id

    def _write(self, work: Callable[[Session], object]) -> bool:
        try:
            with self.context.db.write() as session:
                work(session)
        except ResponseFinalError:
            message.warning(self.tr("These answers were submitted already; they cannot change."))
            self.reload()
            return False
        except StorageError as exc:
            message.error(describe_error(exc) or str(exc))
            return False
        return True

    # Submitting -------------------------------------------------------------------------------
    def ask_to_submit(self) -> None:
        """Asks whether to submit now: the answers cannot change after."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Submit"))
        box.setText(self.tr("Submit your answers now?"))
        box.setInformativeText(self.tr("After you submit, your answers cannot be changed."))
        yes = box.addButton(self.tr("Submit"), QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(self.tr("Keep answering"), QMessageBox.ButtonRole.RejectRole)
        for button in (yes, keep):
            button.setMinimumSize(160, 52)
        box.setDefaultButton(keep)
        box.finished.connect(lambda _result: self._confirmed(box, box.clickedButton() is yes))
        self.confirm_box, self.confirm_yes = box, yes
        box.open()

    def _confirmed(self, box: QMessageBox, submit: bool) -> None:
        self.confirm_box = self.confirm_yes = None
        box.deleteLater()
        if submit and self.item is not None:
            self.submit()

    def submit(self) -> None:
        """Makes the response final with the answers to the questions shown."""
        run, form = self.answering.run, self.form
        assert run is not None and form is not None
        if run.problems():  # never submit an answer that breaks a rule
            self.answering.ask_to_submit()  # shows where
            return
        answers = run.submission()
        score = form.score(answers) if form.quiz is not None else None
        item_id, teacher, response = self._ids()
        if self._write(
            lambda session: responses.submit(
                session,
                teacher,
                item_id,
                response,
                form_id=form.id,
                version=form.version,
                answers=dict(answers),
                score=None if score is None else score.score,
                max_score=None if score is None else score.max_score,
                passed=None if score is None else score.passed,
                clock=self.context.clock,
            )
        ):
            self.reload()
