"""Where a teacher is in a form, without widgets: the runner page (:mod:`app.ui.form_page`)
asks this which pages are shown, where Next and Back go, and what stops the teacher going on.

Everything is recomputed from the answers each time (forms are small), so skip logic follows
every answer at once. ``page`` is an index into ``form.pages``; the position the teacher sees
("page 2 of 5") counts only the pages shown for the answers so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from wire.forms import AnswerValue, FormSpec, Question, QuestionType


def form_language(ui_language: str) -> str:
    """The form language for the app's language: Chinese for ``zh_CN``, else English (a form
    without it falls back to its default language, see :meth:`FormSpec.text`)."""
    return "zh" if ui_language.lower().startswith("zh") else "en"


@dataclass
class FormRun:
    """One response being answered.

    Attributes:
        answers: the answers saved so far (a cleared one is ``None``); defaults included.
        page: the page shown, an index into ``form.pages``.
    """

    form: FormSpec
    language: str
    today: date
    answers: dict[str, AnswerValue | None] = field(default_factory=dict)
    page: int = 0

    def visible_pages(self) -> list[int]:
        return self.form.visible_pages(self.answers, today=self.today)

    def visible_on_page(self, page: int | None = None) -> list[Question]:
        """The questions of ``page`` (default: the current one) shown for the answers."""
        number = self.page if page is None else page
        return [
            q
            for q in self.form.visible_questions(self.answers, today=self.today)
            if self.form.page_of(q.name) == number
        ]

    def position(self) -> tuple[int, int]:
        """(number of the current page among those shown, starting at 1; how many are shown)."""
        pages = self.visible_pages()
        before = sum(1 for p in pages if p < self.page)
        return before + 1, max(len(pages), 1)

    def next_page(self) -> int | None:
        return next((p for p in self.visible_pages() if p > self.page), None)

    def previous_page(self) -> int | None:
        return next((p for p in reversed(self.visible_pages()) if p < self.page), None)

    def is_first(self) -> bool:
        return self.previous_page() is None

    def is_last(self) -> bool:
        return self.next_page() is None

    def settle(self, page: int) -> None:
        """Goes to ``page``, or the nearest page shown (later first) if it is not shown."""
        pages = self.visible_pages()
        if not pages or page in pages:
            self.page = page if pages else 0
            return
        later = [p for p in pages if p > page]
        self.page = later[0] if later else pages[-1]

    def problem(self, name: str) -> str | None:
        return self.form.validate_answer(
            name, self.answers.get(name), self.answers, self.language, today=self.today
        )

    def page_problems(self, page: int | None = None) -> dict[str, str]:
        """The questions shown on ``page`` whose answers stop the teacher going on."""
        problems: dict[str, str] = {}
        for question in self.visible_on_page(page):
            if question.type is QuestionType.NOTE:
                continue
            text = self.problem(question.name)
            if text is not None:
                problems[question.name] = text
        return problems

    def problems(self) -> dict[str, str]:
        """Every question shown whose answer cannot be submitted."""
        return self.form.validate_response(self.answers, self.language, today=self.today)

    def submission(self) -> dict[str, AnswerValue]:
        """What is submitted: the non-empty answers to the questions shown."""
        return self.form.shown_answers(self.answers, today=self.today)

    def text(self, texts: dict[str, str]) -> str:
        return self.form.text(texts, self.language)
