"""Refusals on the choices and settings sheets and of quizzes (server/xlsform.py), each naming
its sheet, row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from xlsform_helpers import VERSION, YES_NO, Rows, S, refusal

CHOICE_REFUSALS: list[tuple[str, Rows, tuple[int, str], str]] = [
    (
        "no list name",
        [["list_name", "name", "label"], ["yn", "yes", "是"], [None, "no", "否"]],
        (3, "list_name"),
        "needs the name of its list",
    ),
    (
        "no name",
        [["list_name", "name", "label"], ["yn", None, "是"]],
        (2, "name"),
        "every choice needs a name",
    ),
    (
        "a space in a name",
        [["list_name", "name", "label"], ["yn", "not sure", "不确定"]],
        (2, "name"),
        "holds a space",
    ),
    (
        "a name twice",
        [*YES_NO, ["yn", "yes", "是的"]],
        (4, "name"),
        '"yes" is already in list "yn" (row 2)',
    ),
    (
        "no label",
        [["list_name", "name", "label"], ["yn", "yes"]],
        (2, "label"),
        "needs a label in the default language (zh)",
    ),
    (
        "an image",
        [["list_name", "name", "label", "image"], ["yn", "yes", "是", "y.png"]],
        (2, "image"),
        "images are not supported",
    ),
]


@pytest.mark.parametrize(
    ("choices", "where", "words"),
    [r[1:] for r in CHOICE_REFUSALS],
    ids=[r[0] for r in CHOICE_REFUSALS],
)
def test_choices_sheet_refusals(
    tmp_path: Path, choices: Rows, where: tuple[int, str], words: str
) -> None:
    error = refusal(tmp_path, [*S, ["select_one yn", "b", "B"]], choices)
    assert (error.sheet, error.row, error.column) == ("choices", *where)
    assert words in error.problem


QUIZ_HEAD = [*S[0], "lamplight:answer", "lamplight:points", "relevant"]
ONE_SCORED: Rows = [QUIZ_HEAD, ["select_one yn", "q", "Q", "yes", 2]]


def quiz_settings(**values: Any) -> Rows:
    settings = {"version": "1", "lamplight:mode": "quiz", **values}
    return [list(settings), list(settings.values())]


SETTINGS_REFUSALS: list[tuple[str, Rows, Rows | None, tuple[int | None, str], str]] = [
    ("no version", S, [["form_id"], ["x"]], (None, "version"), "every form needs a version"),
    ("no settings sheet", S, None, (None, "version"), "every form needs a version"),
    (
        "bad form id",
        S,
        [["version", "form_id"], ["1", "Teacher Survey"]],
        (2, "form_id"),
        '"Teacher Survey" cannot be a form id',
    ),
    (
        "unknown default language",
        S,
        [["version", "default_language"], ["1", "Elvish"]],
        (2, "default_language"),
        'which language is "Elvish"?',
    ),
    (
        "title without the default language",
        [["type", "name", "label", "label::English (en)"], ["text", "a", "甲", "A"]],
        [["version", "form_title::English (en)"], ["1", "Title"]],
        (2, "form_title::English (en)"),
        "missing in the default language (zh)",
    ),
    (
        "title in a language no question has",
        S,
        [["version", "form_title::English (en)"], ["1", "Title"]],
        (2, "form_title::English (en)"),
        'language "en" is not one of the form\'s languages (zh)',
    ),
    (
        "unknown mode",
        S,
        [["version", "lamplight:mode"], ["1", "exam"]],
        (2, "lamplight:mode"),
        '"exam": write survey or quiz',
    ),
    (
        "anonymous maybe",
        S,
        [["version", "lamplight:anonymous"], ["1", "maybe"]],
        (2, "lamplight:anonymous"),
        "write yes or no",
    ),
    (
        "encrypted",
        S,
        [["version", "public_key"], ["1", "MIIB"]],
        (2, "public_key"),
        "encrypted forms (public_key) are not supported",
    ),
    (
        "misspelt title",
        S,
        [["version", "form_titel"], ["1", "T"]],
        (1, "form_titel"),
        'did you mean "form_title"?',
    ),
    (
        "misspelt setting",
        S,
        [["version", "lamplight:pass_marks"], ["1", "3"]],
        (1, "lamplight:pass_marks"),
        "not a Lamplight column",
    ),
    (
        "a quiz setting in a survey",
        S,
        [["version", "lamplight:pass_mark"], ["1", 3]],
        (2, "lamplight:pass_mark"),
        "only a quiz has this setting",
    ),
    (
        "anonymous quiz",
        ONE_SCORED,
        quiz_settings(**{"lamplight:anonymous": "yes"}),
        (2, "lamplight:anonymous"),
        "a quiz cannot be anonymous",
    ),
    (
        "pass mark not a number",
        ONE_SCORED,
        quiz_settings(**{"lamplight:pass_mark": "six"}),
        (2, "lamplight:pass_mark"),
        '"six" is not a number of points above 0',
    ),
    (
        "pass mark zero",
        ONE_SCORED,
        quiz_settings(**{"lamplight:pass_mark": 0}),
        (2, "lamplight:pass_mark"),
        "above 0",
    ),
    (
        "pass mark above the points",
        ONE_SCORED,
        quiz_settings(**{"lamplight:pass_mark": 3}),
        (2, "lamplight:pass_mark"),
        "the pass mark (3) is more than the quiz's 2 points",
    ),
    (
        "attempts negative",
        ONE_SCORED,
        quiz_settings(**{"lamplight:attempts": -1}),
        (2, "lamplight:attempts"),
        "0 for no limit",
    ),
    (
        "attempts in words",
        ONE_SCORED,
        quiz_settings(**{"lamplight:attempts": "two"}),
        (2, "lamplight:attempts"),
        "0 for no limit",
    ),
    (
        "feedback timing",
        ONE_SCORED,
        quiz_settings(**{"lamplight:show_feedback": "sometimes"}),
        (2, "lamplight:show_feedback"),
        "after_each, at_end, never",
    ),
    (
        "a quiz with nothing scored",
        S,
        quiz_settings(),
        (2, "lamplight:mode"),
        "at least one scored question",
    ),
]


@pytest.mark.parametrize(
    ("survey", "settings", "where", "words"),
    [r[1:] for r in SETTINGS_REFUSALS],
    ids=[r[0] for r in SETTINGS_REFUSALS],
)
def test_settings_sheet_refusals(
    tmp_path: Path, survey: Rows, settings: Rows | None, where: tuple[int | None, str], words: str
) -> None:
    error = refusal(tmp_path, survey, YES_NO, settings)
    assert (error.sheet, error.row, error.column) == ("settings", *where)
    assert words in error.problem


def test_a_file_name_that_cannot_be_an_id(tmp_path: Path) -> None:
    error = refusal(tmp_path, S, name="My Form.xlsx")
    assert (error.sheet, error.row, error.column) == ("settings", None, "form_id")
    assert 'the file name "My Form" cannot serve as the form id' in error.problem


QUIZ_REFUSALS: list[tuple[str, Rows, Rows, tuple[int, str], str]] = [
    (
        "answers in a survey",
        ONE_SCORED,
        VERSION,
        (2, "lamplight:answer"),
        "only a quiz has correct answers",
    ),
    (
        "answer not a choice",
        [QUIZ_HEAD, ["select_one yn", "q", "Q", "maybe", 1]],
        quiz_settings(),
        (2, "lamplight:answer"),
        '"maybe" is not one of the choices',
    ),
    (
        "points without an answer",
        [*ONE_SCORED, ["text", "t", "T", None, 1]],
        quiz_settings(),
        (3, "lamplight:answer"),
        "a question with points needs a correct answer",
    ),
    (
        "an answer without points",
        [*ONE_SCORED, ["integer", "n", "N", 3]],
        quiz_settings(),
        (3, "lamplight:points"),
        "a question with a correct answer needs points",
    ),
    (
        "points in words",
        [QUIZ_HEAD, ["select_one yn", "q", "Q", "yes", "two"]],
        quiz_settings(),
        (2, "lamplight:points"),
        '"two" is not a number',
    ),
    (
        "a scored question with skip logic",
        [*ONE_SCORED, ["integer", "n", "N", 3, 1, "${q} = 'yes'"]],
        quiz_settings(),
        (3, "relevant"),
        "a scored question cannot be skipped",
    ),
]


@pytest.mark.parametrize(
    ("survey", "settings", "where", "words"),
    [r[1:] for r in QUIZ_REFUSALS],
    ids=[r[0] for r in QUIZ_REFUSALS],
)
def test_quiz_refusals(
    tmp_path: Path, survey: Rows, settings: Rows, where: tuple[int, str], words: str
) -> None:
    error = refusal(tmp_path, survey, YES_NO, settings)
    assert (error.sheet, error.row, error.column) == ("survey", *where)
    assert words in error.problem
