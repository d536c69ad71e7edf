"""The download list: a Qt model over the queued files, grouped by course.

Rows are of two kinds: a course (:class:`CourseGroup`, with its Pause/Resume button on the
screen) followed by its queued files (:class:`~app.storage.downloads.QueuedAsset`, frozen rows
from :func:`app.storage.downloads.queued`). Courses come in the order their first file is
downloaded; files keep download order within their course. A reload from the database resets
the model; a tick changes one file and its course (``dataChanged`` for those two rows).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.storage.downloads import QueuedAsset

Index = QModelIndex | QPersistentModelIndex

#: ``"course"`` or ``"file"``.
KindRole = Qt.ItemDataRole.UserRole + 1
#: A file row's :class:`QueuedAsset` (``None`` on a course row).
AssetRole = Qt.ItemDataRole.UserRole + 2
#: A course row's :class:`CourseGroup` (``None`` on a file row).
GroupRole = Qt.ItemDataRole.UserRole + 3
#: How much is here, 0.0-1.0 (a file: its bytes on disk; a course: of its queued files).
ShareRole = Qt.ItemDataRole.UserRole + 4
#: A file being downloaded right now.
ActiveRole = Qt.ItemDataRole.UserRole + 5
#: The course id (both kinds).
CourseIdRole = Qt.ItemDataRole.UserRole + 6

COURSE = "course"
FILE = "file"


@dataclass(frozen=True)
class CourseGroup:
    """One course's line above its queued files.

    Attributes:
        course_id, title: the course.
        files: its files still queued; ``size`` their bytes, ``have`` of them on disk.
        paused: every one of them is paused.
        failed: files waiting to be tried again after a failure.
    """

    course_id: str
    title: str
    files: int
    size: int
    have: int
    paused: bool
    failed: int

    @property
    def share(self) -> float:
        return min(1.0, self.have / self.size) if self.size > 0 else 0.0


def group_by_course(assets: list[QueuedAsset]) -> list[CourseGroup | QueuedAsset]:
    """The rows: each course's line, then its files (courses in order of their first file)."""
    by_course: dict[str, list[QueuedAsset]] = {}
    for asset in assets:
        by_course.setdefault(asset.course_id, []).append(asset)
    rows: list[CourseGroup | QueuedAsset] = []
    for files in by_course.values():
        rows.append(_group(files))
        rows.extend(files)
    return rows


def _group(files: list[QueuedAsset]) -> CourseGroup:
    first = files[0]
    return CourseGroup(
        course_id=first.course_id,
        title=first.course_title,
        files=len(files),
        size=sum(f.size for f in files),
        have=sum(f.have for f in files),
        paused=all(f.paused for f in files),
        failed=sum(1 for f in files if f.failures and not f.paused),
    )


class DownloadsModel(QAbstractListModel):
    """Course lines and their queued files; ``DisplayRole`` is the title."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CourseGroup | QueuedAsset] = []
        self._row_of: dict[str, int] = {}  # sha256 -> row
        self._group_of: dict[str, int] = {}  # course id -> row of its line
        self.active = ""  # sha256 being downloaded

    # Qt overrides -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        group = row if isinstance(row, CourseGroup) else None
        asset = row if isinstance(row, QueuedAsset) else None
        if role == Qt.ItemDataRole.DisplayRole:
            return group.title if group is not None else asset.title if asset else None
        if role == KindRole:
            return COURSE if group is not None else FILE
        if role == AssetRole:
            return asset
        if role == GroupRole:
            return group
        if role == ShareRole:
            if group is not None:
                return group.share
            assert asset is not None
            return min(1.0, asset.have / asset.size) if asset.size > 0 else 0.0
        if role == ActiveRole:
            return asset is not None and asset.sha256 == self.active
        if role == CourseIdRole:
            return row.course_id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

    # Ours ---------------------------------------------------------------------------------
    def set_assets(self, assets: list[QueuedAsset]) -> None:
        """Replaces everything with the queue as read from the database."""
        self.beginResetModel()
        self._rows = group_by_course(assets)
        self._index_rows()
        self.endResetModel()

    def _index_rows(self) -> None:
        self._row_of = {r.sha256: i for i, r in enumerate(self._rows) if isinstance(r, QueuedAsset)}
        self._group_of = {
            r.course_id: i for i, r in enumerate(self._rows) if isinstance(r, CourseGroup)
        }

    def update_have(self, sha256: str, have: int) -> bool:
        """A tick: ``sha256`` has ``have`` bytes on disk and is the one downloading now.
        Returns whether the file is in the list."""
        if sha256 != self.active:
            self.clear_active()
            self.active = sha256
        row = self._row_of.get(sha256)
        if row is None:
            return False
        asset = self._rows[row]
        assert isinstance(asset, QueuedAsset)
        have = min(have, asset.size)
        if have != asset.have:
            self._rows[row] = dataclasses.replace(asset, have=have)
            group_row = self._group_of[asset.course_id]
            group = self._rows[group_row]
            assert isinstance(group, CourseGroup)
            self._rows[group_row] = dataclasses.replace(group, have=group.have + have - asset.have)
            self._changed(group_row)
        self._changed(row)
        return True

    def clear_active(self) -> None:
        previous = self._row_of.get(self.active)
        self.active = ""
        if previous is not None:
            self._changed(previous)

    def _changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def row_at(self, row: int) -> CourseGroup | QueuedAsset:
        return self._rows[row]

    def group_rows(self) -> list[int]:
        """The rows of the course lines."""
        return sorted(self._group_of.values())

    def assets(self) -> list[QueuedAsset]:
        return [r for r in self._rows if isinstance(r, QueuedAsset)]

    def groups(self) -> list[CourseGroup]:
        return [r for r in self._rows if isinstance(r, CourseGroup)]

    def row_of(self, sha256: str) -> int | None:
        return self._row_of.get(sha256)
