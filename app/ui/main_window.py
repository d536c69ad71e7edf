"""The main window: a header with who is learning, the pages, and the status line.

Pages: profile picker -> course list -> one course -> video or document. Players are made the
first time they are needed (QtMultimedia and QtPdf are not loaded at start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.storage.catalog import ItemRow
from app.storage.profiles import Teacher
from app.ui import message
from app.ui.catalog_page import CatalogPage
from app.ui.course_page import CoursePage
from app.ui.profile_page import ProfilePage
from app.ui.status import StatusLine
from app.ui.texts import describe_error
from app.ui.workers import Op

if TYPE_CHECKING:
    from app.ui.document_page import DocumentPage
    from app.ui.video_page import VideoPage


class MainWindow(QMainWindow):
    """Signals:
    catalog_refreshed(int): a catalog refresh finished (number of courses changed; -1 failed).
    """

    catalog_refreshed = Signal(int)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.teacher: Teacher | None = None
        self._video: VideoPage | None = None
        self._document: DocumentPage | None = None
        self.setWindowTitle(self.tr("Lamplight - teacher training"))
        self.resize(1100, 760)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        header = QWidget()
        header.setObjectName("header")
        header.setStyleSheet("#header { background: #3b2f2a; } #header QLabel { color: #fff3df; }")
        bar = QHBoxLayout(header)
        bar.setContentsMargins(20, 8, 20, 8)
        app_name = QLabel(self.tr("Lamplight"))
        app_name.setStyleSheet("font-size: 18pt; font-weight: bold;")
        bar.addWidget(app_name)
        bar.addStretch(1)
        self.teacher_label = QLabel()
        bar.addWidget(self.teacher_label)
        self.switch_button = QPushButton(self.tr("Switch teacher"))
        self.switch_button.clicked.connect(self.sign_out)
        self.switch_button.hide()
        bar.addWidget(self.switch_button)
        outer.addWidget(header)

        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.profiles = ProfilePage(context)
        self.catalog = CatalogPage(context)
        self.course = CoursePage(context)
        for page in (self.profiles, self.catalog, self.course):
            self.stack.addWidget(page)
        self.profiles.opened.connect(self.sign_in)
        self.catalog.course_chosen.connect(self.open_course)
        self.course.back.connect(self.show_catalog)
        self.course.item_opened.connect(self.open_item)
        self.course.course_changed.connect(self.catalog.refresh_course)

        self.status = StatusLine(context)
        self.statusBar().addPermanentWidget(self.status, 1)
        message.bus().listen(self.show_message)
        self.catalog.reload()

    # Navigation ------------------------------------------------------------------------------
    def sign_in(self, teacher: Teacher) -> None:
        self.teacher = teacher
        self.teacher_label.setText(self.tr("Learning now: %1").replace("%1", teacher.name))
        self.switch_button.show()
        self.show_catalog()

    def sign_out(self) -> None:
        if self._video is not None and self._video.item is not None:
            self._video.close_video()
        if self._document is not None and self._document.item is not None:
            self._document.close_document()
        self.teacher = None
        self.teacher_label.setText("")
        self.switch_button.hide()
        self.profiles.reload()
        self.stack.setCurrentWidget(self.profiles)

    def show_catalog(self) -> None:
        self.stack.setCurrentWidget(self.catalog)

    def open_course(self, course_id: str) -> None:
        if self.teacher is None:
            self.sign_out()
            return
        self.course.show_course(course_id, self.teacher)
        self.stack.setCurrentWidget(self.course)

    def open_item(self, item: ItemRow) -> None:
        if self.teacher is None:
            return
        page: QWidget
        if item.kind == "video":
            page = self.video_page()
            opened = self.video_page().open_item(item, self.teacher)
        elif item.kind == "document":
            page = self.document_page()
            opened = self.document_page().open_item(item, self.teacher)
        else:
            message.info(
                self.tr("This kind of item cannot be opened by this version of Lamplight.")
            )
            return
        if opened:
            self.stack.setCurrentWidget(page)

    def back_to_course(self) -> None:
        self.course.refresh_states()
        self.stack.setCurrentWidget(self.course)

    def video_page(self) -> VideoPage:
        if self._video is None:
            from app.ui.video_page import VideoPage

            self._video = VideoPage(self.context)
            self._video.closed.connect(self.back_to_course)
            self.stack.addWidget(self._video)
        return self._video

    def document_page(self) -> DocumentPage:
        if self._document is None:
            from app.ui.document_page import DocumentPage

            self._document = DocumentPage(self.context)
            self._document.closed.connect(self.back_to_course)
            self.stack.addWidget(self._document)
        return self._document

    # Server ----------------------------------------------------------------------------------
    def start_background(self) -> None:
        """Starts what runs by itself: the status check and a catalog refresh."""
        self.status.start()
        self.refresh_catalog()

    def refresh_catalog(self) -> None:
        client = self.context.client()
        if client is None:
            return
        context = self.context

        def work() -> int:
            from app.sync.catalog_sync import refresh_catalog

            return refresh_catalog(context.db, client, clock=context.clock)

        Op(self, work).success(self._catalog_done).failure(self._catalog_failed).run()

    def _catalog_done(self, changed: int) -> None:
        self.status.mark(True)
        if changed:
            self.catalog.reload()
        self.catalog_refreshed.emit(changed)

    def _catalog_failed(self, exc: BaseException) -> None:
        self.status.mark(False)
        text = describe_error(exc)
        if text is None:
            self.catalog_refreshed.emit(-1)
            raise exc
        from app.sync.errors import OfflineError

        if not isinstance(exc, OfflineError):  # being offline is normal; the status line says it
            message.error(text)
        self.catalog_refreshed.emit(-1)

    # Messages and closing --------------------------------------------------------------------
    def show_message(self, level: message.Level, text: str) -> None:
        if level == message.Level.INFO:
            self.statusBar().showMessage(text, 8000)
            return
        box = QMessageBox(self)
        box.setIcon(
            QMessageBox.Icon.Critical if level == message.Level.ERROR else QMessageBox.Icon.Warning
        )
        box.setWindowTitle(self.tr("Lamplight"))
        box.setText(text)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._video is not None and self._video.item is not None:
            self._video.close_video()
        if self._document is not None and self._document.item is not None:
            self._document.close_document()
        self.course.stop_downloads()
        super().closeEvent(event)
