"""Publishing questionnaires and quizzes: a course's form items, and forms on their own.

Every workbook is a real .xlsx (openpyxl) read by pyxform; every test runs on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from xlsform_helpers import Rows, write

from server.models import CourseVersion, FormVersion
from server.publish import PublishResult, publish_course, publish_form
from server.xlsform import FormImportError, load_xlsform
from wire.api import CatalogCourse
from wire.blobs import BlobStore
from wire.canonical import canonical_json
from wire.course import FORM_MEDIA_TYPE, CourseFormatError
from wire.forms import FormMode, FormSpec

FIXED = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)

SURVEY: Rows = [
    ["type", "name", "label::Chinese (zh)", "label::English (en)"],
    ["select_one yn", "trained", "参加过网络研修吗", "Trained online?"],
    ["text", "why", "为什么", "Why?"],
]
CHOICES: Rows = [["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "no", "否"]]
QUIZ: Rows = [
    ["type", "name", "label", "lamplight:answer", "lamplight:points"],
    ["select_one yn", "saved", "保存了吗", "yes", 2],
]


def settings(form_id: str, version: str = "1", mode: str = "survey", title: str = "") -> Rows:
    return [
        ["form_id", "version", "lamplight:mode", "form_title"],
        [form_id, version, mode, title or f"表单 {form_id}"],
    ]


@dataclass
class FormCourse:
    """A course folder with a video, a questionnaire and a quiz item."""

    folder: Path

    @property
    def forms(self) -> Path:
        return self.folder / "forms"

    def survey(self, *, version: str = "1", rows: Rows = SURVEY, **kwargs: Any) -> Path:
        return write(
            self.forms, rows, CHOICES, settings("needs", version, **kwargs), name="needs.xlsx"
        )

    def quiz(self) -> Path:
        return write(self.forms, QUIZ, CHOICES, settings("check", mode="quiz"), name="check.xlsx")

    def toml(self, *, survey_kind: str = "questionnaire", quiz_kind: str = "quiz") -> None:
        (self.folder / "course.toml").write_text(
            f"""format = 1
id = "{self.folder.name}"
title = "网络研修"

[[lessons]]
id = "l1"
title = "第一课"

  [[lessons.items]]
  id = "intro"
  kind = "video"
  title = "课程介绍"
  file = "media/intro.mp4"

  [[lessons.items]]
  id = "needs"
  kind = "{survey_kind}"
  title = "培训需求调查"
  file = "forms/needs.xlsx"

[[lessons]]
id = "l2"
title = "检测"

  [[lessons.items]]
  id = "check"
  kind = "{quiz_kind}"
  title = "小测验"
  file = "forms/check.xlsx"
