"""The PDF reader: one page at a time, big Previous/Next buttons, pages read are recorded.

QtPdf is imported only when a document is opened.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.context import AppContext
from app.storage import progress
from app.storage.catalog import ItemRow
from app.storage.profiles import Teacher
from app.ui import message
from app.ui.viewer_header import add_viewer_header


class DocumentPage(QWidget):
    """Signals:
    closed(): the teacher left the document.
    """

    closed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.item: ItemRow | None = None
        self.teacher: Teacher | None = None
        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.SinglePage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.title = add_viewer_header(layout, self.close_document)
        layout.addWidget(self.view, 1)
        controls = QHBoxLayout()
        self.previous = QPushButton(self.tr("Previous page"))
        self.previous.setMinimumSize(180, 56)
        self.previous.clicked.connect(lambda: self.go_to(self.page() - 1))
        controls.addWidget(self.previous)
        controls.addStretch(1)
        self.page_label = QLabel()
        controls.addWidget(self.page_label)
        controls.addStretch(1)
        self.next = QPushButton(self.tr("Next page"))
        self.next.setProperty("primary", True)
        self.next.setMinimumSize(180, 56)
        self.next.clicked.connect(lambda: self.go_to(self.page() + 1))
        controls.addWidget(self.next)
        layout.addLayout(controls)
        self.view.pageNavigator().currentPageChanged.connect(self._on_page)

    def open_item(self, item: ItemRow, teacher: Teacher) -> bool:
        path = self.context.content.path_of(item.sha256)
        if path is None:
            message.error(
                self.tr(
                    "This document is no longer on this computer. Please download the course again."
                )
            )
            return False
        self.item, self.teacher = None, teacher  # no recording while loading
        self.document.close()
        if self.document.load(str(path)) != QPdfDocument.Error.None_:
            message.error(
                self.tr("This document cannot be opened. Please download the course again.")
            )
            return False
        self.title.setText(item.title)
        with self.context.db.read_session() as session:
            events = progress.events_for(session, teacher, [item.id])[item.id]
        start = int(progress.document_progress(events).resume_at)
        start = min(max(0, start), self.pages() - 1)
        self.item = item
        self.go_to(start)
        self._on_page(start)
        return True

    def pages(self) -> int:
        return self.document.pageCount()

    def page(self) -> int:
        return self.view.pageNavigator().currentPage()

    def go_to(self, page: int) -> None:
        if 0 <= page < self.pages():
            self.view.pageNavigator().jump(page, QPointF(), self.view.pageNavigator().currentZoom())

    def _on_page(self, page: int) -> None:
        total = self.pages()
        self.page_label.setText(
            self.tr("Page %1 of %2").replace("%1", str(page + 1)).replace("%2", str(total))
        )
        self.previous.setEnabled(page > 0)
        self.next.setEnabled(page < total - 1)
        if self.item is None or self.teacher is None or total <= 0:
            return
        with self.context.db.write() as session:
            progress.record(
                session,
                self.teacher,
                self.item.id,
                progress.DOCUMENT_PAGE,
                {"page": page, "pages": total},
                clock=self.context.clock,
            )

    def close_document(self) -> None:
        self.item = None
        self.document.close()
        self.closed.emit()
