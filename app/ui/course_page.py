"""One course: what is in it, what this teacher has done, and a big Download button."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.resources import asset
from app.storage import catalog, progress
from app.storage.catalog import CourseDetail, ItemRow
from app.storage.profiles import Teacher
from app.storage.progress import ItemProgress
from app.sync.downloads import CourseDownloadSummary, CourseTick, download_course
from app.ui import message
from app.ui.texts import describe_error, format_duration, format_size
from app.ui.workers import Op


class ItemRowWidget(QFrame):
    """One item: icon, title, state, and an Open button."""

    def __init__(self, item: ItemRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName("itemRow")
        self.setStyleSheet(
            "#itemRow { background: white; border: 1px solid #e0d8c8; border-radius: 8px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        icon = QLabel()
        icon.setPixmap(QIcon(str(asset("icons", f"{item.kind}.svg"))).pixmap(QSize(36, 36)))
        layout.addWidget(icon)
        texts = QVBoxLayout()
        title = QLabel(item.title)
        title.setStyleSheet("font-weight: bold;")
        title.setWordWrap(True)
        texts.addWidget(title)
        self.state = QLabel()
        self.state.setProperty("role", "hint")
        texts.addWidget(self.state)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(12)
        self.bar.setMinimumHeight(12)
        self.bar.hide()
        texts.addWidget(self.bar)
        layout.addLayout(texts, 1)
        self.open_button = QPushButton(self.tr("Open"))
        self.open_button.setMinimumWidth(120)
        layout.addWidget(self.open_button)

    def show_downloading(self, done: int, size: int) -> None:
        self.state.setText(
            self.tr("Downloading: %1 of %2")
            .replace("%1", format_size(done))
            .replace("%2", format_size(size))
        )
        self.state.setStyleSheet("")
        self.bar.setValue(int(1000 * done / size) if size else 0)
        self.bar.show()

    def show_state(self, stored: bool, done_by_teacher: ItemProgress) -> None:
        self.bar.hide()
        self.open_button.setEnabled(stored)
        if not stored:
            self.state.setText(
                self.tr("Not downloaded yet (%1)").replace("%1", format_size(self.item.size))
            )
            return
        if done_by_teacher.done:
            self.state.setText("\u2714 " + self.tr("Done"))
            self.state.setStyleSheet("color: #2e7d32; font-weight: bold;")
            return
        self.state.setStyleSheet("")
        if done_by_teacher.started:
            percent = int(done_by_teacher.share * 100)
            if self.item.kind == "video":
                text = self.tr("Watched %1%").replace("%1", str(percent))
            else:
                text = self.tr("Read %1%").replace("%1", str(percent))
            self.state.setText(text)
        else:
            self.state.setText(self.tr("Ready - not started"))


class CoursePage(QWidget):
    """Signals:
    item_opened(ItemRow): the teacher pressed Open on a downloaded item.
    back(): the teacher wants the course list again.
    course_changed(str): a download changed what is stored for this course.
    """

    item_opened = Signal(object)
    back = Signal()
    course_changed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.teacher: Teacher | None = None
        self.detail: CourseDetail | None = None
        self.rows: dict[str, ItemRowWidget] = {}
        self._stop = threading.Event()
        self._downloading: str | None = None
        self._started_at = 0.0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        back = QPushButton(QIcon(str(asset("icons", "back.svg"))), self.tr("All courses"))
        back.clicked.connect(self.back.emit)
        layout.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.description = QLabel()
        self.description.setWordWrap(True)
        layout.addWidget(self.description)
        bar = QHBoxLayout()
        self.download_button = QPushButton(QIcon(str(asset("icons", "download.svg"))), "")
        self.download_button.setProperty("primary", True)
        self.download_button.setMinimumHeight(56)
        self.download_button.clicked.connect(self.start_download)
        bar.addWidget(self.download_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        bar.addWidget(self.progress, 1)
        self.ready_label = QLabel()
        self.ready_label.setStyleSheet("color: #2e7d32; font-weight: bold;")
        bar.addWidget(self.ready_label, 1)
        layout.addLayout(bar)
        self.download_info = QLabel()
        self.download_info.setProperty("role", "hint")
        layout.addWidget(self.download_info)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.items_host = QWidget()
        self.items_layout = QVBoxLayout(self.items_host)
        self.items_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.items_layout.setSpacing(8)
        scroll.setWidget(self.items_host)
        layout.addWidget(scroll, 1)

    def show_course(self, course_id: str, teacher: Teacher) -> None:
        self.teacher = teacher
        with self.context.db.read_session() as session:
            self.detail = catalog.course_detail(session, course_id)
        if self.detail is None:
            message.error(self.tr("This course is no longer in the catalog."))
            self.back.emit()
            return
        self.title.setText(self.detail.title)
        self.description.setText(self.detail.description)
        while self.items_layout.count():
            taken = self.items_layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows.clear()
        current_lesson = None
        for item in self.detail.items:
            if item.lesson_title != current_lesson:
                current_lesson = item.lesson_title
                heading = QLabel(current_lesson)
                heading.setStyleSheet("font-size: 15pt; font-weight: bold; margin-top: 8px;")
                self.items_layout.addWidget(heading)
            row = ItemRowWidget(item)
            row.open_button.clicked.connect(lambda _=False, it=item: self.item_opened.emit(it))
            self.items_layout.addWidget(row)
            self.rows[item.id] = row
        self.refresh_states()

    def refresh_states(self) -> None:
        """Re-reads what is stored and what the teacher has done."""
        if self.detail is None or self.teacher is None:
            return
        with self.context.db.read_session() as session:
            self.detail = catalog.course_detail(session, self.detail.id) or self.detail
            events = progress.events_for(session, self.teacher, [i.id for i in self.detail.items])
        for item in self.detail.items:
            row = self.rows.get(item.id)
            if row is not None:
                row.item = item
                row.show_state(item.stored, progress.derive(item.kind, events[item.id]))
        missing = [i for i in self.detail.items if not i.stored]
        busy = self._downloading == self.detail.id
        self.download_button.setVisible(bool(missing) and not busy)
        self.progress.setVisible(busy)
        self.ready_label.setVisible(not missing)
        self.ready_label.setText(
            "\u2714 " + self.tr("Downloaded: you can use this course without the network.")
        )
        size = sum(i.size for i in {i.sha256: i for i in missing}.values())
        self.download_button.setText(
            self.tr("Download this course (%1)").replace("%1", format_size(size))
        )
        if not busy:
            self.download_info.setText("")

    # Downloads ------------------------------------------------------------------------------
    def start_download(self) -> None:
        if self.detail is None or self._downloading is not None:
            return
        client = self.context.client()
        if client is None:
            message.error(
                self.tr(
                    "No county server is set up on this computer, so nothing can be downloaded."
                )
            )
            return
        course_id = self.detail.id
        self._downloading = course_id
        self._stop.clear()
        self._started_at = time.monotonic()
        self.progress.setValue(0)
        self.download_info.setText(self.tr("Starting the download..."))
        self.refresh_states()
        context = self.context
        stop = self._stop

        def work(report: Callable[[CourseTick], None]) -> CourseDownloadSummary:

            return download_course(
                context.db,
                client,
                context.content,
                context.paths.partial,
                course_id,
                on_progress=report,
                should_stop=stop.is_set,
            )

        Op(self, work).progress(self._on_tick).success(
            lambda summary: self._finished(course_id, summary)
        ).failure(lambda exc: self._finished(course_id, exc)).run()

    def _on_tick(self, tick: CourseTick) -> None:
        if tick.total <= 0:
            return
        if tick.sha256 and self.detail is not None:
            for item in self.detail.items:
                if item.sha256 == tick.sha256 and item.id in self.rows:
                    self.rows[item.id].show_downloading(tick.asset_done, tick.asset_size)
        self.progress.setValue(int(1000 * tick.done / tick.total))
        elapsed = max(0.001, time.monotonic() - self._started_at)
        speed = tick.done / elapsed
        left = (tick.total - tick.done) / speed if speed > 0 else 0
        self.download_info.setText(
            self.tr("%1 of %2 - %3/s - about %4 left")
            .replace("%1", format_size(tick.done))
            .replace("%2", format_size(tick.total))
            .replace("%3", format_size(int(speed)))
            .replace("%4", format_duration(left))
        )

    def _finished(self, course_id: str, outcome: CourseDownloadSummary | BaseException) -> None:
        self._downloading = None
        if isinstance(outcome, BaseException):
            text = describe_error(outcome)
            if text is None:
                raise outcome
            message.error(text)
        elif outcome.failed:
            from app.sync.errors import ChecksumError

            message.error(describe_error(ChecksumError("")) or "")
        self.course_changed.emit(course_id)
        self.refresh_states()

    def stop_downloads(self) -> None:
        self._stop.set()

    @property
    def downloading(self) -> bool:
        return self._downloading is not None
