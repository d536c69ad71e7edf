"""The coordinator's course folder: what it may hold, and errors that say where the mistake is."""

from __future__ import annotations

from pathlib import Path

import pytest

from wire.course import (
    COURSE_FILE,
    XLSX_MEDIA_TYPE,
    CourseFormatError,
    ItemKind,
    load_course_folder,
    parse_course_toml,
    sniff_media_type,
)

MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64
XLSX = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 64  # a zip, as an .xlsx is

HEADER = """\
format = 1
id = "ict-basics"
title = "信息技术基础"
description = "白板、投影与课件"
language = "zh-CN"
"""

TWO_LESSONS = (
    HEADER
    + """
[[lessons]]
id = "l1"
title = "第一课"

  [[lessons.items]]
  id = "intro"
  kind = "video"
  title = "课程介绍"
  file = "media/intro.mp4"

  [[lessons.items]]
  id = "notes"
  kind = "document"
  title = "讲义"
  file = "media/notes.pdf"

[[lessons]]
id = "l2"
title = "第二课"

  [[lessons.items]]
  id = "slides"
  kind = "video"
  title = "制作课件"
  file = "{slides}"
"""
)


def toml(slides: str = "media/slides.mp4") -> str:
    return TWO_LESSONS.replace("{slides}", slides)


def one_item(**item: str) -> str:
    fields = {"id": "intro", "kind": "video", "title": "课程介绍", "file": "media/intro.mp4"}
    fields.update(item)
    lines = "\n".join(f'  {key} = "{value}"' for key, value in fields.items())
    return HEADER + f'\n[[lessons]]\nid = "l1"\ntitle = "第一课"\n\n  [[lessons.items]]\n{lines}\n'


