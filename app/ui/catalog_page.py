"""All courses: a search box and a long list that loads as the teacher scrolls."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.storage import catalog
from app.storage.catalog import CourseRow
from app.ui.catalog_model import CatalogModel, CourseRole

ROW_HEIGHT = 84
SEARCH_DELAY_MS = 250


class CourseDelegate(QStyledItemDelegate):
    """Draws a course as a card: title, one line of description, and its state on the right."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row: CourseRow | None = index.data(CourseRole)
        if row is None:
            return
        painter.save()
        rect = option.rect.adjusted(8, 4, -8, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor("#d8cfbd"))
        painter.setBrush(QColor("#fbe9d0" if selected else "#fff8ec" if hovered else "#ffffff"))
        painter.drawRoundedRect(rect, 8, 8)
        state = self.state_text(row)
        base = QFont(option.font)
        title_font = QFont(base)
        title_font.setBold(True)
        title_font.setPointSizeF(base.pointSizeF() * 1.1)
        state_width = QFontMetrics(base).horizontalAdvance(state) + 24
        text_rect = rect.adjusted(16, 8, -state_width - 16, -8)
        painter.setPen(QColor("#222222"))
        painter.setFont(title_font)
        title_rect = QRect(
            text_rect.left(), text_rect.top(), text_rect.width(), text_rect.height() // 2
        )
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(title_font).elidedText(
                row.title, Qt.TextElideMode.ElideRight, title_rect.width()
            ),
        )
        painter.setFont(base)
        painter.setPen(QColor("#5a5a5a"))
        desc_rect = QRect(
            text_rect.left(), title_rect.bottom(), text_rect.width(), text_rect.height() // 2
        )
        summary = row.description.splitlines()[0] if row.description else ""
        painter.drawText(
            desc_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(base).elidedText(summary, Qt.TextElideMode.ElideRight, desc_rect.width()),
        )
        painter.setPen(QColor("#2e7d32" if row.ready else "#8a6d3b"))
        painter.drawText(
            rect.adjusted(0, 0, -16, 0),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            state,
        )
        painter.restore()

    def state_text(self, row: CourseRow) -> str:
        if row.ready:
            return self.tr("Ready to use")
        if row.requested:
            return self.tr("Downloading")
        return self.tr("%n item(s)").replace("%n", str(row.item_count))


class CatalogPage(QWidget):
    """Signals:
    course_chosen(str): the teacher opened a course (its id).
    """

    course_chosen = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 8)
        top = QHBoxLayout()
        title = QLabel(self.tr("Courses"))
        title.setProperty("role", "title")
        top.addWidget(title)
        top.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setProperty("role", "hint")
        top.addWidget(self.count_label)
        layout.addLayout(top)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search courses: type a word from the title"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.empty = QLabel()
        self.empty.setProperty("role", "hint")
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)
        self.model = CatalogModel(self._load_page, self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(CourseDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setMouseTracking(True)
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setSpacing(2)
        self.view.clicked.connect(self._open)
        self.view.activated.connect(self._open)
        layout.addWidget(self.view, 1)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())

    def _load_page(self, search: str, offset: int, limit: int) -> list[CourseRow]:
        with self.context.db.read_session() as session:
            return catalog.list_courses(session, search, offset, limit)

    def reload(self) -> None:
        """Reads the catalog again (after a refresh from the server or a download)."""
        self.model.reload(self.search.text().strip())
        self._update_labels()

    def apply_search(self) -> None:
        self.model.reload(self.search.text().strip())
        self._update_labels()

    def _update_labels(self) -> None:
        with self.context.db.read_session() as session:
            total = catalog.count_courses(session, self.model.search)
        self.count_label.setText(self.tr("%n course(s)").replace("%n", str(total)))
        if total == 0 and self.model.search:
            self.empty.setText(
                self.tr("No course matches \u201c%1\u201d. Try a shorter word.").replace(
                    "%1", self.model.search
                )
            )
        elif total == 0:
            self.empty.setText(
                self.tr("No courses yet. They appear when this computer reaches the county server.")
            )
        self.empty.setVisible(total == 0)

    def refresh_course(self, course_id: str) -> None:
        with self.context.db.read_session() as session:
            row = catalog.course_row(session, course_id)
        if row is not None:
            self.model.update_course(row)

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.course_chosen.emit(self.model.course_at(index.row()).id)
