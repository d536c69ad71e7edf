"""The course folder a coordinator writes, and its validation.

A course folder holds one ``course.toml`` and the media it names::

    format = 1
    id = "ict-basics"
    title = "信息技术基础"
    description = "..."
    language = "zh-CN"

    [[lessons]]
    id = "l1"
    title = "第一课"

      [[lessons.items]]
      id = "intro"
      kind = "video"              # video | document | questionnaire | quiz
      title = "课程介绍"
      file = "media/intro.mp4"

A ``questionnaire`` or ``quiz`` item names an XLSForm workbook (``forms/survey.xlsx``). This
module only checks that the file is one by its first bytes: the server converts it when
publishing (:mod:`server.publish_forms`, which needs pyxform), and the course then carries
the form as a JSON asset of type :data:`FORM_MEDIA_TYPE`, not the workbook.

See ``docs/course-format.md``. Every error names the file and the field it is about.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

FORMAT_VERSION = 1
COURSE_FILE = "course.toml"
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"

Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ItemKind(StrEnum):
    """What an item is; decides which viewer opens it."""

    VIDEO = "video"
    DOCUMENT = "document"
    QUIZ = "quiz"
    QUESTIONNAIRE = "questionnaire"


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The asset a questionnaire or quiz item carries: a ``wire.forms.FormSpec`` as canonical JSON.
FORM_MEDIA_TYPE = "application/vnd.lamplight.form+json"
#: Kinds whose file is an XLSForm workbook, published as a form (:data:`FORM_MEDIA_TYPE`).
FORM_KINDS = frozenset({ItemKind.QUESTIONNAIRE, ItemKind.QUIZ})

#: Kinds a course folder may contain in this version, with the media type their file must have
#: in the folder (a form's asset differs: the server converts the workbook).
PUBLISHABLE_KINDS: dict[ItemKind, str] = {
    ItemKind.VIDEO: "video/mp4",
    ItemKind.DOCUMENT: "application/pdf",
    ItemKind.QUESTIONNAIRE: XLSX_MEDIA_TYPE,
    ItemKind.QUIZ: XLSX_MEDIA_TYPE,
}
_DESCRIBED = {
    "video/mp4": "an mp4 video",
    "application/pdf": "a PDF document",
    XLSX_MEDIA_TYPE: "an .xlsx workbook (an XLSForm)",
}


class CourseFormatError(Exception):
    """A course folder that cannot be published; the message names the file and the field."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {problem}")


class _FieldValueError(ValueError):
    """A whole-course check's error, which pydantic cannot place: it names its field itself."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemSpec(_Strict):
    id: Identifier
    kind: ItemKind
    title: Title
    file: str

    @field_validator("file")
    @classmethod
    def _relative_inside(cls, value: str) -> str:
        path = PurePosixPath(value.replace("\\", "/"))
        if not value or path.is_absolute() or ".." in path.parts or ":" in value:
            raise ValueError("must be a path inside the course folder, like media/intro.mp4")
        return str(path)


class LessonSpec(_Strict):
    id: Identifier
    title: Title
    items: list[ItemSpec] = Field(min_length=1)


class CourseSpec(_Strict):
    format: int
    id: Identifier
    title: Title
    description: str = Field(default="", max_length=5000)
    language: str = "zh-CN"
    # The county wants this course on every school PC: downloaded without anyone asking.
    preload: bool = False
    lessons: list[LessonSpec] = Field(min_length=1)

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value != FORMAT_VERSION:
            raise ValueError(
                f"unknown format version {value}; this Lamplight reads format {FORMAT_VERSION}"
            )
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> CourseSpec:
        seen_lessons: set[str] = set()
        seen_items: set[str] = set()
        for li, lesson in enumerate(self.lessons, start=1):
            if lesson.id in seen_lessons:
                raise _FieldValueError(
                    f"lessons[{li}].id", f"lesson id {lesson.id!r} is used twice"
                )
            seen_lessons.add(lesson.id)
            for ii, item in enumerate(lesson.items, start=1):
                if item.id in seen_items:
                    raise _FieldValueError(
                        f"lessons[{li}].items[{ii}].id", f"item id {item.id!r} is used twice"
                    )
                seen_items.add(item.id)
        return self


def _field_path(loc: tuple[int | str, ...], data: Any) -> str:
    """Turns pydantic's location into ``lessons[1].items[0].file`` (1-based, as people count)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def parse_course_toml(text: str, file: str = COURSE_FILE) -> CourseSpec:
    """Parses and validates the text of a ``course.toml``.

    Raises:
        CourseFormatError: naming ``file`` and the first field that is wrong.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CourseFormatError(file, "", f"not valid TOML: {exc}") from None
    try:
        return CourseSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, _FieldValueError):
            raise CourseFormatError(file, cause.field, message) from None
        raise CourseFormatError(file, _field_path(tuple(first["loc"]), data), message) from None


def sniff_media_type(path: Path) -> str | None:
    """Recognises the media types Lamplight publishes by their first bytes; ``None`` otherwise.

    Any zip archive is taken for an ``.xlsx`` workbook (one is a zip): the server's import
    tells a workbook from another zip (a ``.docx``) when it reads the sheets.
    """
    with path.open("rb") as fh:
        head = fh.read(12)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"PK\x03\x04"):
        return XLSX_MEDIA_TYPE
    return None


def load_course_folder(folder: Path) -> tuple[CourseSpec, dict[str, Path]]:
    """Reads and checks a whole course folder without changing anything.

    Returns:
        The course and, for each item id, the media file it names (for a questionnaire or
        quiz, the workbook the server converts).

    Raises:
        CourseFormatError: for the first thing wrong: a missing or malformed ``course.toml``,
            an unknown format version, a missing media file, a file of the wrong type.
    """
    manifest = folder / COURSE_FILE
    if not folder.is_dir():
        raise CourseFormatError(str(folder), "", "is not a folder")
    if not manifest.is_file():
        raise CourseFormatError(str(manifest), "", "missing: every course folder needs one")
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CourseFormatError(str(manifest), "", "is not UTF-8 text") from None
    course = parse_course_toml(text, str(manifest))
    files: dict[str, Path] = {}
    root = folder.resolve()
    for li, lesson in enumerate(course.lessons, start=1):
        for ii, item in enumerate(lesson.items, start=1):
            field = f"lessons[{li}].items[{ii}]"
            if item.kind not in PUBLISHABLE_KINDS:
                raise CourseFormatError(
                    str(manifest),
                    f"{field}.kind",
                    f"{item.kind.value!r} items cannot be published by this version; "
                    f"use {', '.join(kind.value for kind in PUBLISHABLE_KINDS)}",
                )
            path = (folder / item.file).resolve()
            if not path.is_relative_to(root):
                raise CourseFormatError(str(manifest), f"{field}.file", "points outside the folder")
            if not path.is_file():
                raise CourseFormatError(str(path), "", f"missing (named by {field}.file)")
            expected = PUBLISHABLE_KINDS[item.kind]
            found = sniff_media_type(path)
            if found != expected:
                raise CourseFormatError(
                    str(path),
                    "",
                    f"is not {_DESCRIBED[expected]} "
                    f"(named by {field}.file, kind {item.kind.value})",
                )
            files[item.id] = path
    return course, files
