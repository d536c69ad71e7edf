"""Forms as course items for the runner's tests: a FormSpec stored as an item's asset, a
teacher, short ways to answer through the widgets and to submit, and a form with every
question type."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage import catalog, profiles, responses
from app.storage.profiles import Teacher
from app.ui.form_inputs import DateAnswer, NumberAnswer, TextAnswer
from app.ui.form_page import FormPage
from app.ui.form_widgets import Choices, Rating
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson, CatalogPage
from wire.forms import FormSpec

FORM_MEDIA_TYPE = "application/vnd.lamplight.form+json"
REPO = Path(__file__).resolve().parents[2]
DEMO_FORMS = REPO / "assets" / "demo" / "forms"


@functools.cache
def demo_form(name: str) -> FormSpec:
    """A demo workbook read as the server publishes it (tests only: the app never imports the
    server)."""
    from server.xlsform import load_xlsform

    return load_xlsform(DEMO_FORMS / name)


def stored_form(
    context: AppContext, form: FormSpec, *, kind: str = "questionnaire", item_id: str = "form-1"
) -> catalog.ItemRow:
    """``form`` as the one item of a course, its JSON in the content store."""
    data = form.model_dump_json().encode()
    sha = hashlib.sha256(data).hexdigest()
    source = context.paths.root / f"{item_id}.json"
    source.write_bytes(data)
    course = CatalogCourse(
        id=f"course-{item_id}",
        version=1,
        seq=1,
        title="课程",
        description="",
        language="zh-CN",
        published_at=datetime.now(UTC),
        lessons=[
            CatalogLesson(
                id=f"lesson-{item_id}",
                title="第一课",
                items=[
                    CatalogItem(
                        id=item_id,
                        kind=kind,
                        title="问卷",
                        asset=AssetRef(sha256=sha, size=len(data), media_type=FORM_MEDIA_TYPE),
                    )
                ],
            )
        ],
    )
    with context.db.write() as session:
        catalog.apply_catalog_page(session, CatalogPage(courses=[course], cursor=1, has_more=False))
    context.content.add_file(source, sha)
    with context.db.read_session() as session:
        detail = catalog.course_detail(session, course.id)
    assert detail is not None
    return detail.items[0]


def make_teacher(context: AppContext, name: str = "赵老师") -> Teacher:
    with context.db.write() as session:
        return profiles.create_profile(
            session,
            name=name,
            school="",
            gender="female",
            age_band="50plus",
            subject="",
            pin="1111",
        )


def saved(context: AppContext, teacher: Teacher, item_id: str) -> responses.FormState:
    with context.db.read_session() as session:
        return responses.state(session, teacher, item_id)


def answer(page: FormPage, name: str, value: Any) -> None:
    """Answers question ``name`` the way a teacher would, through its widget."""
    widget = page.answering.blocks[name].widget
    if isinstance(widget, Choices):
        names = value if isinstance(value, list) else [value]
        for choice in names:
            widget.choose(choice)
    elif isinstance(widget, Rating):
        widget.choose(value)
    elif isinstance(widget, TextAnswer | NumberAnswer):
        edit = widget.edit
        if hasattr(edit, "setPlainText"):
            edit.setPlainText(str(value))  # type: ignore[union-attr]
        else:
            edit.setText(str(value))  # type: ignore[union-attr]
            edit.textEdited.emit(str(value))  # type: ignore[union-attr]
        edit.setFocus()
        widget.flush()  # as when the field is left
    elif isinstance(widget, DateAnswer):
        from PySide6.QtCore import QDate

        widget.button.click()
        day = QDate.fromString(value, "yyyy-MM-dd")
        widget.calendar.setSelectedDate(day)
        widget.calendar.clicked.emit(day)
    else:
        raise AssertionError(f"{name} takes no answer")


def error_of(page: FormPage, name: str) -> str | None:
    block = page.answering.blocks[name]
    return block.error.text() if block.has_error() else None


def shown(page: FormPage) -> list[str]:
    """The questions shown on the page now."""
    return [name for name, block in page.answering.blocks.items() if not block.isHidden()]


AGREE = [
    {"name": str(n), "label": {"zh": zh, "en": en}}
    for n, zh, en in [
        (1, "非常不同意", "Strongly disagree"),
        (2, "不同意", "Disagree"),
        (3, "说不清", "Neither"),
        (4, "同意", "Agree"),
        (5, "非常同意", "Strongly agree"),
    ]
]
ABC = [{"name": n, "label": {"zh": f"选项{n.upper()}", "en": f"Option {n.upper()}"}} for n in "abc"]


def q(name: str, type_: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "type": type_, "label": {"zh": f"问题{name}", "en": name}}
    if type_ in ("select_one", "select_multiple"):
        data["choices"] = ABC
    if type_ == "rating":
        data["choices"] = AGREE
    return {**data, **fields}


def form(*pages: list[dict[str, Any]], **fields: Any) -> FormSpec:
    return FormSpec.model_validate(
        {
            "id": "every-type",
            "version": "1",
            "title": {"zh": "每种题型", "en": "Every type"},
            "default_language": "zh",
            "languages": ["zh", "en"],
            "pages": [{"questions": questions} for questions in pages],
            **fields,
        }
    )


EVERY_TYPE = form(
    [
        q("intro", "note"),
        q("school", "select_one", required=True),
        q("devices", "select_multiple"),
        q("agree", "rating", required=True),
    ],
    [
        q("name", "text"),
        q("story", "text", appearance="multiline"),
        q(
            "years",
            "integer",
            required=True,
            constraint=". >= 0 and . <= 45",
            constraint_message={"zh": "教龄应在 0 到 45 年之间", "en": "Between 0 and 45 years"},
        ),
        q("hours", "decimal"),
        q("when", "date"),
    ],
)


def submit(qtbot: QtBot, page: FormPage) -> None:
    page.answering.submit_button.click()
    box, yes = page.confirm_box, page.confirm_yes
    assert box is not None and yes is not None
    assert "cannot be changed" in box.informativeText()
    yes.click()
    qtbot.waitUntil(lambda: page.confirm_box is None)
