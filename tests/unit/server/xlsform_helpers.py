"""Writing XLSForm workbooks for the importer's tests: real .xlsx files made with openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from server.xlsform import FormImportError, load_xlsform
from wire.forms import FormSpec

Rows = list[list[Any]]
VERSION: Rows = [["version"], ["2024050101"]]
YES_NO: Rows = [["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "no", "否"]]
_DEFAULT: Any = object()


def write(
    folder: Path,
    survey: Rows | None,
    choices: Rows | None = None,
    settings: Rows | None = _DEFAULT,
    *,
    name: str = "form.xlsx",
    others: dict[str, Rows] | None = None,
) -> Path:
    """An .xlsx with the given sheets (``None``: no such sheet); rows as lists of cells."""
    book = Workbook()
    book.remove(book.active)
    sheets = {
        "survey": survey,
        "choices": choices,
        "settings": VERSION if settings is _DEFAULT else settings,
        **(others or {}),
    }
    for title, rows in sheets.items():
        if rows is None:
            continue
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = folder / name
    book.save(path)
    return path


def load(folder: Path, survey: Rows | None, *args: Any, **kwargs: Any) -> FormSpec:
    return load_xlsform(write(folder, survey, *args, **kwargs))


def refusal(folder: Path, survey: Rows | None, *args: Any, **kwargs: Any) -> FormImportError:
    path = write(folder, survey, *args, **kwargs)
    with pytest.raises(FormImportError) as caught:
        load_xlsform(path)
    assert str(caught.value).startswith(f"{path}: ")
    return caught.value


S: Rows = [["type", "name", "label"], ["text", "first", "第一题"]]  # a valid start, row 2
