"""The questionnaire runner as a teacher uses it: every question type, messages next to the
question in Chinese and English, skip logic that follows the answers live, submitting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage import responses
from app.storage.profiles import Teacher
from app.ui import message
from app.ui.form_inputs import DateAnswer, NumberAnswer, TextAnswer
from app.ui.form_page import FormPage
from app.ui.form_widgets import Choices, Rating
from tests.gui.form_helpers import (
    EVERY_TYPE,
    answer,
    demo_form,
    error_of,
    form,
    make_teacher,
    q,
    saved,
    shown,
    stored_form,
    submit,
)


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


@pytest.fixture
def chinese(qapp: object) -> Iterator[str]:
    from app.ui.application import create_application

    create_application("zh_CN")
    yield "zh_CN"
    create_application("en")


# The date's calendar is a popup window, which the offscreen platform cannot raise nor let grab
# the keyboard.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")
def test_every_type_is_answered_with_its_own_big_control_and_saved_as_given(
    page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, EVERY_TYPE)
    assert page.open_item(item, teacher)
    widgets = {name: block.widget for name, block in page.answering.blocks.items()}
    assert widgets["intro"] is None
    assert isinstance(widgets["school"], Choices) and isinstance(widgets["agree"], Rating)
    assert page.answering.position.text() == "Page 1 of 2"
    assert page.answering.blocks["school"].required_tag is not None
    assert page.answering.blocks["devices"].required_tag is None

    # A click anywhere on a choice's row chooses it (not only on the small circle).
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    row = widgets["school"].rows["b"]  # type: ignore[union-attr]
    QTest.mouseClick(row, Qt.MouseButton.LeftButton, pos=QPoint(row.width() - 20, 10))
    answer(page, "devices", ["a", "c"])
    answer(page, "agree", "4")
    assert saved(context, teacher, item.id).draft.answers == {  # type: ignore[union-attr]
        "school": "b",
        "devices": ["a", "c"],
        "agree": "4",
    }
    page.answering.next_button.click()
    assert page.answering.position.text() == "Page 2 of 2"
    assert isinstance(page.answering.blocks["name"].widget, TextAnswer)
    assert isinstance(page.answering.blocks["years"].widget, NumberAnswer)
    assert isinstance(page.answering.blocks["when"].widget, DateAnswer)
    answer(page, "name", "王芳")
    answer(page, "story", "第一行\n第二行")
    years = page.answering.blocks["years"].widget
    assert isinstance(years, NumberAnswer)
    years.plus.click()
    years.plus.click()
    years.minus.click()
    answer(page, "hours", "2.5")
    when = page.answering.blocks["when"].widget
    assert isinstance(when, DateAnswer)
    answer(page, "when", "2024-05-02")
    assert when.button.text() == "Thursday, 2 May 2024"
    when.clear_button.click()  # an optional answer can be taken back
    assert when.button.text() == "Choose a date"
    assert saved(context, teacher, item.id).draft.answers["when"] is None  # type: ignore[union-attr]
    answer(page, "when", "2024-05-01")
    assert page.answering.next_button.isHidden() and page.answering.submit_button.isVisible()
    draft = saved(context, teacher, item.id).draft
    assert draft is not None and draft.page == 1
    assert draft.answers == {
        "school": "b",
        "devices": ["a", "c"],
        "agree": "4",
        "name": "王芳",
        "story": "第一行\n第二行",
        "years": 1,
        "hours": 2.5,
        "when": "2024-05-01",
    }
    assert error_of(page, "years") is None


def test_full_width_digits_and_the_chinese_full_stop_are_read_as_a_number(
    page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, EVERY_TYPE)
    assert page.open_item(item, teacher)
    answer(page, "school", "a")
    answer(page, "agree", "1")
    page.answering.next_button.click()
    hours = page.answering.blocks["hours"].widget
    assert isinstance(hours, NumberAnswer)
    hours.edit.setFocus()
    hours.edit.insert("１２。５")  # a Chinese input method in full-width mode
    hours.edit.insert("元")  # not a digit: refused
    hours.flush()
    assert hours.edit.text() == "12.5"
    assert saved(context, teacher, item.id).draft.answers["hours"] == 12.5  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("language", "required", "constraint"),
    [
        ("zh_CN", "这道题必须回答。", "教龄应在 0 到 45 年之间"),
        ("en", "This question needs an answer.", "Between 0 and 45 years"),
    ],
)
def test_required_and_constraint_messages_appear_under_the_question_in_the_teachers_language(
    qtbot: QtBot,
    context: AppContext,
    teacher: Teacher,
    fresh_messages,
    language: str,
    required: str,
    constraint: str,
) -> None:
    from app.ui.application import create_application

    create_application(language)
    try:
        page = FormPage(context)
        qtbot.addWidget(page)
        page.show()
        item = stored_form(context, EVERY_TYPE)
        assert page.open_item(item, teacher)
        page.answering.next_button.click()  # nothing answered: Next shows why, and stays
        assert page.answering.position.text() == (
            "第 1 页 / 共 2 页" if language == "zh_CN" else "Page 1 of 2"
        )
        assert error_of(page, "school") == required
        assert error_of(page, "agree") == required
        assert error_of(page, "devices") is None  # optional
        look = QCoreApplication.translate(
            "AnsweringView", "Please look at the questions marked in red."
        )
        assert page.answering.status.text() == look
        answer(page, "school", "a")  # answering clears the message at once
        assert error_of(page, "school") is None
        assert error_of(page, "agree") == required
        answer(page, "agree", "5")
        assert page.answering.status.text() != look  # "every answer is saved at once"
        page.answering.next_button.click()
        answer(page, "years", "50")  # shown as soon as the answer is given
        assert error_of(page, "years") == constraint
        assert page.answering.blocks["years"].error.isVisible()
        page.answering.submit_button.click()  # a broken answer is never submitted
        assert page.confirm_box is None
        assert error_of(page, "years") == constraint
        answer(page, "years", "12")
        assert error_of(page, "years") is None
        assert saved(context, teacher, item.id).submitted == ()
    finally:
        create_application("en")


SKIP = form(
    [
        q(
            "trained",
            "select_one",
            required=True,
            choices=[
                {"name": "yes", "label": {"zh": "是", "en": "Yes"}},
                {"name": "no", "label": {"zh": "否", "en": "No"}},
            ],
        )
    ],
    [q("hours", "integer", required=True), q("other", "text", relevant="${hours} > 100")],
    [q("why_not", "text", required=True, relevant="${trained} = 'no'")],
    [q("end", "note")],
)


def test_skip_logic_shows_and_hides_a_question_and_a_whole_page_as_answers_change(
    page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, SKIP)
    assert page.open_item(item, teacher)
    assert page.answering.position.text() == "Page 1 of 3"  # why_not is not shown yet
    answer(page, "trained", "no")
    assert page.answering.position.text() == "Page 1 of 4"  # now it is
    page.answering.next_button.click()
    assert shown(page) == ["hours"]
    answer(page, "hours", "200")
    assert shown(page) == ["hours", "other"]  # appears as soon as the answer says so
    answer(page, "hours", "20")
    assert shown(page) == ["hours"]
    page.answering.back_button.click()
    answer(page, "trained", "yes")  # the whole why_not page goes
    assert page.answering.position.text() == "Page 1 of 3"
    page.answering.next_button.click()
    page.answering.next_button.click()
    assert shown(page) == ["end"] and page.answering.position.text() == "Page 3 of 3"
    page.answering.back_button.click()
    page.answering.back_button.click()
    answer(page, "trained", "no")
    page.answering.next_button.click()
    page.answering.next_button.click()
    assert shown(page) == ["why_not"] and page.answering.position.text() == "Page 3 of 4"


def test_submitting_asks_first_then_is_final_and_keeps_only_the_answers_shown(
    qtbot: QtBot, page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    item = stored_form(context, SKIP)
    assert page.open_item(item, teacher)
    answer(page, "trained", "yes")
    page.answering.next_button.click()
    answer(page, "hours", "200")
    answer(page, "other", "国培")
    answer(page, "hours", "20")  # "other" is hidden again: kept in the draft, not submitted
    page.answering.next_button.click()
    page.answering.submit_button.click()
    assert page.confirm_box is not None
    keep = next(b for b in page.confirm_box.buttons() if b is not page.confirm_yes)
    keep.click()  # "Keep answering": nothing happens
    qtbot.waitUntil(lambda: page.confirm_box is None)
    assert saved(context, teacher, item.id).submitted == ()
    submit(qtbot, page)
    state = saved(context, teacher, item.id)
    assert state.draft is None
    assert [s.answers for s in state.submitted] == [{"trained": "yes", "hours": 20}]
    assert page.views.currentWidget() is page.result
    assert "Thank you" in page.result.headline.text()
    assert page.result.try_again_button.isHidden()  # a survey is answered once
    assert not page.answering.blocks  # nothing left to change
    page.close_form()
    assert page.open_item(item, teacher)  # opened again: the thank-you, not the questions
    assert page.views.currentWidget() is page.result and not page.answering.blocks
    page.close_form()
    assert saved(context, teacher, item.id) == state  # closing wrote nothing more


def test_a_draft_with_a_broken_answer_on_an_earlier_page_is_not_submitted_but_shown(
    page: FormPage, context: AppContext, teacher: Teacher
) -> None:
    """A draft saved by an older form version: the answer on page 1 is no longer a choice."""
    item = stored_form(context, EVERY_TYPE)
    response = responses.new_response_id()
    with context.db.write() as session:
        for name, value in [("school", "gone"), ("agree", "2"), ("years", 3)]:
            responses.save_answer(session, teacher, item.id, response, name, value)
        responses.save_page(session, teacher, item.id, response, 1)
    assert page.open_item(item, teacher)
    assert page.answering.position.text() == "Page 2 of 2"
    page.answering.submit_button.click()
    assert page.confirm_box is None  # not even asked
    assert page.answering.position.text() == "Page 1 of 2"
    assert error_of(page, "school") == "Please choose from the options."
    assert saved(context, teacher, item.id).submitted == ()


def test_an_anonymous_survey_says_so_on_its_first_page(
    page: FormPage, context: AppContext, teacher: Teacher, chinese: str
) -> None:
    survey = demo_form("teacher-info-literacy.xlsx")
    assert survey.anonymous
    item = stored_form(context, survey)
    assert page.open_item(item, teacher)
    assert page.answering.notice.isVisible()
    assert "你的名字不会出现在县里的报告里" in page.answering.notice.text()
    assert page.answering.page_title.text() == "基本情况"
    assert page.answering.blocks["school_type"].required_tag.text() == "必填"  # type: ignore[union-attr]
    assert page.answering.blocks["years_teaching"].hint.text() == "不满一年请填 0"


def test_a_form_that_cannot_be_read_is_explained(
    page: FormPage, context: AppContext, teacher: Teacher, fresh_messages: message.MessageBus
) -> None:
    item = stored_form(context, EVERY_TYPE)
    path = context.content.path_of(item.sha256)
    assert path is not None
    path.chmod(0o644)
    path.write_text('{"format": 99, "id": "x"}')
    assert not page.open_item(item, teacher)
    path.write_text("not json")
    assert not page.open_item(item, teacher)
    texts = [text for _level, text in fresh_messages.history]
    assert "newer version of Lamplight" in texts[0]
    assert "cannot be opened" in texts[1]


def test_the_course_page_opens_a_questionnaire_in_the_runner_and_back_saves_and_returns(
    window, context: AppContext
) -> None:
    from PySide6.QtWidgets import QPushButton

    item = stored_form(context, EVERY_TYPE)
    who = make_teacher(context)
    window.sign_in(who)
    window.open_course(item.id.split("/")[0])
    window.course.rows[item.id].open_button.click()
    page = window.form_page()
    assert window.stack.currentWidget() is page
    answer(page, "school", "c")
    name_edit = page.answering.blocks["devices"]  # still on page 1
    assert name_edit.isVisible()
    back = next(b for b in page.findChildren(QPushButton) if b.text() == "Back to the course")
    back.click()
    assert window.stack.currentWidget() is window.course
    assert saved(context, who, item.id).draft.answers == {"school": "c"}  # type: ignore[union-attr]
    window.course.rows[item.id].open_button.click()  # opened again: where the teacher was
    assert page.answering.blocks["school"].widget.value() == "c"  # type: ignore[union-attr]
    window.show_downloads()  # leaving for the Downloads page closes the form, saved
    assert page.item is None