def error_of(text: str) -> CourseFormatError:
    with pytest.raises(CourseFormatError) as raised:
        parse_course_toml(text)
    return raised.value


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A course folder that publishes: two videos and a PDF."""
    root = tmp_path / "ict-basics"
    (root / "media").mkdir(parents=True)
    (root / "media" / "intro.mp4").write_bytes(MP4)
    (root / "media" / "notes.pdf").write_bytes(PDF)
    (root / "media" / "slides.mp4").write_bytes(MP4)
    (root / COURSE_FILE).write_text(toml(), encoding="utf-8")
    return root


def folder_error(folder: Path) -> CourseFormatError:
    with pytest.raises(CourseFormatError) as raised:
        load_course_folder(folder)
    return raised.value


# --- parsing course.toml ---------------------------------------------------------------------


def test_a_good_course_toml_parses() -> None:
    course = parse_course_toml(toml())
    assert (course.id, course.title, course.language, course.format) == (
        "ict-basics",
        "信息技术基础",
        "zh-CN",
        1,
    )
    assert [lesson.id for lesson in course.lessons] == ["l1", "l2"]
    assert [(i.id, i.kind, i.file) for i in course.lessons[0].items] == [
        ("intro", ItemKind.VIDEO, "media/intro.mp4"),
        ("notes", ItemKind.DOCUMENT, "media/notes.pdf"),
    ]


def test_description_and_language_have_defaults() -> None:
    text = one_item().replace('description = "白板、投影与课件"\n', "")
    text = text.replace('language = "zh-CN"\n', "")
    course = parse_course_toml(text)
    assert (course.description, course.language) == ("", "zh-CN")


def test_windows_separators_are_accepted() -> None:
    course = parse_course_toml(one_item(file="media\\\\intro.mp4"))
    assert course.lessons[0].items[0].file == "media/intro.mp4"


def test_an_error_names_the_file_and_the_field_counting_from_one() -> None:
    error = error_of(toml(slides="../secret.mp4"))
    assert error.file == "course.toml"
    assert error.field == "lessons[2].items[1].file"
    assert str(error).startswith("course.toml: lessons[2].items[1].file: ")
    assert "inside the course folder" in error.problem


def test_a_bad_item_id_is_named() -> None:
    text = toml().replace('id = "notes"', 'id = "Notes 1"')
    error = error_of(text)
    assert error.field == "lessons[1].items[2].id"


@pytest.mark.parametrize(
    "path",
    [
        "../intro.mp4",
        "media/../../intro.mp4",
        "/etc/passwd",
        "\\\\\\\\server\\\\share\\\\intro.mp4",
        "C:/Users/teacher/intro.mp4",
        "C:\\\\media\\\\intro.mp4",
        "",
    ],
)
def test_paths_outside_the_folder_are_refused(path: str) -> None:
    error = error_of(one_item(file=path))
    assert error.field == "lessons[1].items[1].file"
    assert "inside the course folder" in error.problem


@pytest.mark.parametrize("version", [0, 2, 99])
def test_an_unknown_format_version_is_refused(version: int) -> None:
    error = error_of(one_item().replace("format = 1", f"format = {version}"))
    assert error.field == "format"
    assert f"unknown format version {version}" in error.problem
    assert "format 1" in error.problem


def test_a_newer_format_is_reported_as_such_not_as_its_new_fields() -> None:
    newer = one_item().replace("format = 1", "format = 2") + '\n[settings]\nquizzes = "on"\n'
    error = error_of(newer)
    assert error.field == "format"


def test_a_missing_format_is_named() -> None:
    error = error_of(one_item().replace("format = 1\n", ""))
    assert error.field == "format"
    assert "required" in error.problem.lower()


def test_a_misspelt_field_is_named() -> None:
    error = error_of(one_item().replace('title = "课程介绍"', 'titel = "课程介绍"'))
    assert error.field in {"lessons[1].items[1].titel", "lessons[1].items[1].title"}


def test_a_course_needs_lessons_and_a_lesson_needs_items() -> None:
    assert error_of(HEADER).field == "lessons"
    error = error_of(HEADER + '\n[[lessons]]\nid = "l1"\ntitle = "空"\nitems = []\n')
    assert error.field == "lessons[1].items"


def test_a_duplicate_lesson_id_is_refused() -> None:
    text = toml().replace('id = "l2"', 'id = "l1"')
    error = error_of(text)
    assert error.file == "course.toml"
    assert "'l1'" in error.problem and "twice" in error.problem
    assert error.field == "lessons[2].id"


def test_a_duplicate_item_id_is_refused_even_across_lessons() -> None:
    text = toml().replace('id = "slides"', 'id = "intro"')
    error = error_of(text)
    assert "'intro'" in error.problem and "twice" in error.problem
    assert error.field == "lessons[2].items[1].id"


def test_invalid_toml_names_the_file() -> None:
    error = error_of('format = 1\ntitle = "没有结束的引号\n')
    assert error.file == "course.toml"
    assert "not valid TOML" in error.problem


def test_the_file_name_given_is_the_one_reported() -> None:
    with pytest.raises(CourseFormatError) as raised:
        parse_course_toml("format = 2", "courses/ict/course.toml")
    assert raised.value.file == "courses/ict/course.toml"


# --- loading a course folder -----------------------------------------------------------------


def test_a_good_folder_loads_with_its_files(folder: Path) -> None:
    course, files = load_course_folder(folder)
    assert course.id == "ict-basics"
    assert files == {
        "intro": (folder / "media" / "intro.mp4").resolve(),
        "notes": (folder / "media" / "notes.pdf").resolve(),
        "slides": (folder / "media" / "slides.mp4").resolve(),
    }


def test_loading_changes_nothing(folder: Path) -> None:
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    load_course_folder(folder)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_a_missing_folder_or_course_toml_is_named(folder: Path, tmp_path: Path) -> None:
    assert "not a folder" in folder_error(tmp_path / "nowhere").problem
    (folder / COURSE_FILE).unlink()
    error = folder_error(folder)
    assert error.file == str(folder / COURSE_FILE)
    assert "missing" in error.problem


def test_a_course_toml_that_is_not_utf8_is_named(folder: Path) -> None:
    (folder / COURSE_FILE).write_bytes(toml().encode("gb18030"))
    error = folder_error(folder)
    assert error.file == str(folder / COURSE_FILE)
    assert "UTF-8" in error.problem


def test_errors_in_course_toml_name_the_real_file(folder: Path) -> None:
    (folder / COURSE_FILE).write_text(toml(slides="/media/slides.mp4"), encoding="utf-8")
    error = folder_error(folder)
    assert error.file == str(folder / COURSE_FILE)
    assert error.field == "lessons[2].items[1].file"


def test_a_missing_media_file_is_named_with_the_field_naming_it(folder: Path) -> None:
    (folder / "media" / "slides.mp4").unlink()
    error = folder_error(folder)
    assert error.file == str((folder / "media" / "slides.mp4").resolve())
    assert "missing" in error.problem
    assert "lessons[2].items[1].file" in error.problem


def test_a_video_that_is_not_mp4_is_refused(folder: Path) -> None:
    (folder / "media" / "intro.mp4").write_bytes(b"RIFF\x00\x00\x00\x00AVI LIST" + b"\x00" * 32)
    error = folder_error(folder)
    assert error.file == str((folder / "media" / "intro.mp4").resolve())
    assert "not an mp4 video" in error.problem
    assert "lessons[1].items[1].file" in error.problem


def test_a_pdf_named_as_a_video_is_refused(folder: Path) -> None:
    (folder / "media" / "slides.mp4").write_bytes(PDF)
    assert "not an mp4 video" in folder_error(folder).problem


def test_a_document_that_is_not_a_pdf_is_refused(folder: Path) -> None:
    (folder / "media" / "notes.pdf").write_bytes(b"PK\x03\x04 a .docx really")
    error = folder_error(folder)
    assert "not a PDF document" in error.problem
    assert "lessons[1].items[2].file" in error.problem


@pytest.mark.parametrize("kind", ["quiz", "questionnaire"])
def test_form_items_name_a_workbook_the_server_converts(folder: Path, kind: str) -> None:
    text = toml().replace('kind = "document"', f'kind = "{kind}"')
    text = text.replace("media/notes.pdf", "forms/notes.xlsx")
    (folder / "forms").mkdir()
    (folder / "forms" / "notes.xlsx").write_bytes(XLSX)
    (folder / COURSE_FILE).write_text(text, encoding="utf-8")

    course, files = load_course_folder(folder)

    assert course.lessons[0].items[1].kind == ItemKind(kind)
    assert files["notes"] == (folder / "forms" / "notes.xlsx").resolve()


@pytest.mark.parametrize("kind", ["quiz", "questionnaire"])
def test_a_form_item_naming_something_else_than_a_workbook_is_refused(
    folder: Path, kind: str
) -> None:
    text = toml().replace('kind = "document"', f'kind = "{kind}"')
    (folder / COURSE_FILE).write_text(text, encoding="utf-8")
    error = folder_error(folder)  # notes.pdf is a PDF
    assert error.file == str((folder / "media" / "notes.pdf").resolve())
    assert "is not an .xlsx workbook" in error.problem
    assert f"lessons[1].items[2].file, kind {kind}" in error.problem


def test_an_unknown_kind_is_refused_when_parsing() -> None:
    error = error_of(one_item(kind="audio"))
    assert error.field == "lessons[1].items[1].kind"


def test_a_link_pointing_out_of_the_folder_is_refused(folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.mp4"
    outside.write_bytes(MP4)
    link = folder / "media" / "slides.mp4"
    link.unlink()
    try:
        link.symlink_to(outside)
    except OSError as exc:  # Windows without the right to make links
        pytest.skip(f"cannot make a symbolic link: {exc}")
    error = folder_error(folder)
    assert error.field == "lessons[2].items[1].file"
    assert "outside the folder" in error.problem


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (MP4, "video/mp4"),
        (PDF, "application/pdf"),
        (XLSX, XLSX_MEDIA_TYPE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None),  # an old .xls
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_media_types_are_sniffed_from_the_first_bytes(
    tmp_path: Path, head: bytes, expected: str | None
) -> None:
    path = tmp_path / "file"
    path.write_bytes(head)
    assert sniff_media_type(path) == expected


def test_a_title_of_only_spaces_is_refused() -> None:
    err = error_of(one_item(title="   "))
    assert err.field == "lessons[1].items[1].title"
