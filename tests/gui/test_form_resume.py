"""Answers are never lost: closing the form, a pause in typing, the app killed between answers;
the teacher comes back to the page they were on with every answer in place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage.profiles import Teacher
from app.ui.form_inputs import NumberAnswer, TextAnswer
from app.ui.form_page import FormPage
from tests.gui.form_helpers import EVERY_TYPE, REPO, answer, make_teacher, saved, stored_form


@pytest.fixture
def teacher(context: AppContext) -> Teacher:
    return make_teacher(context)


def open_page(qtbot: QtBot, context: AppContext, typing_save_ms: int = 1500) -> FormPage:
    page = FormPage(context, typing_save_ms=typing_save_ms)
    qtbot.addWidget(page)
    page.show()
    return page


def values(page: FormPage) -> dict[str, object]:
    return {
        name: block.widget.value()
        for name, block in page.answering.blocks.items()
        if block.widget is not None
    }


def test_closing_and_reopening_resumes_on_the_same_page_with_every_answer(
    qtbot: QtBot, context: AppContext, teacher: Teacher, ui_language: str, fresh_messages
) -> None:
    item = stored_form(context, EVERY_TYPE)
    page = open_page(qtbot, context)
    assert page.open_item(item, teacher)
    answer(page, "school", "c")
    answer(page, "devices", ["b"])
    answer(page, "agree", "2")
    page.answering.next_button.click()
    answer(page, "name", "李老师")
    answer(page, "years", "30")
    story = page.answering.blocks["story"].widget
    assert isinstance(story, TextAnswer)
    story.edit.setPlainText("还没写完")  # typing, the field not left yet
    page.close_form()  # what was being typed is saved too

    again = open_page(qtbot, context)
    assert again.open_item(item, teacher)
    assert again.answering.position.text() == "Page 2 of 2"
    assert values(again) == {
        "name": "李老师",
        "story": "还没写完",
        "years": 30,
        "hours": None,
        "when": None,
    }
    again.answering.back_button.click()
    assert values(again) == {"school": "c", "devices": ["b"], "agree": "2"}


def test_typing_is_saved_after_a_short_pause_without_leaving_the_field(
    qtbot: QtBot, context: AppContext, teacher: Teacher, ui_language: str, fresh_messages
) -> None:
    item = stored_form(context, EVERY_TYPE)
    page = open_page(qtbot, context, typing_save_ms=50)
    assert page.open_item(item, teacher)
    answer(page, "school", "a")
    answer(page, "agree", "3")
    page.answering.next_button.click()
    name = page.answering.blocks["name"].widget
    assert isinstance(name, TextAnswer)
    name.edit.setFocus()
    for text in ("王", "王老", "王老师"):
        name.edit.setText(text)  # type: ignore[union-attr]
        name.edit.textEdited.emit(text)  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: saved(context, teacher, item.id).draft.answers.get("name") == "王老师"  # type: ignore[union-attr]
    )


# The child: the real FormPage offscreen, answering through its widgets; it prints a line after
# each answer the page has handled (saved), then keeps changing one answer until it is killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from app.context import AppContext
    from app.paths import DataPaths
    from app.storage import catalog
    from app.storage.profiles import unlock
    from app.ui.application import create_application
    from app.ui.form_page import FormPage
    from tests.gui.form_helpers import answer

    root, teacher_id, course_id = sys.argv[1:4]
    app = create_application("en")
    context = AppContext.open(DataPaths(Path(root)), None)
    teacher = unlock(context.db, teacher_id, "1111")
    with context.db.read_session() as session:
        item = catalog.course_detail(session, course_id).items[0]
    page = FormPage(context, typing_save_ms=100)
    page.show()
    assert page.open_item(item, teacher)
    for name, value in [("school", "b"), ("devices", ["a", "c"]), ("agree", "5")]:
        answer(page, name, value)
        print("answered", name, flush=True)
    page.answering.next_button.click()
    print("page 2", flush=True)
    answer(page, "name", "王芳")
    print("answered name", flush=True)
    story = page.answering.blocks["story"].widget
    story.edit.setFocus()
    story.edit.setPlainText("停电之前写的")  # never left: saved after the pause
    while story.timer.isActive():
        app.processEvents()
        time.sleep(0.01)
    print("typed story", flush=True)
    n = 0
    while True:
        answer(page, "years", str(n % 46))
        print("years", n % 46, flush=True)
        n += 1
    """
)


def test_answers_given_before_the_app_is_killed_are_all_there_when_it_is_opened_again(
    qtbot: QtBot, context: AppContext, teacher: Teacher, ui_language: str, fresh_messages
) -> None:
    item = stored_form(context, EVERY_TYPE)
    course_id = item.id.split("/")[0]
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(context.paths.root), teacher.id, course_id],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.stdout is not None
    said: list[str] = []
    for line in proc.stdout:
        said.append(line.strip())
        if sum(s.startswith("years") for s in said) >= 30:
            break
    os.kill(proc.pid, signal.SIGKILL)  # no chance to close anything
    proc.wait()
    proc.stdout.close()
    assert "typed story" in said, said
    last_years = int([s for s in said if s.startswith("years")][-1].split()[1])

    page = open_page(qtbot, context)
    assert page.open_item(item, teacher)
    assert page.answering.position.text() == "Page 2 of 2"
    shown = values(page)
    assert shown["name"] == "王芳" and shown["story"] == "停电之前写的"
    # The last answer reported before the kill is there (or the one after it, given just then).
    assert shown["years"] in (last_years, (last_years + 1) % 46)
    years = page.answering.blocks["years"].widget
    assert isinstance(years, NumberAnswer)
    page.answering.back_button.click()
    assert values(page) == {"school": "b", "devices": ["a", "c"], "agree": "5"}
