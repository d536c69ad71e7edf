"""A report as plain data: sheets of titled tables, some with a bar chart, and its JSON form.

A :class:`Report` knows nothing of forms or statistics: whoever builds one turns analysis
results into rows of text and numbers, and :mod:`server.report_export` writes it as XLSX, CSV or
JSON. The classes check what they are given when made (every row as wide as its header, no NaN
or infinity, a chart's columns inside the table), so a writer never meets a bad table.

JSON schema (``schema`` and ``version`` are checked when read back)::

    {"schema": "lamplight-report", "version": 1, "title": str, "notes": [str],
     "sheets": [{"name": str, "tables": [
         {"title": str, "header": [str], "rows": [[str | int | float | bool | null]],
          "formats": [str | null], "notes": [str],
          "chart": null | {"title": str, "categories": int, "values": [int],
                           "horizontal": bool, "x_title": str | null, "y_title": str | null}}]}]}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "lamplight-report"
VERSION = 1

Cell = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """A bar chart of columns of a table, drawn beside the table in XLSX (ignored in CSV).

    Attributes:
        title: shown above the chart.
        categories: the column whose cells label the bars.
        values: the columns drawn, one series each (a legend appears for two or more).
        horizontal: bars across (good for long Chinese choice labels) rather than columns up.
        x_title: the title of the category axis.
        y_title: the title of the value axis.
    """

    title: str
    categories: int = 0
    values: tuple[int, ...] = (1,)
    horizontal: bool = False
    x_title: str | None = None
    y_title: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))
        if not self.values:
            raise ValueError(f"chart {self.title!r} draws no column")


@dataclass(frozen=True, slots=True)
class Table:
    """One titled table.

    Attributes:
        title: shown above the table (and the CSV file's name).
        header: the column names.
        rows: cells of ``str``, ``int``, ``float``, ``bool`` or ``None`` (an empty cell).
        chart: a bar chart of some of its columns, or ``None``.
        notes: lines shown under the table: a test's result, a warning, a merged group.
        formats: an Excel number format per column (``"0.0"``, ``"0.000"``; ``None``: general),
            or empty for all general.
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: ChartSpec | None = None
    notes: tuple[str, ...] = ()
    formats: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple(self.header))
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "formats", tuple(self.formats))
        width = len(self.header)
        for number, row in enumerate(self.rows, start=1):
            if len(row) != width:
                raise ValueError(f"{self.title!r} row {number} has {len(row)} cells, not {width}")
            for cell in row:
                _check_cell(cell, f"{self.title!r} row {number}")
        if self.formats and len(self.formats) != width:
            raise ValueError(f"{self.title!r} has {len(self.formats)} formats for {width} columns")
        if self.chart is not None:
            used = (self.chart.categories, *self.chart.values)
            if any(not 0 <= c < width for c in used):
                raise ValueError(f"the chart of {self.title!r} uses a column it does not have")


@dataclass(frozen=True, slots=True)
class Sheet:
    """One view of the report: an XLSX sheet; its name may hold anything (it is made safe)."""

    name: str
    tables: tuple[Table, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))


@dataclass(frozen=True, slots=True)
class Report:
    """A whole report: a title, notes for the first sheet, and the sheets in order."""

    title: str
    sheets: tuple[Sheet, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sheets", tuple(self.sheets))
        object.__setattr__(self, "notes", tuple(self.notes))


def _check_cell(cell: object, where: str) -> None:
    if cell is None or isinstance(cell, str | bool | int):
        return
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise ValueError(f"{where}: {cell} is not a number a report can show")
        return
    raise ValueError(f"{where}: a cell of type {type(cell).__name__} ({cell!r})")


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data, in the schema of this module's docstring."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "title": report.title,
        "notes": list(report.notes),
        "sheets": [
            {"name": sheet.name, "tables": [_table_to_dict(t) for t in sheet.tables]}
            for sheet in report.sheets
        ],
    }


def _table_to_dict(table: Table) -> dict[str, Any]:
    chart = table.chart
    return {
        "title": table.title,
        "header": list(table.header),
        "rows": [list(row) for row in table.rows],
        "formats": list(table.formats),
        "notes": list(table.notes),
        "chart": None
        if chart is None
        else {
            "title": chart.title,
            "categories": chart.categories,
            "values": list(chart.values),
            "horizontal": chart.horizontal,
            "x_title": chart.x_title,
            "y_title": chart.y_title,
        },
    }


def report_from_dict(data: Any) -> Report:
    """Read back what :func:`report_to_dict` wrote.

    Raises:
        ValueError: not a Lamplight report, a version this code does not know, or a part that
            does not fit the schema (the message says where).
    """
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"not a Lamplight report (schema is not {SCHEMA!r})")
    if data.get("version") != VERSION:
        raise ValueError(f"report version {data.get('version')!r}; this server reads {VERSION}")
    try:
        return Report(
            title=_str(data["title"]),
            notes=_strs(data["notes"]),
            sheets=tuple(
                Sheet(_str(s["name"]), tuple(_table_from_dict(t) for t in s["tables"]))
                for s in data["sheets"]
            ),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"the report does not fit the schema: {exc!r}") from exc


def _table_from_dict(data: dict[str, Any]) -> Table:
    chart = data["chart"]
    return Table(
        title=_str(data["title"]),
        header=_strs(data["header"]),
        rows=tuple(tuple(row) for row in data["rows"]),
        formats=tuple(None if f is None else _str(f) for f in data["formats"]),
        notes=_strs(data["notes"]),
        chart=None
        if chart is None
        else ChartSpec(
            title=_str(chart["title"]),
            categories=int(chart["categories"]),
            values=tuple(int(v) for v in chart["values"]),
            horizontal=bool(chart["horizontal"]),
            x_title=chart["x_title"],
            y_title=chart["y_title"],
        ),
    )


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    return value


def _strs(values: Sequence[object]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"expected a list of text, found {values!r}")
    return tuple(_str(v) for v in values)
