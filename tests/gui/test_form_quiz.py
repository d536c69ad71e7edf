"""Quizzes in the runner: the score and pass or fail after submitting, feedback as the author
decided (after each question, at the end, never), and the number of attempts allowed."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage.profiles import Teacher
from app.ui.form_page import FormPage
from tests.gui.form_helpers import (
    answer,
    demo_form,
    error_of,
    make_teacher,
    saved,
    stored_form,
    submit,
)
from wire.forms import FormSpec

RIGHT: dict[str, Any] = {
    "save_key": "ctrl_s",
    "safe_password": "mixed",
    "image_files": ["jpg", "png", "gif"],
    "kilobyte": "1024",
    "projector": "cable",
}


def quiz(**settings: Any) -> FormSpec:
    """The demo quiz (five questions of 2 points, 6 to pass, 3 attempts) with other settings."""
    data = demo_form("ict-basics-quiz.xlsx").model_dump(mode="json")
    data["quiz"].update(settings)
    return FormSpec.model_validate(data)


@pytest.fixture
def page(qtbot: QtBot, context: AppContext, ui_language: str, fresh_messages) -> FormPage:
    widget = FormPage(context)
    qtbot.addWidget(widget)
    widget.resize(1000, 760)
    widget.show()
    return widget


@pytest.fixture
def teacher(context: AppContext) -> Teacher:
    return make_teacher(context)


def take(qtbot: QtBot, page: FormPage, answers: dict[str, Any]) -> None:
    """Answers the quiz page by page and submits it."""
    assert page.answering.run is not None
    while True:
        for name in list(page.answering.blocks):
            if name in answers:
                answer(page, name, answers[name])
                block = page.answering.blocks[name]
                if block.check_button is not None:
                    block.check_button.click()
        if page.answering.submit_button.isVisible():
            break
        page.answering.next_button.click()
    submit(qtbot, page)


def test_at_the_end_the_score_pass_and_each_question_with_its_feedback_are_shown(
    qtbot: QtBot, page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, quiz(), kind="quiz")
    assert page.open_item(item, teacher)
    assert "To pass you need 6 of the 10 points." in page.answering.notice.text()
    assert "3 time(s); this is attempt 1." in page.answering.notice.text()
    take(qtbot, page, {**RIGHT, "safe_password": "birthday"})
    result = page.result
    assert page.views.currentWidget() is result
    assert result.score.text() == "Your score: 8 of 10 points"
    assert result.passed.text() == "\u2714 Passed!"
    assert "1 time(s)" in result.explanation.text() and "3 time(s)" in result.explanation.text()
    assert result.try_again_button.isVisible()
    texts = [
        " ".join(label.text() for label in item.findChildren(type(result.score)))
        for item in (result.details.itemAt(i).widget() for i in range(result.details.count()))
    ]
    assert len(texts) == 5
    assert "Not right: 0 of 2 points" in texts[1]
    assert "Long passwords mixing letters" in texts[1]  # the author's feedback
    assert "Right: 2 of 2 points" in texts[0]
    assert "Your answer: 1024" in texts[3]
    state = saved(context, teacher, item.id)
    assert [(s.score, s.max_score, s.passed) for s in state.submitted] == [(8, 10, True)]


def test_never_shows_only_the_score(
    qtbot: QtBot, page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, quiz(show_feedback="never", pass_mark=9), kind="quiz")
    assert page.open_item(item, teacher)
    take(qtbot, page, {**RIGHT, "projector": "reinstall"})
    result = page.result
    assert result.score.text() == "Your score: 8 of 10 points"
    assert result.passed.text() == "Not passed yet: 9 points are needed to pass."
    assert "only the score" in result.explanation.text()
    assert result.details.count() == 0  # nothing says which answers were right


def test_after_each_question_the_answer_is_checked_locked_and_stays_locked(
    qtbot: QtBot, page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, quiz(show_feedback="after_each"), kind="quiz")
    assert page.open_item(item, teacher)
    page.answering.next_button.click()  # the introduction
    block = page.answering.blocks["save_key"]
    assert block.check_button is not None and not block.check_button.isEnabled()
    answer(page, "save_key", "ctrl_c")
    assert block.check_button.isEnabled()
    assert saved(context, teacher, item.id).draft.answers == {}  # type: ignore[union-attr]
    page.answering.next_button.click()  # not checked yet: it stays
    assert error_of(page, "save_key") == 'Press "Check my answer" first.'
    block.check_button.click()
    assert block.locked and not block.widget.isEnabled()  # type: ignore[union-attr]
    assert block.result.text().startswith("\u2718 Not right.")
    assert "Ctrl+S saves" in block.result.text()
    assert error_of(page, "save_key") is None
    assert saved(context, teacher, item.id).draft.answers == {"save_key": "ctrl_c"}  # type: ignore[union-attr]
    page.answering.next_button.click()
    answer(page, "safe_password", "mixed")  # given, not checked: not saved, not locked

    page.close_form()
    assert page.open_item(item, teacher)  # back on the same page
    assert "safe_password" in page.answering.blocks
    page.answering.back_button.click()
    again = page.answering.blocks["save_key"]
    assert again.locked and again.result.text().startswith("\u2718 Not right.")
    page.answering.next_button.click()
    take(qtbot, page, {k: v for k, v in RIGHT.items() if k != "save_key"})
    assert page.result.score.text() == "Your score: 8 of 10 points"
    assert page.result.details.count() == 5


def test_when_the_attempts_are_used_up_the_last_result_stays_and_there_is_no_try_again(
    qtbot: QtBot, page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, quiz(attempts=2), kind="quiz")
    assert page.open_item(item, teacher)
    take(qtbot, page, {**RIGHT, "kilobyte": "1000", "projector": "new_pc"})
    assert page.result.score.text() == "Your score: 6 of 10 points"
    assert page.result.try_again_button.isVisible()
    page.result.try_again_button.click()  # a new response, from the first page, empty
    assert page.views.currentWidget() is page.answering
    assert page.answering.position.text() == "Page 1 of 6"
    assert "this is attempt 2" in page.answering.notice.text()
    page.answering.next_button.click()
    assert page.answering.blocks["save_key"].widget.value() is None  # type: ignore[union-attr]
    take(qtbot, page, {**RIGHT, "kilobyte": "1000"})
    assert page.result.score.text() == "Your score: 8 of 10 points"
    assert page.result.try_again_button.isHidden()
    assert "used all 2 attempts" in page.result.explanation.text()
    page.close_form()
    assert page.open_item(item, teacher)
    assert page.views.currentWidget() is page.result
    assert page.result.score.text() == "Your score: 8 of 10 points"
    assert page.result.try_again_button.isHidden()
    state = saved(context, teacher, item.id)
    assert [s.score for s in state.submitted] == [6, 8] and state.draft is None
