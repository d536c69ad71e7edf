"""Importing a questionnaire or quiz written as an XLSForm spreadsheet (ODK, KoboToolbox).

:func:`load_xlsform` reads an ``.xlsx`` workbook with pyxform and returns the
:class:`wire.forms.FormSpec` the server publishes. Whatever Lamplight cannot run exactly as
written is refused with a :class:`FormImportError` naming the sheet, row and column, e.g.::

    survey sheet, row 7, column "type": "geopoint": locations are not supported by Lamplight

Nothing is half-imported: the function either returns a whole, checked form or raises. The
supported subset and every refusal are listed in ``docs/forms.md``; the sheets are read by:

- :mod:`server.xlsform_sheets`: the workbook, columns and languages (only ``.xlsx``);
- :mod:`server.xlsform_survey`: the ``survey`` sheet, row by row, into pages and questions;
- this module: the ``settings`` and ``choices`` sheets, and the form as a whole.

Settings (row 2 of the ``settings`` sheet): ``form_title`` (by language), ``form_id``
(defaults to the file name when that is a valid id), ``version`` (required: answers to
different versions are told apart by it), ``default_language``; and Lamplight's
``lamplight:mode`` (``survey``, the default, or ``quiz``), ``lamplight:anonymous`` (yes/no,
surveys only), and for quizzes ``lamplight:pass_mark`` (points; none: no pass or fail),
``lamplight:attempts`` (0, the default, for unlimited) and ``lamplight:show_feedback``
(``after_each``, ``at_end`` - the default - or ``never``; see
:class:`wire.forms.FeedbackTiming`). The feedback *timing* is a setting and the feedback
*text* a survey column (``lamplight:feedback``), hence the two names.

Languages: a column without a language (``label``) is in the default language, which is the
``default_language`` setting; without one, Chinese (``zh``) when the survey sheet has a plain
``label`` column, else the language of its first ``label::...`` column. The form's
languages are the default one and those of the survey sheet's label columns.

Everything a definition must satisfy whatever its source (names used once, expressions that
parse and only read earlier questions, no loops in skip logic, quiz rules) is checked by the
model itself (:mod:`wire.form_checks`); its errors are placed here on the row and column
they came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import DefinitionData

from server.xlsform_sheets import (
    Column,
    FormImportError,
    Sheet,
    cell,
    check_language_columns,
    language_code,
    parse_columns,
    read_workbook,
    refuse_cells,
    texts,
    yes_no,
)
from server.xlsform_survey import REFUSED as SURVEY_REFUSED
from server.xlsform_survey import SUPPORTED as SURVEY_SUPPORTED
from server.xlsform_survey import TRANSLATABLE as SURVEY_TRANSLATABLE
from server.xlsform_survey import ChoiceLists, Survey, field_problem, read_survey
from wire.course import ID_PATTERN
from wire.forms import (
    Choice,
    FeedbackTiming,
    FormMode,
    FormSpec,
    QuizSettings,
)

__all__ = ["FormImportError", "load_xlsform"]

_SETTINGS_USED = {
    "title",
    "id_string",
    "version",
    "default_language",
    "lamplight:mode",
    "lamplight:anonymous",
    "lamplight:pass_mark",
    "lamplight:attempts",
    "lamplight:show_feedback",
}
# Read by ODK tools and harmless to Lamplight: accepted and left alone.
_SETTINGS_IGNORED = {
    "style",
    "instance_name",
    "clean_text_values",
    "allow_choice_duplicates",
    "namespaces",
    "name",
    "omit_instanceid",
    "auto_send",
    "auto_delete",
    "submission_url",
    "client_editable",
}
_SETTINGS_REFUSED = {"public_key": "encrypted forms (public_key)"}
_QUIZ_SETTINGS = ("lamplight:pass_mark", "lamplight:attempts", "lamplight:show_feedback")
_CHOICES_REFUSED = {
    "image": "images",
    "big-image": "images",
    "audio": "audio files",
    "video": "videos",
    "media": "media files",
}
_UNSUPPORTED_SHEETS = {
    "external_choices": "external choices",
    "entities": "entities",
    "osm": "OpenStreetMap questions",
}
# How a settings key is written when its column is missing and the message must name it.
_WRITTEN_AS = {"id_string": "form_id", "title": "form_title"}
# A wire.forms field of the whole form, as the settings column it comes from.
_FORM_FIELDS = {
    "title": "title",
    "version": "version",
    "default_language": "default_language",
    "languages": "default_language",
    "mode": "lamplight:mode",
    "quiz": "lamplight:mode",
    "anonymous": "lamplight:anonymous",
    "pass_mark": "lamplight:pass_mark",
}


@dataclass(frozen=True)
class _Settings:
    sheet: Sheet | None
    columns: list[Column]
    default_language: str | None

    def get(self, key: str) -> tuple[str, str | None]:
        """The setting's text and its column header (``None`` when there is no such column)."""
        if self.sheet is None or not self.sheet.rows:
            header = next((c.header for c in self.columns if c.key == key), None)
            return "", header
        return cell(self.sheet, self.columns, key, 2)


