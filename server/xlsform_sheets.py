"""Reading an XLSForm workbook into plain rows, and the column and language rules shared by
its sheets. :mod:`server.xlsform` is the way in; this module knows nothing of questions.

Only ``.xlsx`` workbooks are read (Excel 2007 and later, WPS, LibreOffice all save them):
the file's first bytes decide, not its name. An old ``.xls``, a CSV or anything else is
refused with a sentence saying what to do. pyxform (``xlsx_to_dict``) reads the cells: every
value is a trimmed string, and row ``i`` of a sheet's list is spreadsheet row ``i + 2`` (row 1
holds the column headers; pyxform keeps empty rows in the middle so the numbers stay true).

Columns. A header is ``key`` or ``key::language``; the key is matched without case and with
spaces as ``_`` (``Constraint Message`` is ``constraint_message``), after the aliases pyxform
also knows (``relevance``, ``jr:constraintMsg``...). A language suffix becomes a code:
``Chinese (zh)`` -> ``zh`` (the code in brackets, as ODK recommends), ``zh`` or ``en-GB`` as
written (primary subtag lower-cased), and the names ``Chinese``/``中文``/``汉语``/
``English``/``英文``/``英语``; anything else is refused, asking for ``Name (code)``.
A column without a language is in the form's default language.

Errors::

    FormImportError   (sheet, row, column: where; problem: what)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import xlsx_to_dict

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container

_ALIASES = {
    "relevance": "relevant",
    "caption": "label",
    "jr:constraintmsg": "constraint_message",
    "constraining_message": "constraint_message",
    "jr:requiredmsg": "required_message",
    "requiredmsg": "required_message",
    "readonly": "read_only",
    "calculate": "calculation",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "form_title": "title",
    "set_form_title": "title",
    "form_id": "id_string",
    "set_form_id": "id_string",
}
_LANGUAGE_NAMES = {
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    "简体中文": "zh",
    "english": "en",
    "英文": "en",
    "英语": "en",
}
_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_IN_BRACKETS = re.compile(r"[(（]\s*([^()（）]*?)\s*[)）]\s*$")
_YES = {"yes", "true", "true()", "1"}
_NO = {"no", "false", "false()", "0", ""}


class FormImportError(Exception):
    """A workbook Lamplight cannot publish; the message says where and what.

    Attributes:
        file: the workbook's path, as given.
        sheet, row, column: where the problem is, as far as it has a place (row 1 is the
            header row; ``None`` when the problem is the whole file or sheet).
        problem: what is wrong, in a sentence.
    """

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.problem = problem
        place = [f"{sheet} sheet"] if sheet else []
        if row is not None:
            place.append(f"row {row}")
        if column is not None:
            place.append(f'column "{column}"')
        where = ", ".join(place)
        super().__init__(f"{file}: {where}: {problem}" if where else f"{file}: {problem}")


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells: ``rows[i]`` is spreadsheet row ``i + 2``, header to trimmed text."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[Mapping[str, str], ...]

    def filled_rows(self) -> Iterator[tuple[int, Mapping[str, str]]]:
        """(row number, cells) of every row with something in it."""
        for index, row in enumerate(self.rows):
            if any(value.strip() for value in row.values()):
                yield index + 2, row


@dataclass(frozen=True)
class Column:
    header: str  # as written in row 1
    key: str  # canonical, e.g. "label", "constraint_message", "lamplight:answer"
    language: str | None  # a language code; None for a column without a language


@dataclass(frozen=True)
class Workbook:
    names: list[str]  # every sheet's name, as written
    sheets: dict[str, Sheet]  # the XLSForm sheets, by lower-case name
    raw: dict[str, Any]  # what pyxform read, for its own checks (see server.xlsform)


def read_workbook(path: Path) -> Workbook:
    """The workbook's sheets.

    Raises:
        FormImportError: the file is missing, is not an ``.xlsx`` workbook, or cannot be read.
    """
    file = str(path)
    if not path.is_file():
        raise FormImportError(file, "there is no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise FormImportError(file, "the file is empty")
    if head.startswith(OLE_MAGIC):
        raise FormImportError(
            file,
            "this is an old-style .xls workbook; open it in Excel or WPS and save it as .xlsx",
        )
    if not head.startswith(ZIP_MAGIC):
        raise FormImportError(file, "this is not a spreadsheet; Lamplight reads .xlsx workbooks")
    try:
        book = xlsx_to_dict(str(path))
    except (PyXFormError, BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FormImportError(file, f"this .xlsx workbook cannot be read ({exc})") from None
    names = [str(n) for n in book.get("sheet_names", [])]
    sheets: dict[str, Sheet] = {}
    for name in ("survey", "choices", "settings", "external_choices", "entities", "osm"):
        if name in {n.lower() for n in names} and name in book:
            header_row = book.get(f"{name}_header") or [{}]
            sheets[name] = Sheet(
                name=name,
                headers=tuple(str(h) for h in header_row[0]),
                rows=tuple(
                    {str(k): str(v) for k, v in row.items() if v is not None} for row in book[name]
                ),
            )
    return Workbook(names, sheets, book)


def column_key(header: str) -> tuple[str, str | None]:
    """``("constraint_message", "Chinese (zh)")`` for ``Constraint Message::Chinese (zh)``."""
    base, separator, language = header.partition("::")
    key = "_".join(base.split()).lower()
    key = _ALIASES.get(key, key)
    return key, (language.strip() if separator else None)


def language_code(text: str) -> str | None:
    """The language code a column suffix or setting names, or ``None`` (see the docstring)."""
    text = text.strip()
    bracketed = _IN_BRACKETS.search(text)
    candidate = bracketed.group(1) if bracketed else text
    if _CODE.fullmatch(candidate):
        primary, *rest = candidate.replace("_", "-").split("-")
        return "-".join([primary.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])
    return _LANGUAGE_NAMES.get(text.lower())


def parse_columns(
    file: str,
    sheet: Sheet,
    *,
    supported: Collection[str],
    translatable: Collection[str],
    refused: Mapping[str, str],
) -> list[Column]:
    """The sheet's columns Lamplight reads, and the refused ones (checked cell by cell later).

    Unknown columns are skipped, as ODK does (authors keep notes in them), except those with
    Lamplight's prefix or that look like a misspelt known column, which are refused at row 1.
    """
    columns: list[Column] = []
    for header in sheet.headers:
        key, suffix = column_key(header)

        def fail(problem: str, header: str = header) -> FormImportError:
            return FormImportError(file, problem, sheet=sheet.name, row=1, column=header)

        if key in refused:
            columns.append(Column(header, key, None))
            continue
        if key not in supported:
            if key.startswith("lamplight:"):
                ours = ", ".join(sorted(k for k in supported if k.startswith("lamplight:")))
                raise fail(f"not a Lamplight column (on the {sheet.name} sheet: {ours})")
            base, colon, rest = key.partition(":")
            if colon and base in translatable and rest:
                raise fail(
                    f'write the language after two colons: "{base}::{header[len(base) + 1 :]}"'
                )
            near = difflib.get_close_matches(key, [*supported, *refused], n=1, cutoff=0.8)
            if near:
                raise fail(f'unknown column; did you mean "{near[0]}"?')
            continue
        language = None
        if suffix is not None:
            if key not in translatable:
                raise fail(f'"{key}" has no languages; write the column as "{key}"')
            language = language_code(suffix)
            if language is None:
                raise fail(
                    f'which language is "{suffix}"? Write it with its code in brackets, '
                    f'like "{key}::Chinese (zh)" or "{key}::English (en)"'
                )
        columns.append(Column(header, key, language))
    return columns


def refuse_cells(
    file: str, sheet: Sheet, columns: list[Column], refused: Mapping[str, str], row: int
) -> None:
    """Refuses the first filled cell of ``row`` in a column Lamplight does not support."""
    cells = sheet.rows[row - 2]
    for column in columns:
        if column.key in refused and cells.get(column.header, "").strip():
            raise FormImportError(
                file,
                f"{refused[column.key]} are not supported by Lamplight",
                sheet=sheet.name,
                row=row,
                column=column.header,
            )


def texts(
    sheet: Sheet,
    columns: list[Column],
    key: str,
    row: int,
    default_language: str,
) -> dict[str, str]:
    """``{language: text}`` from the ``key`` columns of ``row`` (empty cells left out)."""
    out: dict[str, str] = {}
    for column in columns:
        if column.key != key:
            continue
        value = sheet.rows[row - 2].get(column.header, "").strip()
        if value:
            out[column.language or default_language] = value
    return out


def check_language_columns(
    file: str, sheet: Sheet, columns: list[Column], default_language: str
) -> None:
    """Refuses two columns giving the same text in the same language."""
    seen: dict[tuple[str, str], str] = {}
    for column in columns:
        where = (column.key, column.language or default_language)
        if where in seen:
            raise FormImportError(
                file,
                f'both this column and "{seen[where]}" hold {column.key} in {where[1]}',
                sheet=sheet.name,
                row=1,
                column=column.header,
            )
        seen[where] = column.header


def yes_no(value: str) -> bool | None:
    """``True``/``False`` for yes/no/true/false (any case; Excel's TRUE too), else ``None``."""
    lowered = value.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    return None


def cell(sheet: Sheet, columns: list[Column], key: str, row: int) -> tuple[str, str | None]:
    """The text of the ``key`` column in ``row`` and that column's header (None if absent)."""
    for column in columns:
        if column.key == key:
            return sheet.rows[row - 2].get(column.header, "").strip(), column.header
    return "", None
