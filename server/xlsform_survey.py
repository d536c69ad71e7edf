"""The ``survey`` sheet of an XLSForm, row by row, into :class:`wire.forms.Page`\\ s.

Types Lamplight runs (the ``type`` column)::

    select_one LIST          single choice; with appearance "likert", a rating scale
    select_multiple LIST     multiple choice ("select all that apply LIST" too)
    text                     short text; appearance "multiline" for a long answer
    integer, decimal, date
    note                     text to read
    begin group / end group  a page (groups inside groups are refused)

Rows of the metadata types ``start end today deviceid username phonenumber simserial
subscriberid email audit`` are skipped: Lamplight itself records when a response was
started and submitted, and by whom (unless the survey is anonymous). Every other type is
refused, naming it (repeats, calculate, geo types, photo/audio/video/file, barcode,
acknowledge, range, rank, datetime, time, select_one_from_file, ``or_other``...).

Columns (see :data:`SUPPORTED`): ``type name label hint required required_message relevant
constraint constraint_message default appearance`` and Lamplight's quiz columns
``lamplight:answer`` (the correct choice name, or names separated by spaces for
select_multiple, or the value), ``lamplight:points`` and ``lamplight:feedback`` (by language).
``required`` is yes or no (a condition is refused); ``default`` is a value, not an expression.
A filled cell in a column Lamplight does not support (:data:`REFUSED`) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from server.xlsform_sheets import (
    Column,
    FormImportError,
    Sheet,
    cell,
    refuse_cells,
    texts,
    yes_no,
)
from wire.expressions import NAME_PATTERN
from wire.forms import (
    AnswerValue,
    Choice,
    FormDefinitionError,
    Page,
    Question,
    QuestionType,
)

SUPPORTED = frozenset(
    {
        "type",
        "name",
        "label",
        "hint",
        "required",
        "required_message",
        "relevant",
        "constraint",
        "constraint_message",
        "default",
        "appearance",
        "lamplight:answer",
        "lamplight:points",
        "lamplight:feedback",
    }
)
TRANSLATABLE = frozenset(
    {"label", "hint", "required_message", "constraint_message", "lamplight:feedback"}
)
REFUSED = {
    "calculation": "calculations",
    "choice_filter": "cascading choices (choice_filter)",
    "repeat_count": "repeat counts",
    "parameters": "question parameters (of range, randomised choices and the like)",
    "image": "images",
    "big-image": "images",
    "audio": "audio files",
    "video": "videos",
    "media": "media files",
    "guidance_hint": "guidance hints",
    "read_only": "read-only questions",
    "trigger": "triggers",
    "body": "body attributes",
    "bind": "custom bindings",
    "instance": "custom instance attributes",
    "save_to": "entities (save_to)",
}
"""Survey columns of XLSForm Lamplight does not support: a filled cell in one is refused."""

_SIMPLE = {
    "text": QuestionType.TEXT,
    "integer": QuestionType.INTEGER,
    "int": QuestionType.INTEGER,
    "decimal": QuestionType.DECIMAL,
    "date": QuestionType.DATE,
    "note": QuestionType.NOTE,
}
_SELECT = re.compile(
    r"(select_one|select one|select1|select_multiple|select multiple|select all that apply)"
    r" (\S+)(?: (\S+))?",
    re.IGNORECASE,
)
_MULTIPLE = {"select_multiple", "select multiple", "select all that apply"}
METADATA = frozenset(
    {"start", "end", "today", "deviceid", "imei", "username", "phonenumber", "simserial"}
    | {"subscriberid", "email", "audit"}
)
_REFUSED_TYPES = {
    "begin repeat": "repeats",
    "begin_repeat": "repeats",
    "end repeat": "repeats",
    "end_repeat": "repeats",
    "begin loop": "loops",
    "begin_loop": "loops",
    "end loop": "loops",
    "end_loop": "loops",
    "select_one_from_file": "choices read from a file",
    "select_multiple_from_file": "choices read from a file",
    "select one from file": "choices read from a file",
    "select multiple from file": "choices read from a file",
    "select_one_external": "external choices",
    "rank": "ranking questions",
    "range": "range questions (for a rating scale use select_one LIST with appearance likert)",
    "calculate": "calculations",
    "hidden": "hidden fields",
    "acknowledge": "acknowledge questions (use select_one with a single choice)",
    "geopoint": "locations",
    "geotrace": "locations",
    "geoshape": "locations",
    "start-geopoint": "locations",
    "image": "photos",
    "photo": "photos",
    "audio": "audio recordings",
    "background-audio": "audio recordings",
    "video": "videos",
    "file": "file uploads",
    "barcode": "barcodes",
    "datetime": "date-and-time questions (use date)",
    "time": "time questions",
    "xml-external": "external data",
    "csv-external": "external data",
    "trigger": "triggers",
}
SUPPORTED_TYPES = (
    "select_one LIST, select_multiple LIST, text, integer, decimal, date, note, "
    "begin group, end group"
)
_GROUP_COLUMNS = frozenset({"type", "name", "label", "relevant", "appearance"})
_SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_NAME = re.compile(NAME_PATTERN)

# A wire.forms field whose check failed, as the column it came from.
FIELD_COLUMNS = {
    "correct": "lamplight:answer",
    "points": "lamplight:points",
    "feedback": "lamplight:feedback",
    "choices": "type",
    "name": "name",
}


class _Fail(Protocol):
    """Makes the error for a column (by key) of the row being read."""

    def __call__(self, problem: str, key: str = ..., row: int = ...) -> FormImportError: ...


@dataclass
class _Group:
    row: int
    name: str
    title: dict[str, str]
    relevant: str | None
    questions: list[Question] = field(default_factory=list)


@dataclass
class Survey:
    """The survey sheet read: its pages, and where each name is (for later errors)."""

    pages: list[Page]
    rows: dict[str, int]  # question or group name -> its row
    columns: list[Column]

    def header(self, key: str, default_language: str) -> str:
        """The header of the column holding ``key`` (a wire field or a column key)."""
        key = FIELD_COLUMNS.get(key, key)
        matching = [c for c in self.columns if c.key == key]
        preferred = [c for c in matching if c.language in (None, default_language)]
        return (preferred or matching or [Column(key, key, None)])[0].header


ChoiceLists = Mapping[str, tuple[Choice, ...]]


def read_survey(
    file: str, sheet: Sheet, columns: list[Column], lists: ChoiceLists, language: str
) -> Survey:
    """Reads every row of the survey sheet.

    Raises:
        FormImportError: at the first row Lamplight cannot run, naming the column.
    """
    survey = Survey(pages=[], rows={}, columns=columns)
    group: _Group | None = None
    for row, _cells in sheet.filled_rows():

        def fail(problem: str, key: str = "type", row: int = row) -> FormImportError:
            header = survey.header(key, language)
            return FormImportError(file, problem, sheet="survey", row=row, column=header)

        refuse_cells(file, sheet, columns, REFUSED, row)
        kind, list_name = _type(cell(sheet, columns, "type", row)[0], fail)
        if kind == "skip":
            continue
        name = cell(sheet, columns, "name", row)[0]
        if kind == "end":
            if group is None:
                raise fail("an end group without a begin group")
            if not group.questions:
                raise fail("this group has no questions", row=group.row)
            survey.pages.append(
                Page(
                    name=group.name,
                    title=group.title,
                    relevant=group.relevant,
                    questions=tuple(group.questions),
                )
            )
            group = None
            continue
        if not name:
            raise fail("every question and group needs a name", "name")
        if not _NAME.fullmatch(name):
            raise fail(
                f'"{name}" cannot be a name: start with a letter or _, then use letters, '
                "digits, _ - or .",
                "name",
            )
        if name in survey.rows:
            raise fail(f'"{name}" is already the name of row {survey.rows[name]}', "name")
        survey.rows[name] = row
        if kind == "begin":
            if group is not None:
                raise fail(
                    f'a group inside group "{group.name}": each top-level group is one page, '
                    "so groups cannot be nested"
                )
            group = _begin_group(file, sheet, columns, row, name, language, fail)
            continue
        question = _question(sheet, columns, row, name, kind, list_name, lists, language, fail)
        if group is not None:
            group.questions.append(question)
        else:
            survey.pages.append(Page(questions=(question,)))
    if group is not None:
        raise FormImportError(
            file,
            f'group "{group.name}" is never closed (add an end group row)',
            sheet="survey",
            row=group.row,
            column=survey.header("type", language),
        )
    return survey


def _type(text: str, fail: _Fail) -> tuple[str, str | None]:
    """("begin" | "end" | "skip" | a QuestionType value, the choice list name or None)."""
    spaced = " ".join(text.split())
    lowered = spaced.lower()
    if not lowered:
        raise fail("empty: every row with something in it needs a type")
    if lowered in ("begin group", "begin_group"):
        return "begin", None
    if lowered in ("end group", "end_group"):
        return "end", None
    for refused, what in _REFUSED_TYPES.items():
        if lowered == refused or lowered.startswith(refused + " "):
            raise fail(f'"{spaced}": {what} are not supported by Lamplight')
    select = _SELECT.fullmatch(spaced)
    if select:
        keyword, list_name, extra = select.groups()
        if extra is not None and extra.lower() == "or_other":
            raise fail(
                f'"{spaced}": "or_other" is not supported by Lamplight; add an "other" '
                "choice and a text question shown when it is selected"
            )
        if extra is not None:
            raise fail(f'"{spaced}": a choice type is "select_one LIST"; what is "{extra}"?')
        multiple = keyword.lower() in _MULTIPLE
        kind = QuestionType.SELECT_MULTIPLE if multiple else QuestionType.SELECT_ONE
        return kind.value, list_name
    if lowered in _SIMPLE:
        return _SIMPLE[lowered].value, None
    if lowered in METADATA:
        return "skip", None
    raise fail(f'"{spaced}" is not a type Lamplight supports (supported: {SUPPORTED_TYPES})')


def _begin_group(
    file: str,
    sheet: Sheet,
    columns: list[Column],
    row: int,
    name: str,
    language: str,
    fail: _Fail,
) -> _Group:
    for column in columns:
        if column.key not in _GROUP_COLUMNS and sheet.rows[row - 2].get(column.header):
            raise FormImportError(
                file,
                f'"{column.header}" does not apply to a group',
                sheet="survey",
                row=row,
                column=column.header,
            )
    appearance = cell(sheet, columns, "appearance", row)[0].lower().split()
    for word in appearance:
        if word != "field-list":
            raise fail(f'"{word}" is not an appearance Lamplight shows for groups', "appearance")
    relevant = cell(sheet, columns, "relevant", row)[0].translate(_SMART_QUOTES) or None
    return _Group(row, name, texts(sheet, columns, "label", row, language), relevant)


def _question(
    sheet: Sheet,
    columns: list[Column],
    row: int,
    name: str,
    kind: str,
    list_name: str | None,
    lists: ChoiceLists,
    language: str,
    fail: _Fail,
) -> Question:
    qtype = QuestionType(kind)

    def text(key: str) -> str:
        return cell(sheet, columns, key, row)[0]

    label = texts(sheet, columns, "label", row, language)
    if not label.get(language):
        raise fail(f"every question needs a label in the default language ({language})", "label")
    required = yes_no(text("required"))
    if required is None:
        raise fail(
            f'"{text("required")}": write yes or no (Lamplight does not support required '
            "with a condition)",
            "required",
        )
    words = text("appearance").lower().split()
    if qtype is QuestionType.SELECT_ONE and "likert" in words:
        qtype = QuestionType.RATING
        words.remove("likert")
    choices: tuple[Choice, ...] = ()
    if list_name is not None:
        if list_name not in lists:
            raise fail(f'choice list "{list_name}" is not on the choices sheet')
        choices = lists[list_name]
    points_text = text("lamplight:points")
    try:
        points = float(points_text) if points_text else 0.0
    except ValueError:
        raise fail(f'"{points_text}" is not a number', "lamplight:points") from None
    try:
        return Question(
            name=name,
            type=qtype,
            label=label,
            hint=texts(sheet, columns, "hint", row, language),
            required=required,
            required_message=texts(sheet, columns, "required_message", row, language),
            relevant=text("relevant").translate(_SMART_QUOTES) or None,
            constraint=text("constraint").translate(_SMART_QUOTES) or None,
            constraint_message=texts(sheet, columns, "constraint_message", row, language),
            default=_value(qtype, text("default")),
            appearance=" ".join(words) or None,
            choice_list=list_name,
            choices=choices,
            correct=_correct(qtype, text("lamplight:answer")),
            points=points,
            feedback=texts(sheet, columns, "lamplight:feedback", row, language),
        )
    except ValidationError as exc:
        field_name, problem = field_problem(exc)
        raise fail(problem, field_name) from None


def _value(qtype: QuestionType, text: str) -> AnswerValue | None:
    """A cell as the answer it stands for; what does not convert is left as text, for the
    model's check to refuse with its own words."""
    if not text:
        return None
    if qtype is QuestionType.SELECT_MULTIPLE:
        return text.split()
    if qtype is QuestionType.INTEGER:
        try:
            return int(text)
        except ValueError:
            return text
    if qtype is QuestionType.DECIMAL:
        try:
            return float(text)
        except ValueError:
            return text
    if qtype is QuestionType.DATE:
        return _date_text(text)
    return text


def _correct(qtype: QuestionType, text: str) -> tuple[str, ...]:
    if not text:
        return ()
    if qtype in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RATING):
        return tuple(text.split())
    return (_date_text(text) if qtype is QuestionType.DATE else text,)


def _date_text(text: str) -> str:
    # A cell Excel keeps as a date reaches us as "2024-05-01 00:00:00".
    return text.removesuffix(" 00:00:00")


def field_problem(exc: ValidationError) -> tuple[str, str]:
    """The field and the sentence of a model's first error."""
    first = exc.errors()[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FormDefinitionError):
        return cause.field, cause.problem
    loc = first.get("loc", ())
    return (str(loc[0]) if loc else "type"), str(first["msg"])