def load_xlsform(path: Path) -> FormSpec:
    """Reads and checks an XLSForm workbook.

    Raises:
        FormImportError: for the first thing Lamplight cannot publish, naming where it is.
    """
    file = str(path)
    book = read_workbook(path)
    sheets = book.sheets
    survey_sheet = sheets.get("survey")
    if survey_sheet is None:
        found = ", ".join(book.names) or "none"
        raise FormImportError(file, f'there is no "survey" sheet (sheets: {found})')
    for name, what in _UNSUPPORTED_SHEETS.items():
        if name in sheets and any(True for _ in sheets[name].filled_rows()):
            raise FormImportError(file, f"{what} are not supported by Lamplight", sheet=name)
    if not any(True for _ in survey_sheet.filled_rows()):
        raise FormImportError(file, "there are no questions", sheet="survey")

    settings = _read_settings(file, sheets.get("settings"))
    survey_columns = parse_columns(
        file,
        survey_sheet,
        supported=SURVEY_SUPPORTED,
        translatable=SURVEY_TRANSLATABLE,
        refused=SURVEY_REFUSED,
    )
    labels = [c.language for c in survey_columns if c.key == "label"]
    label_languages = [code for code in labels if code is not None]
    default = settings.default_language or (
        label_languages[0] if label_languages and None not in labels else "zh"
    )
    check_language_columns(file, survey_sheet, survey_columns, default)
    if settings.sheet is not None:
        check_language_columns(file, settings.sheet, settings.columns, default)
    lists = _read_choices(file, sheets.get("choices"), default)
    survey = read_survey(file, survey_sheet, survey_columns, lists, default)
    if not survey.pages:
        raise FormImportError(file, "there are no questions", sheet="survey")
    form = _form(file, path.stem, settings, survey, default, [default, *label_languages])
    _pyxform_accepts(file, book.raw)
    return form


def _pyxform_accepts(file: str, raw: dict[str, Any]) -> None:
    """Runs pyxform's own conversion, so a published form is also a valid XLSForm (ODK and
    Kobo would take it) and nothing our checks missed slips through (a question named
    ``meta``, which XForms reserve, for one)."""
    try:
        workbook_to_json(DefinitionData(**raw), fallback_form_name="form")
    except PyXFormError as exc:
        # pyxform's message names the sheet and row itself ("[row : 2] On the 'survey' ...").
        raise FormImportError(file, f"pyxform, the XLSForm reference, refuses it: {exc}") from None


def _read_settings(file: str, sheet: Sheet | None) -> _Settings:
    if sheet is None:
        return _Settings(None, [], None)
    columns = parse_columns(
        file,
        sheet,
        # form_title and form_id arrive as their aliases; listed so a misspelling is caught
        supported=_SETTINGS_USED | _SETTINGS_IGNORED | {"form_title", "form_id"},
        translatable={"title"},
        refused=_SETTINGS_REFUSED,
    )
    if sheet.rows:
        refuse_cells(file, sheet, columns, _SETTINGS_REFUSED, 2)
    settings = _Settings(sheet, columns, None)
    text, header = settings.get("default_language")
    if not text:
        return settings
    code = language_code(text)
    if code is None:
        raise FormImportError(
            file,
            f'which language is "{text}"? Write it like "Chinese (zh)" or "zh"',
            sheet="settings",
            row=2,
            column=header,
        )
    return _Settings(sheet, columns, code)


def _read_choices(file: str, sheet: Sheet | None, language: str) -> ChoiceLists:
    if sheet is None:
        return {}
    columns = parse_columns(
        file,
        sheet,
        supported={"list_name", "name", "label"},
        translatable={"label"},
        refused=_CHOICES_REFUSED,
    )
    check_language_columns(file, sheet, columns, language)
    lists: dict[str, list[Choice]] = {}
    rows: dict[tuple[str, str], int] = {}
    for row, _cells in sheet.filled_rows():
        refuse_cells(file, sheet, columns, _CHOICES_REFUSED, row)

        def fail(problem: str, key: str, row: int = row) -> FormImportError:
            header = next((c.header for c in columns if c.key == key), key)
            return FormImportError(file, problem, sheet="choices", row=row, column=header)

        list_name = cell(sheet, columns, "list_name", row)[0]
        name = cell(sheet, columns, "name", row)[0]
        if not list_name:
            raise fail("every choice needs the name of its list", "list_name")
        if not name:
            raise fail("every choice needs a name", "name")
        if re.search(r"\s", name):
            raise fail(
                f'"{name}" cannot be a choice name: it holds a space (multiple-choice answers '
                "are stored separated by spaces)",
                "name",
            )
        if (list_name, name) in rows:
            raise fail(
                f'"{name}" is already in list "{list_name}" (row {rows[list_name, name]})', "name"
            )
        rows[list_name, name] = row
        label = texts(sheet, columns, "label", row, language)
        if not label.get(language):
            raise fail(f"every choice needs a label in the default language ({language})", "label")
        lists.setdefault(list_name, []).append(Choice(name=name, label=label))
    return {name: tuple(choices) for name, choices in lists.items()}


