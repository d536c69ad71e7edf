"""Writing a :class:`~server.report_model.Report` as XLSX, CSV or JSON.

- **XLSX** (:func:`write_xlsx`): one sheet per :class:`~server.report_model.Sheet`, its tables
  one under the other, each with a bold title, a shaded header and its notes below; a table with
  a chart gets an openpyxl bar chart to its right. Sheet names are made legal for Excel (see
  :func:`sheet_names`); columns are as wide as their text (Chinese characters count double).
- **CSV** (:func:`write_csv`): a folder with one file per table (``01-<sheet>-<table>.csv``),
  only the header and rows so it opens as a clean table, and ``index.csv`` listing every file
  with its sheet, title and notes. UTF-8 with a byte order mark, which Excel in China needs to
  read the file as UTF-8 rather than GBK.
- **JSON** (:func:`write_json`, :func:`read_json`): the schema in :mod:`server.report_model`.

Text that teachers typed can reach a report (an answer to an open question), so a cell that
starts like a formula stays text: XLSX stores it as a string, CSV prefixes it with ``'``.
Every file is written next to its final name and renamed into place, so a half-written report
never stands under the real name.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.report_model import (
    Cell,
    ChartSpec,
    Report,
    Sheet,
    Table,
    report_from_dict,
    report_to_dict,
)

__all__ = [
    "ChartSpec",
    "Report",
    "Sheet",
    "Table",
    "read_json",
    "sanitize_sheet_name",
    "sheet_names",
    "write_csv",
    "write_json",
    "write_xlsx",
]

SHEET_NAME_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FILE_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Rows a chart covers (openpyxl's default 7.5 cm at 15-point rows), so charts never overlap.
CHART_ROWS = 16
COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX = 8, 50

_TITLE = Font(bold=True, size=14)
_TABLE_TITLE = Font(bold=True, size=12)
_HEADER = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_HEADER_BORDER = Border(bottom=Side(style="thin"))
_NOTE = Font(italic=True, color="555555")


def _utf16_len(text: str) -> int:
    # Excel counts a name's length in UTF-16 units: an emoji takes two of the 31.
    return len(text.encode("utf-16-le")) // 2


def sanitize_sheet_name(name: str) -> str:
    """A legal Excel sheet name: no ``[]:*?/\\``, at most 31 long, not blank or ``History``."""
    clean = _SHEET_BAD.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name)).strip().strip("'")
    while _utf16_len(clean) > SHEET_NAME_MAX:
        clean = clean[:-1]
    clean = clean.strip().strip("'")
    if not clean:
        return "Sheet"
    return f"{clean}_" if clean.casefold() == "history" else clean  # Excel reserves History


def sheet_names(names: Sequence[str]) -> list[str]:
    """Legal and distinct sheet names (Excel ignores case): a repeat gets `` (2)``, `` (3)``."""
    out: list[str] = []
    taken: set[str] = set()
    for name in names:
        base = candidate = sanitize_sheet_name(name)
        number = 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            stem = base
            while _utf16_len(stem + suffix) > SHEET_NAME_MAX:
                stem = stem[:-1]
            candidate = stem + suffix
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _text_width(value: Cell) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _xlsx_value(value: Cell) -> Cell:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _put(ws: Worksheet, row: int, column: int, value: Cell) -> Any:
    cell = ws.cell(row=row, column=column, value=_xlsx_value(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # teachers' text, never a formula
    return cell


def _chart(ws: Worksheet, spec: ChartSpec, header_row: int, last_row: int) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if spec.horizontal else "col"
    chart.title = spec.title
    for column in spec.values:
        ref = Reference(ws, min_col=column + 1, min_row=header_row, max_row=last_row)
        chart.add_data(ref, titles_from_data=True)
    cats = Reference(ws, min_col=spec.categories + 1, min_row=header_row + 1, max_row=last_row)
    chart.set_categories(cats)
    chart.x_axis.title = spec.x_title
    chart.y_axis.title = spec.y_title
    # openpyxl leaves `delete` unset, and recent Excel then hides both axes.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if spec.horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
    if len(spec.values) == 1:
        chart.legend = None
    return chart


def _write_table(ws: Worksheet, table: Table, top: int, widths: dict[int, int]) -> int:
    """Write one table from row ``top``; returns the first row free after it (and its chart)."""
    _put(ws, top, 1, table.title).font = _TABLE_TITLE
    header_row = top + 1
    for column, name in enumerate(table.header, start=1):
        cell = _put(ws, header_row, column, name)
        cell.font, cell.fill, cell.border = _HEADER, _HEADER_FILL, _HEADER_BORDER
        widths[column] = max(widths.get(column, 0), _text_width(name))
    for offset, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = _put(ws, header_row + offset, column, value)
            number_format = table.formats[column - 1] if table.formats else None
            if number_format and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = number_format
            widths[column] = max(widths.get(column, 0), _text_width(value))
    last_row = header_row + len(table.rows)
    for offset, note in enumerate(table.notes, start=1):
        _put(ws, last_row + offset, 1, note).font = _NOTE
    end = last_row + len(table.notes) + 2
    if table.chart is not None and table.rows:
        chart = _chart(ws, table.chart, header_row, last_row)
        ws.add_chart(chart, f"{get_column_letter(len(table.header) + 2)}{top}")
        end = max(end, top + CHART_ROWS + 1)
    return end


def _write_sheet(ws: Worksheet, report: Report, sheet: Sheet, first: bool) -> None:
    _put(ws, 1, 1, report.title).font = _TITLE
    row = 2
    for note in report.notes if first else ():
        _put(ws, row, 1, note).font = _NOTE
        row += 1
    row += 1
    widths: dict[int, int] = {}
    for table in sheet.tables:
        row = _write_table(ws, table, row, widths)
    for column, width in widths.items():
        fitted = min(max(width + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX)
        ws.column_dimensions[get_column_letter(column)].width = fitted


def _replace_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_xlsx(report: Report, path: Path) -> None:
    """Write the report as an Excel workbook, one sheet per view (see the module docstring)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = report.sheets or (Sheet(report.title),)
    names = sheet_names([s.name for s in sheets])
    for index, (sheet, name) in enumerate(zip(sheets, names, strict=True)):
        _write_sheet(workbook.create_sheet(name), report, sheet, first=index == 0)
    _replace_atomically(path, workbook.save)


