"""The records the county server refused, in plain words, with details to copy for the
training coordinator. The records themselves stay on this PC; nothing is deleted here."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.storage import records
from app.storage.records import Problem
from app.ui.texts import local_time

WHEN, WHAT = 0, 1
COLUMNS = 2
#: The :class:`Problem` of a row.
ProblemRole = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


class ProblemsModel(QAbstractTableModel):
    """One row per refused record: when the server refused it, and why, in plain words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Problem] = []

    def load(self, problems: Sequence[Problem]) -> None:
        self.beginResetModel()
        self.rows = list(problems)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        problem = self.rows[index.row()]
        if role == ProblemRole:
            return problem
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == WHEN:
                return local_time(problem.noted_at).strftime("%Y-%m-%d %H:%M")
            if index.column() == WHAT:
                return self.explain(problem.code)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == WHEN:
            return self.tr("When")
        if section == WHAT:
            return self.tr("What happened")
        return None

    def explain(self, code: str) -> str:
        if code == "conflict":
            return self.tr(
                "The county server already has a different copy of this record. Nothing was overwritten."
            )
        if code == "forbidden":
            return self.tr(
                "The county server does not let this computer send work for this teacher."
            )
        return self.tr("The county server could not read this record.")


class ProblemsDialog(QDialog):
    """Lists :func:`app.storage.records.problems`."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Records not accepted"))
        self.setMinimumSize(760, 460)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Records the county server did not accept"))
        title.setProperty("role", "title")
        title.setWordWrap(True)
        layout.addWidget(title)
        hint = QLabel(
            self.tr(
                "These records are still kept on this computer. Please show this list to your training coordinator; the button below copies the details for them."
            )
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.model = ProblemsModel(self)
        with context.db.read_session() as session:
            self.model.load(records.problems(session))
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        rows = self.view.verticalHeader()
        rows.hide()
        rows.setMinimumSectionSize(44)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(WHEN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WHAT, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton(self.tr("Copy details"))
        self.copy_button.setMinimumHeight(48)
        self.copy_button.clicked.connect(self.copy_details)
        close = QPushButton(self.tr("Close"))
        close.setProperty("primary", True)
        close.setMinimumHeight(48)
        close.clicked.connect(self.accept)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def details(self) -> str:
        """For the coordinator: one line per record (id, code, the server's words)."""
        return "\n".join(
            f"{p.noted_at.isoformat()} {p.record_id} {p.code}: {p.detail}" for p in self.model.rows
        )

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details())