""",
            encoding="utf-8",
        )


@pytest.fixture
def make_form_course(kit: Any) -> Callable[[str], FormCourse]:
    def make(course_id: str = "online-training") -> FormCourse:
        folder = kit.root / course_id
        (folder / "media").mkdir(parents=True)
        (folder / "forms").mkdir()
        (folder / "media" / "intro.mp4").write_bytes(kit.mp4())
        course = FormCourse(folder)
        course.survey()
        course.quiz()
        course.toml()
        return course

    return make


@pytest.fixture
def course(make_form_course: Callable[[str], FormCourse]) -> FormCourse:
    return make_form_course("online-training")


def publish(sessions: sessionmaker[Session], blobs: BlobStore, folder: Path) -> PublishResult:
    with sessions() as session:
        return publish_course(session, blobs, folder, clock=lambda: FIXED)


def manifest(sessions: sessionmaker[Session], course_id: str, version: int) -> CatalogCourse:
    with sessions() as session:
        text = session.scalars(
            select(CourseVersion.manifest).where(
                CourseVersion.course_id == course_id, CourseVersion.version == version
            )
        ).one()
    return CatalogCourse.model_validate({**json.loads(text), "seq": 1})


def form_rows(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str, bool]]:
    with sessions() as session:
        return [
            tuple(row)  # type: ignore[misc]
            for row in session.execute(
                select(
                    FormVersion.form_id,
                    FormVersion.version,
                    FormVersion.course_id,
                    FormVersion.item_id,
                    FormVersion.standalone,
                ).order_by(FormVersion.id)
            )
        ]


@pytest.fixture
def everything(counts: Callable[[], Any], sessions: sessionmaker[Session]) -> Callable[[], Any]:
    """Rows of every publishing table and blob files, form versions included."""

    def count() -> tuple[Any, int]:
        with sessions() as session:
            forms = session.scalar(select(func.count()).select_from(FormVersion))
        return counts(), forms or 0

    return count


# --- a course with form items ------------------------------------------------------------------


def test_form_items_publish_as_their_forms_canonical_json(
    course: FormCourse, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    result = publish(sessions, blobs, course.folder)

    assert result == PublishResult("online-training", 1, True, 3, 3, new_forms=2)
    assert result.describe() == (
        "published online-training version 1 (3 items, 3 new files, 2 new form versions)"
    )
    items = {
        i.id: i for lesson in manifest(sessions, "online-training", 1).lessons for i in lesson.items
    }
    assert (items["needs"].kind, items["check"].kind) == ("questionnaire", "quiz")
    for item_id, workbook in (("needs", course.survey()), ("check", course.quiz())):
        asset = items[item_id].asset
        data = blobs.path(asset.sha256).read_bytes()
        spec = load_xlsform(workbook)
        assert asset.media_type == FORM_MEDIA_TYPE and asset.size == len(data)
        assert data == canonical_json(spec.model_dump(mode="json"))
        assert FormSpec.model_validate_json(data) == spec  # what the PC's runner does
    assert form_rows(sessions) == [
        ("needs", "1", "online-training", "needs", False),
        ("check", "1", "online-training", "check", False),
    ]
    with sessions() as session:
        stored = session.scalars(select(FormVersion).where(FormVersion.form_id == "check")).one()
        assert stored.published_at == FIXED
        assert stored.asset_sha256 == items["check"].asset.sha256
        assert stored.spec.encode() == blobs.path(stored.asset_sha256).read_bytes()


def _unsupported_type(course: FormCourse) -> str:
    course.survey(rows=[*SURVEY, ["geopoint", "where", "学校位置", "Where"]])
    return 'survey sheet, row 4, column "type": "geopoint"'


def _unknown_choice_list(course: FormCourse) -> str:
    course.survey(rows=[*SURVEY, ["select_one nosuch", "pick", "选", "Pick"]])
    return 'survey sheet, row 4, column "type"'


def _not_a_workbook(course: FormCourse) -> str:
    (course.forms / "needs.xlsx").write_bytes(b"PK\x03\x04 but not a workbook at all")
    return "cannot be read"


def _relevance_that_loops(course: FormCourse) -> str:
    rows = [[*SURVEY[0], "relevant"], [*SURVEY[1], "${why} = 'x'"], [*SURVEY[2], ""]]
    course.survey(rows=rows)
    return "survey sheet, row 2"


@pytest.mark.parametrize(
    "breakage",
    [_unsupported_type, _unknown_choice_list, _not_a_workbook, _relevance_that_loops],
    ids=["geopoint", "unknown-list", "not-xlsx", "forward-reference"],
)
def test_a_form_that_cannot_be_imported_refuses_the_whole_course(
    course: FormCourse,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
    breakage: Callable[[FormCourse], str],
) -> None:
    publish(sessions, blobs, course.folder)
    before = everything()
    (course.folder / "media" / "intro.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom new video")
    where = breakage(course)

    with pytest.raises(CourseFormatError) as raised:
        publish(sessions, blobs, course.folder)

    error = raised.value
    assert error.file == str(course.folder / "course.toml")
    assert error.field == "lessons[1].items[2].file"  # the item naming the workbook
    assert str(course.forms / "needs.xlsx") in error.problem and where in error.problem
    assert isinstance(error.__cause__, FormImportError)
    assert everything() == before  # not even the new video was stored


def test_republishing_an_unchanged_course_adds_nothing(
    course: FormCourse,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
) -> None:
    publish(sessions, blobs, course.folder)
    before = everything()
    # Written again, the workbook's bytes differ (openpyxl dates it); its form does not.
    course.survey()
    again = publish(sessions, blobs, course.folder)

    assert again == PublishResult("online-training", 1, False, 3, 0)
    assert everything() == before


def test_a_changed_form_makes_a_new_course_version_and_form_version(
    course: FormCourse, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    publish(sessions, blobs, course.folder)
    old = manifest(sessions, "online-training", 1)
    changed = [SURVEY[0], SURVEY[1], ["text", "why", "请说明原因", "Please say why"]]
    course.survey(rows=changed, version="2")

    result = publish(sessions, blobs, course.folder)

    assert result == PublishResult("online-training", 2, True, 3, 1, new_forms=1)
    new = manifest(sessions, "online-training", 2)
    assert new.lessons[0].items[1].asset != old.lessons[0].items[1].asset
    assert new.lessons[1].items[0].asset == old.lessons[1].items[0].asset  # quiz unchanged
    spec = FormSpec.model_validate_json(
        blobs.path(new.lessons[0].items[1].asset.sha256).read_bytes()
    )
    assert (spec.version, spec.question("why").label["zh"]) == ("2", "请说明原因")
    assert [r[:2] for r in form_rows(sessions)] == [("needs", "1"), ("check", "1"), ("needs", "2")]


def test_a_changed_form_under_a_version_already_published_is_refused(
    course: FormCourse,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
) -> None:
    publish(sessions, blobs, course.folder)
    before = everything()
    course.survey(rows=[SURVEY[0], SURVEY[1], ["text", "why", "请说明原因", "Please say why"]])

    with pytest.raises(CourseFormatError) as raised:
        publish(sessions, blobs, course.folder)

    assert raised.value.field == "lessons[1].items[2].file"
    assert 'form "needs" version "1" is already published with other content' in str(raised.value)
    assert "new version" in raised.value.problem
    assert everything() == before


@pytest.mark.parametrize(
    ("kinds", "field", "words"),
    [
        (
            {"quiz_kind": "questionnaire"},
            "lessons[2].items[1].kind",
            "forms/check.xlsx is a quiz (lamplight:mode in its settings sheet), so its item "
            'must be kind = "quiz", not "questionnaire"',
        ),
        (
            {"survey_kind": "quiz"},
            "lessons[1].items[2].kind",
            "forms/needs.xlsx is a survey (lamplight:mode in its settings sheet), so its item "
            'must be kind = "questionnaire", not "quiz"',
        ),
    ],
    ids=["quiz-as-questionnaire", "survey-as-quiz"],
)
def test_an_item_kind_that_does_not_match_the_forms_mode_is_refused(
    course: FormCourse,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
    kinds: dict[str, str],
    field: str,
    words: str,
) -> None:
    course.toml(**kinds)
    before = everything()
    with pytest.raises(CourseFormatError) as raised:
        publish(sessions, blobs, course.folder)
    assert (raised.value.file, raised.value.field) == (str(course.folder / "course.toml"), field)
    assert words in raised.value.problem
    assert everything() == before


def test_one_form_in_two_items_of_a_course_is_refused(
    course: FormCourse, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    # The survey copied as a second item without changing its form id.
    write(course.forms, SURVEY, CHOICES, settings("needs"), name="check.xlsx")
    course.toml(quiz_kind="questionnaire")
    with pytest.raises(CourseFormatError) as raised:
        publish(sessions, blobs, course.folder)
    assert raised.value.field == "lessons[2].items[1].file"
    assert 'form id "needs" is also the form of item "needs"' in raised.value.problem


def test_a_form_id_belongs_to_the_course_that_published_it(
    make_form_course: Callable[[str], FormCourse],
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
) -> None:
    publish(sessions, blobs, make_form_course("online-training").folder)
    before = everything()
    copied = make_form_course("copied-template")  # the same form ids, by mistake

    with pytest.raises(CourseFormatError) as raised:
        publish(sessions, blobs, copied.folder)

    assert 'form id "needs" is already published by course "online-training"' in str(raised.value)
    assert everything() == before


# --- a form on its own -------------------------------------------------------------------------


def _publish_form(sessions: sessionmaker[Session], blobs: BlobStore, path: Path) -> PublishResult:
    with sessions() as session:
        return publish_form(session, blobs, path, clock=lambda: FIXED)


def test_a_form_on_its_own_is_a_one_item_course_named_after_it(
    tmp_path: Path, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    path = write(
        tmp_path,
        QUIZ,
        CHOICES,
        settings("ict-check", mode="quiz", title="信息技术检测"),
        name="q.xlsx",
    )

    result = _publish_form(sessions, blobs, path)

    assert result == PublishResult("ict-check", 1, True, 1, 1, new_forms=1)
    course = manifest(sessions, "ict-check", 1)
    assert (course.title, course.language) == ("信息技术检测", "zh")
    ((lesson_id, item),) = [(lesson.id, i) for lesson in course.lessons for i in lesson.items]
    assert (lesson_id, item.id, item.kind, item.title) == (
        "ict-check",
        "ict-check",
        "quiz",
        "信息技术检测",
    )
    spec = FormSpec.model_validate_json(blobs.path(item.asset.sha256).read_bytes())
    assert spec.mode is FormMode.QUIZ and spec == load_xlsform(path)
    assert form_rows(sessions) == [("ict-check", "1", "ict-check", "ict-check", True)]
    assert _publish_form(sessions, blobs, path).changed is False


def test_a_form_on_its_own_cannot_take_a_courses_id(
    tmp_path: Path,
    kit: Any,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
) -> None:
    publish(sessions, blobs, kit.course("ict-basics"))
    before = everything()
    path = write(tmp_path, SURVEY, CHOICES, settings("ict-basics"), name="survey.xlsx")

    with pytest.raises(CourseFormatError) as raised:
        _publish_form(sessions, blobs, path)

    assert raised.value.file == str(path)
    assert '"ict-basics" is already the id of a course' in raised.value.problem
    assert everything() == before


def test_a_course_cannot_take_the_id_of_a_form_on_its_own(
    tmp_path: Path,
    kit: Any,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
) -> None:
    _publish_form(sessions, blobs, write(tmp_path, SURVEY, CHOICES, settings("ict-basics")))
    before = everything()

    with pytest.raises(CourseFormatError) as raised:
        publish(sessions, blobs, kit.course("ict-basics"))

    assert raised.value.field == "id"
    assert "is the id of a form published on its own" in raised.value.problem
    assert everything() == before


def test_a_form_of_a_course_cannot_also_be_published_on_its_own(
    course: FormCourse, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    publish(sessions, blobs, course.folder)
    with pytest.raises(CourseFormatError) as raised:
        _publish_form(sessions, blobs, course.survey())
    assert (
        'form id "needs" is already published by course "online-training"' in raised.value.problem
    )


def test_a_workbook_that_cannot_be_imported_publishes_nothing_on_its_own(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    everything: Callable[[], Any],
) -> None:
    path = write(
        tmp_path, [*SURVEY, ["geopoint", "where", "位置", "Where"]], CHOICES, settings("x")
    )
    with pytest.raises(FormImportError) as raised:
        _publish_form(sessions, blobs, path)
    assert (raised.value.sheet, raised.value.row, raised.value.column) == ("survey", 4, "type")
    assert everything()[1] == 0 and everything()[0].courses == 0