def _csv_text(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # Excel would run "=..." typed by a teacher as a formula
    return value


def _file_part(text: str, limit: int = 40) -> str:
    clean = _FILE_BAD.sub("_", text).strip().rstrip(".")
    return clean[:limit] or "_"


def _write_rows(path: Path, rows: list[Sequence[Cell]]) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([[_csv_text(v) for v in r] for r in rows])
    data = text.getvalue().encode("utf-8-sig")
    _replace_atomically(path, lambda stream: stream.write(data))


def write_csv(report: Report, folder: Path) -> list[Path]:
    """Write one CSV per table into ``folder``, and ``index.csv`` describing them.

    Returns:
        The tables' files in report order (``index.csv`` not included).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    index: list[Sequence[Cell]] = [("文件", "工作表", "表格", "说明")]
    number = 0
    for sheet in report.sheets:
        for table in sheet.tables:
            number += 1
            name = f"{number:02d}-{_file_part(sheet.name)}-{_file_part(table.title)}.csv"
            _write_rows(folder / name, [table.header, *table.rows])
            written.append(folder / name)
            index.append((name, sheet.name, table.title, "\n".join(table.notes)))
    _write_rows(folder / "index.csv", index)
    return written


def write_json(report: Report, path: Path) -> None:
    """Write the report as UTF-8 JSON (Chinese as is, not ``\\u`` escapes)."""
    text = json.dumps(report_to_dict(report), ensure_ascii=False, indent=2, allow_nan=False)
    _replace_atomically(path, lambda stream: stream.write((text + "\n").encode()))


def read_json(path: Path) -> Report:
    """Read a report :func:`write_json` wrote.

    Raises:
        ValueError: the file is not JSON or not a report of a version this code reads.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    return report_from_dict(data)
