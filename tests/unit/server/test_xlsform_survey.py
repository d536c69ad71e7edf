"""Refusals on the survey sheet (server/xlsform_survey.py), each naming its row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from xlsform_helpers import YES_NO, Rows, S, refusal, write

from server.xlsform import FormImportError, load_xlsform


@pytest.mark.parametrize(
    ("type_", "words"),
    [
        ("geopoint", "locations"),
        ("geotrace", "locations"),
        ("geoshape", "locations"),
        ("calculate", "calculations"),
        ("image", "photos"),
        ("photo", "photos"),
        ("audio", "audio"),
        ("background-audio", "audio"),
        ("video", "videos"),
        ("file", "file uploads"),
        ("barcode", "barcodes"),
        ("acknowledge", "acknowledge"),
        ("range", "for a rating scale use select_one LIST with appearance likert"),
        ("rank yn", "ranking"),
        ("datetime", "date-and-time"),
        ("time", "time"),
        ("hidden", "hidden"),
        ("xml-external", "external data"),
        ("trigger", "triggers"),
        ("begin repeat", "repeats"),
        ("begin_repeat", "repeats"),
        ("select_one_from_file towns.csv", "from a file"),
        ("select_multiple_from_file towns.csv", "from a file"),
        ("select_one_external yn", "external choices"),
    ],
)
def test_unsupported_types_are_refused(tmp_path: Path, type_: str, words: str) -> None:
    error = refusal(tmp_path, [*S, [type_, "q", "问题"]], YES_NO)
    assert (error.sheet, error.row, error.column) == ("survey", 3, "type")
    assert f'"{type_}": ' in error.problem
    assert words in error.problem
    assert "not supported by Lamplight" in error.problem


def test_the_message_reads_as_a_sentence(tmp_path: Path) -> None:
    path = write(tmp_path, [*S, ["text", "x", "X"], ["geopoint", "where", "位置"]])
    with pytest.raises(FormImportError) as caught:
        load_xlsform(path)
    assert str(caught.value) == (
        f'{path}: survey sheet, row 4, column "type": "geopoint": locations are not '
        "supported by Lamplight"
    )


C = "constraint"
SURVEY_REFUSALS: list[tuple[str, Rows, Rows | None, tuple[int, str], str]] = [
    (
        "unknown type",
        [*S, ["foo", "q", "Q"]],
        None,
        (3, "type"),
        '"foo" is not a type Lamplight supports (supported: select_one LIST',
    ),
    (
        "or_other",
        [*S, ["select_one yn or_other", "q", "Q"]],
        YES_NO,
        (3, "type"),
        '"or_other" is not supported by Lamplight',
    ),
    (
        "a third word",
        [*S, ["select_one yn extra", "q", "Q"]],
        YES_NO,
        (3, "type"),
        'what is "extra"?',
    ),
    (
        "nested group",
        [*S, ["begin group", "g1", "G"], ["begin group", "g2", "G"]],
        None,
        (4, "type"),
        'a group inside group "g1"',
    ),
    ("end without begin", [*S, ["end group"]], None, (3, "type"), "without a begin group"),
    (
        "group never closed",
        [*S, ["begin group", "g", "G"], ["text", "b", "B"]],
        None,
        (3, "type"),
        'group "g" is never closed',
    ),
    (
        "empty group",
        [*S, ["begin group", "g", "G"], ["end group"]],
        None,
        (3, "type"),
        "this group has no questions",
    ),
    (
        "name twice",
        [*S, ["text", "second", "B"], ["integer", "first", "C"]],
        None,
        (4, "name"),
        '"first" is already the name of row 2',
    ),
    (
        "group and question share a name",
        [*S, ["begin group", "first", "G"]],
        None,
        (3, "name"),
        "already the name of row 2",
    ),
    ("no name", [*S, ["text", None, "B"]], None, (3, "name"), "needs a name"),
    ("bad name", [*S, ["text", "1st", "B"]], None, (3, "name"), '"1st" cannot be a name'),
    ("no type", [*S, [None, "b", "B"]], None, (3, "type"), "needs a type"),
    (
        "no label",
        [*S, ["text", "b"]],
        None,
        (3, "label"),
        "needs a label in the default language (zh)",
    ),
    (
        "unknown choice list",
        [*S, ["select_one colours", "b", "B"]],
        YES_NO,
        (3, "type"),
        'choice list "colours" is not on the choices sheet',
    ),
    (
        "no choices sheet",
        [*S, ["select_one yn", "b", "B"]],
        None,
        (3, "type"),
        'choice list "yn" is not on the choices sheet',
    ),
    (
        "required with a condition",
        [[*S[0], "required"], *S[1:], ["text", "b", "B", "${first} = 'x'"]],
        None,
        (3, "required"),
        "write yes or no",
    ),
    (
        "likert on multiple choice",
        [[*S[0], "appearance"], *S[1:], ["select_multiple yn", "b", "B", "likert"]],
        YES_NO,
        (3, "appearance"),
        '"likert" is not an appearance Lamplight shows for select_multiple',
    ),
    (
        "unknown appearance",
        [[*S[0], "appearance"], *S[1:], ["text", "b", "B", "numbers"]],
        None,
        (3, "appearance"),
        '"numbers" is not an appearance',
    ),
    (
        "group appearance",
        [[*S[0], "appearance"], *S[1:], ["begin group", "g", "G", "table-list"]],
        None,
        (3, "appearance"),
        "for groups",
    ),
    (
        "constraint on a group",
        [[*S[0], C], *S[1:], ["begin group", "g", "G", ". > 1"]],
        None,
        (3, C),
        '"constraint" does not apply to a group',
    ),
    (
        "required note",
        [[*S[0], "required"], *S[1:], ["note", "n", "N", "yes"]],
        None,
        (3, "required"),
        "a note takes no answer",
    ),
    (
        "default not a choice",
        [[*S[0], "default"], *S[1:], ["select_one yn", "b", "B", "maybe"]],
        YES_NO,
        (3, "default"),
        '"maybe" is not one of the choices (yes, no)',
    ),
    (
        "default not a number",
        [[*S[0], "default"], *S[1:], ["integer", "b", "B", "many"]],
        None,
        (3, "default"),
        "'many' is not a whole number",
    ),
    (
        "relevant does not parse",
        [[*S[0], "relevant"], *S[1:], ["text", "b", "B", "${first} = 'x"]],
        None,
        (3, "relevant"),
        "does not parse: a string without its closing quote (at character 12)",
    ),
    (
        "relevant names no question",
        [[*S[0], "relevant"], *S[1:], ["text", "b", "B", "${frist} = 1"]],
        None,
        (3, "relevant"),
        "${frist} is not a question of this form",
    ),
    (
        "relevant looks ahead",
        [[*S[0], "relevant"], *S[1:], ["text", "b", "B", "${c} = 1"], ["text", "c", "C"]],
        None,
        (3, "relevant"),
        "${c} comes later in the form; skip logic may only look at earlier questions",
    ),
    (
        "relevance loop",
        [
            [*S[0], "relevant"],
            *S[1:],
            ["text", "b", "B", "${c} = 1"],
            ["text", "c", "C", "${b} = 1"],
        ],
        None,
        (3, "relevant"),
        "skip logic goes round in a circle: b → c → b",
    ),
    (
        "page on its own question",
        [
            [*S[0], "relevant"],
            *S[1:],
            ["begin group", "p", "P", "${b} = 1"],
            ["text", "b", "B"],
            ["end group"],
        ],
        None,
        (3, "relevant"),
        "p → b → p",
    ),
    (
        "constraint looks ahead",
        [[*S[0], C], *S[1:], ["integer", "b", "B", ". < ${c}"], ["integer", "c", "C"]],
        None,
        (3, C),
        "${c} comes later",
    ),
    (
        "full-width bracket",
        [[*S[0], C], *S[1:], ["integer", "b", "B", "(. > 1）"]],
        None,
        (3, C),
        "'）' is a full-width character",
    ),
    (
        "filled choice_filter",
        [[*S[0], "choice_filter"], *S[1:], ["select_one yn", "b", "B", "county = 'x'"]],
        YES_NO,
        (3, "choice_filter"),
        "cascading choices (choice_filter) are not supported",
    ),
    (
        "filled calculation",
        [[*S[0], "calculation"], *S[1:], ["text", "b", "B", "1 + 1"]],
        None,
        (3, "calculation"),
        "calculations are not supported",
    ),
    (
        "filled image",
        [[*S[0], "media::image"], *S[1:], ["text", "b", "B", "a.png"]],
        None,
        (3, "media::image"),
        "media files are not supported",
    ),
    (
        "filled repeat_count",
        [[*S[0], "repeat_count"], ["text", "b", "B", "3"]],
        None,
        (2, "repeat_count"),
        "repeat counts",
    ),
    (
        "filled parameters",
        [[*S[0], "parameters"], ["text", "b", "B", "rows=3"]],
        None,
        (2, "parameters"),
        "question parameters",
    ),
    (
        "filled guidance hint",
        [[*S[0], "guidance_hint::English (en)"], ["text", "b", "B", "?"]],
        None,
        (2, "guidance_hint::English (en)"),
        "guidance hints",
    ),
    (
        "unknown lamplight column",
        [[*S[0], "lamplight:pionts"], *S[1:]],
        None,
        (1, "lamplight:pionts"),
        "not a Lamplight column (on the survey sheet: lamplight:answer",
    ),
    (
        "misspelt column",
        [[*S[0], "relevent"], *S[1:]],
        None,
        (1, "relevent"),
        'unknown column; did you mean "relevant"?',
    ),
    (
        "unknown language",
        [[*S[0], "label::Klingon"], *S[1:]],
        None,
        (1, "label::Klingon"),
        'which language is "Klingon"?',
    ),
    (
        "one colon before a language",
        [[*S[0], "hint:English"], *S[1:]],
        None,
        (1, "hint:English"),
        'write the language after two colons: "hint::English"',
    ),
    (
        "language on a plain column",
        [[*S[0], "relevant::zh"], *S[1:]],
        None,
        (1, "relevant::zh"),
        '"relevant" has no languages',
    ),
    (
        "a language twice",
        [[*S[0], "label::Chinese (zh)"], *S[1:]],
        None,
        (1, "label::Chinese (zh)"),
        'both this column and "label" hold label in zh',
    ),
    (
        "a reserved name (pyxform)",
        [*S, ["text", "meta", "M"]],
        None,
        (None, None),
        "pyxform, the XLSForm reference, refuses it: [row : 3]",
    ),
]


@pytest.mark.parametrize(
    ("survey", "choices", "where", "words"),
    [r[1:] for r in SURVEY_REFUSALS],
    ids=[r[0] for r in SURVEY_REFUSALS],
)
def test_survey_sheet_refusals(
    tmp_path: Path, survey: Rows, choices: Rows | None, where: tuple[int, str], words: str
) -> None:
    error = refusal(tmp_path, survey, choices)
    assert (error.row, error.column) == where
    assert error.sheet == ("survey" if where[0] else None)
    assert words in error.problem