def _form(
    file: str,
    stem: str,
    settings: _Settings,
    survey: Survey,
    default: str,
    languages: list[str],
) -> FormSpec:
    def fail(problem: str, key: str) -> FormImportError:
        header = settings.get(key)[1]
        row = 2 if header is not None and settings.sheet is not None else None
        column = header or _WRITTEN_AS.get(key, key)
        return FormImportError(file, problem, sheet="settings", row=row, column=column)

    form_id = settings.get("id_string")[0]
    if not form_id:
        form_id = stem
        if not re.fullmatch(ID_PATTERN, form_id):
            raise fail(
                f'missing, and the file name "{stem}" cannot serve as the form id: add a '
                "form_id of lower-case letters, digits, - and _ (like teacher-survey)",
                "id_string",
            )
    elif not re.fullmatch(ID_PATTERN, form_id):
        raise fail(
            f'"{form_id}" cannot be a form id: use lower-case letters, digits, - and _ '
            "(at most 64, like teacher-survey)",
            "id_string",
        )
    version = settings.get("version")[0]
    if not version:
        raise fail(
            "every form needs a version (like 2024051501): answers to different versions "
            "are told apart by it",
            "version",
        )
    mode_text = settings.get("lamplight:mode")[0].lower() or FormMode.SURVEY.value
    if mode_text not in {m.value for m in FormMode}:
        raise fail(f'"{mode_text}": write survey or quiz', "lamplight:mode")
    mode = FormMode(mode_text)
    anonymous_text = settings.get("lamplight:anonymous")[0]
    anonymous = yes_no(anonymous_text)
    if anonymous is None:
        raise fail(f'"{anonymous_text}": write yes or no', "lamplight:anonymous")
    quiz = _quiz_settings(settings, fail) if mode is FormMode.QUIZ else None
    if quiz is None:
        for key in _QUIZ_SETTINGS:
            if settings.get(key)[0]:
                raise fail("only a quiz has this setting (lamplight:mode is survey)", key)
    title = {}
    if settings.sheet is not None and settings.sheet.rows:
        title = texts(settings.sheet, settings.columns, "title", 2, default)
    try:
        return FormSpec(
            id=form_id,
            version=version,
            title=title or {default: form_id},
            default_language=default,
            languages=tuple(dict.fromkeys(languages)),
            mode=mode,
            anonymous=anonymous,
            quiz=quiz,
            pages=tuple(survey.pages),
        )
    except ValidationError as exc:
        field, problem = field_problem(exc)
        cause = exc.errors()[0].get("ctx", {}).get("error")
        where = getattr(cause, "where", None)
        if where is None:
            raise fail(problem, _FORM_FIELDS.get(field, field)) from None
        raise FormImportError(
            file,
            problem,
            sheet="survey",
            row=survey.rows.get(where),
            column=survey.header(field, default),
        ) from None


def _quiz_settings(
    settings: _Settings, fail: Callable[[str, str], FormImportError]
) -> QuizSettings:
    pass_text = settings.get("lamplight:pass_mark")[0]
    pass_mark: float | None = None
    if pass_text:
        try:
            pass_mark = float(pass_text)
        except ValueError:
            pass_mark = math.nan
        if not math.isfinite(pass_mark) or pass_mark <= 0:
            raise fail(f'"{pass_text}" is not a number of points above 0', "lamplight:pass_mark")
    attempts_text = settings.get("lamplight:attempts")[0] or "0"
    if not attempts_text.isdigit():
        raise fail(
            f'"{attempts_text}": write how many times a teacher may submit (0 for no limit)',
            "lamplight:attempts",
        )
    timing = settings.get("lamplight:show_feedback")[0].lower() or FeedbackTiming.AT_END.value
    if timing not in {t.value for t in FeedbackTiming}:
        known = ", ".join(t.value for t in FeedbackTiming)
        raise fail(f'"{timing}": write one of {known}', "lamplight:show_feedback")
    return QuizSettings(
        pass_mark=pass_mark, attempts=int(attempts_text), show_feedback=FeedbackTiming(timing)
    )
