"""Reading workbooks (server/xlsform_sheets.py): files that are not workbooks, sheets,
columns and their languages."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from xlsform_helpers import Rows, S, load, refusal

from server.xlsform import FormImportError, load_xlsform


@pytest.mark.parametrize(
    ("suffix", "code"),
    [
        ("Chinese (zh)", "zh"),
        ("Chinese（zh）", "zh"),
        ("zh", "zh"),
        ("ZH", "zh"),
        ("中文", "zh"),
        ("English", "en"),
        ("英语", "en"),
        ("en-gb", "en-GB"),
        ("Tibetan (bo)", "bo"),
    ],
)
def test_language_suffixes_become_codes(tmp_path: Path, suffix: str, code: str) -> None:
    form = load(
        tmp_path,
        [["type", "name", f"label::{suffix}"], ["text", "a", "A"]],
        settings=[["version", "default_language"], ["1", suffix]],
    )
    assert form.question("a").label == {code: "A"}
    assert form.default_language == code


def test_a_column_without_a_language_is_in_the_default_language(tmp_path: Path) -> None:
    english = load(
        tmp_path,
        [["type", "name", "label", "label::中文"], ["text", "a", "A", "甲"]],
        settings=[["version", "default_language"], ["1", "English (en)"]],
    )
    assert english.question("a").label == {"en": "A", "zh": "甲"}
    assert english.languages == ("en", "zh")
    first = load(
        tmp_path, [["type", "name", "label::English (en)", "hint"], ["text", "a", "A", "h"]]
    )
    assert (first.default_language, first.question("a").hint) == ("en", {"en": "h"})
    plain = load(tmp_path, [["type", "name", "label"], ["text", "a", "甲"]])
    assert (plain.default_language, plain.languages) == ("zh", ("zh",))


def test_the_form_id_defaults_to_the_file_name_and_the_title_to_the_id(tmp_path: Path) -> None:
    form = load(tmp_path, [["type", "name", "label"], ["text", "a", "A"]], name="needs-2024.xlsx")
    assert (form.id, form.title) == ("needs-2024", {"zh": "needs-2024"})


def test_empty_refused_columns_and_a_capitalised_sheet_name_are_fine(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Survey"
    sheet.append(["type", "name", "label", "calculation", "media::image", "choice_filter"])
    sheet.append(["text", "a", "A"])
    book.create_sheet("settings").append(["version"])
    book["settings"].append([3])
    book.save(tmp_path / "caps.xlsx")
    form = load_xlsform(tmp_path / "caps.xlsx")
    assert [q.name for q in form.questions] == ["a"]


def test_the_same_choice_name_in_two_lists(tmp_path: Path) -> None:
    form = load(
        tmp_path,
        [["type", "name", "label"], ["select_one a", "x", "X"], ["select_one b", "y", "Y"]],
        [["list_name", "name", "label"], ["a", "same", "A"], ["b", "same", "B"]],
    )
    assert form.question("y").choices[0].label == {"zh": "B"}


# --- workbooks that are not forms at all ------------------------------------------------------


def test_no_survey_sheet(tmp_path: Path) -> None:
    error = refusal(tmp_path, None, others={"Sheet1": S})
    assert error.sheet is None
    assert error.problem == 'there is no "survey" sheet (sheets: settings, Sheet1)'


@pytest.mark.parametrize(
    "survey",
    [[], [["type", "name", "label"]], [["type", "name", "label"], ["start", "s"], ["end", "e"]]],
    ids=["blank", "headers only", "only metadata"],
)
def test_a_survey_without_questions(tmp_path: Path, survey: Rows) -> None:
    error = refusal(tmp_path, survey)
    assert (error.sheet, error.problem) == ("survey", "there are no questions")


@pytest.mark.parametrize(
    ("sheet", "words"),
    [("external_choices", "external choices"), ("entities", "entities"), ("osm", "OpenStreetMap")],
)
def test_unsupported_sheets(tmp_path: Path, sheet: str, words: str) -> None:
    error = refusal(tmp_path, S, others={sheet: [["list_name", "name"], ["a", "b"]]})
    assert error.sheet == sheet
    assert words in error.problem


def not_a_zip(path: Path) -> None:
    path.write_text("type,name,label\ntext,a,A\n", encoding="utf-8")


def old_xls(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)


def other_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")


def empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (not_a_zip, "this is not a spreadsheet; Lamplight reads .xlsx workbooks"),
        (
            old_xls,
            "this is an old-style .xls workbook; open it in Excel or WPS and save it as .xlsx",
        ),
        (other_zip, "this .xlsx workbook cannot be read"),
        (empty, "the file is empty"),
        (lambda path: None, "there is no such file"),
        (lambda path: path.mkdir(), "there is no such file"),
    ],
    ids=["csv", "xls", "zip", "empty", "missing", "folder"],
)
def test_files_that_are_not_workbooks(tmp_path: Path, make: Any, words: str) -> None:
    path = tmp_path / "form.xlsx"
    make(path)
    with pytest.raises(FormImportError) as caught:
        load_xlsform(path)
    assert caught.value.problem.startswith(words)
    assert (caught.value.sheet, caught.value.row, caught.value.column) == (None, None, None)


def test_a_column_header_twice(tmp_path: Path) -> None:
    error = refusal(tmp_path, [["type", "name", "label", "label"], ["text", "a", "A", "B"]])
    assert "Duplicate column header: label" in error.problem
