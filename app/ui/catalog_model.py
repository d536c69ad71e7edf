"""The catalog list: a Qt model over :class:`~app.storage.catalog.CourseRow` pages.

Rows come from SQL in pages (search and paging are SQL's job); the view asks for more with
``fetchMore`` as the teacher scrolls, so thousands of courses cost only what is on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.storage.catalog import CourseRow

PAGE = 200
CourseRole = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex
#: Loads one page: (search, offset, limit) -> rows.
PageLoader = Callable[[str, int, int], list[CourseRow]]


class CatalogModel(QAbstractListModel):
    """One row per course; ``DisplayRole`` is the title, ``CourseRole`` the whole CourseRow."""

    def __init__(self, loader: PageLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._rows: list[CourseRow] = []
        self._search = ""
        self._exhausted = True

    # Qt overrides -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.description or None
        if role == CourseRole:
            return row
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        more = self._loader(self._search, len(self._rows), PAGE)
        self._exhausted = len(more) < PAGE
        if more:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    # Ours ---------------------------------------------------------------------------------
    def set_rows(self, search: str, rows: list[CourseRow]) -> None:
        """Replaces everything with the first page of a (new) search."""
        self.beginResetModel()
        self._search = search
        self._rows = list(rows)
        self._exhausted = len(rows) < PAGE
        self.endResetModel()

    def reload(self, search: str | None = None) -> None:
        """Loads the first page again, for ``search`` (or the current one)."""
        query = self._search if search is None else search
        self.set_rows(query, self._loader(query, 0, PAGE))

    def update_course(self, row: CourseRow) -> None:
        """Refreshes one course's line (e.g. when its download finished)."""
        for i, old in enumerate(self._rows):
            if old.id == row.id:
                self._rows[i] = row
                index = self.index(i)
                self.dataChanged.emit(index, index)
                return

    def course_at(self, row: int) -> CourseRow:
        return self._rows[row]

    @property
    def search(self) -> str:
        return self._search
