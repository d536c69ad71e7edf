"""One course: what is in it, what this teacher has done, and a big Download button.

"Download" queues the course; the download worker (:mod:`app.ui.download_worker`) fetches it in
the background, and this page shows how far its files are from the worker's ticks, with a
Pause/Resume button while any of them is queued. Opening an item that is not here yet queues it
first (ahead of everything) and opens it when it has arrived.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
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
from app.storage import downloads as queue
from app.storage.catalog import CourseDetail, ItemRow
from app.storage.downloads import QueuedAsset
from app.storage.profiles import Teacher
from app.sync.download_runner import DownloadTick, DrainReport
from app.ui import message
from app.ui.download_texts import describe_stop_short, progress_line
from app.ui.download_worker import DownloadWorker
from app.ui.item_row import ItemRowWidget
from app.ui.texts import format_size

BUTTON_HEIGHT = 56


class CoursePage(QWidget):
    """Signals:
    item_opened(ItemRow): the teacher opened an item that is on this computer.
    back(): the teacher wants the course list again.
    course_changed(str): a download changed what is stored for this course.
    downloads_requested(): the teacher wants the Downloads page.
    """

    item_opened = Signal(object)
    back = Signal()
    course_changed = Signal(str)
    downloads_requested = Signal()

    def __init__(
        self, context: AppContext, downloads: DownloadWorker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.downloads = downloads
        self.teacher: Teacher | None = None
        self.detail: CourseDetail | None = None
        self.rows: dict[str, ItemRowWidget] = {}
        # This course's queued files, by sha256 (``have`` kept current from the ticks).
        self.queued: dict[str, QueuedAsset] = {}
        self.paused = False
        # An item opened before it was here: it opens when it arrives.
        self.waiting_item: ItemRow | None = None
        self._active = ""
        self._events: dict[str, list[progress.Event]] = {}

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
        self.download_button.setMinimumHeight(BUTTON_HEIGHT)
        self.download_button.clicked.connect(self.start_download)
        bar.addWidget(self.download_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.hide()
        bar.addWidget(self.progress, 1)
        self.pause_button = QPushButton()
        self.pause_button.setMinimumHeight(BUTTON_HEIGHT)
        self.pause_button.setMinimumWidth(140)
        self.pause_button.setIconSize(QSize(22, 22))
        self.pause_button.clicked.connect(self.toggle_pause)
        self.pause_button.hide()
        bar.addWidget(self.pause_button)
        self.ready_label = QLabel()
        self.ready_label.setStyleSheet("color: #2e7d32; font-weight: bold;")
        self.ready_label.setWordWrap(True)
        bar.addWidget(self.ready_label, 1)
        layout.addLayout(bar)
        info_row = QHBoxLayout()
        self.download_info = QLabel()
        self.download_info.setObjectName("courseDownloadInfo")
        self.download_info.setWordWrap(True)
        info_row.addWidget(self.download_info, 1)
        self.all_downloads_button = QPushButton(self.tr("See all downloads"))
        self.all_downloads_button.setMinimumHeight(48)
        self.all_downloads_button.clicked.connect(self.downloads_requested.emit)
        self.all_downloads_button.hide()
        info_row.addWidget(self.all_downloads_button)
        layout.addLayout(info_row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.items_host = QWidget()
        self.items_layout = QVBoxLayout(self.items_host)
        self.items_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.items_layout.setSpacing(8)
        scroll.setWidget(self.items_host)
        layout.addWidget(scroll, 1)

        downloads.ticked.connect(self.on_tick)
        downloads.queue_changed.connect(self._queue_changed)
        downloads.stored.connect(self._stored)
        downloads.finished.connect(self._run_finished)

    def show_course(self, course_id: str, teacher: Teacher) -> None:
        self.teacher = teacher
        with self.context.db.read_session() as session:
            self.detail = catalog.course_detail(session, course_id)
        if self.detail is None:
            message.error(self.tr("This course is no longer in the catalog."))
            self.back.emit()
            return
        self.waiting_item = None
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
            row.open_button.clicked.connect(lambda _=False, key=item.id: self.open_clicked(key))
            self.items_layout.addWidget(row)
            self.rows[item.id] = row
        self.refresh_states()

    def refresh_states(self) -> None:
        """Re-reads what is stored, what is queued, and what the teacher has done."""
        if self.detail is None or self.teacher is None:
            return
        with self.context.db.read_session() as session:
            self.detail = catalog.course_detail(session, self.detail.id) or self.detail
            events = progress.events_for(session, self.teacher, [i.id for i in self.detail.items])
            shas = {i.sha256 for i in self.detail.items}
            queued = [
                q for q in queue.queued(session, self.context.paths.partial) if q.sha256 in shas
            ]
            paused_all = queue.paused_all(session)
        self._events = events
        tick = self.downloads.last_tick
        self.queued = {q.sha256: q for q in queued}
        if tick is not None and tick.current.sha256 in self.queued:
            self._active = tick.current.sha256
            self.queued[self._active] = dataclasses.replace(
                self.queued[self._active], have=tick.have
            )
        else:
            self._active = ""
        self.paused = bool(queued) and (paused_all or all(q.paused for q in queued))
        for item in self.detail.items:
            row = self.rows.get(item.id)
            if row is not None:
                row.item = item
                self._show_row(row)
        missing = [i for i in self.detail.items if not i.stored]
        not_queued = {i.sha256: i for i in missing if i.sha256 not in self.queued}
        busy = bool(self.queued)
        self.download_button.setVisible(bool(not_queued))
        self.download_button.setText(
            self.tr("Download this course (%1)").replace(
                "%1", format_size(sum(i.size for i in not_queued.values()))
            )
        )
        self.progress.setVisible(busy)
        self.pause_button.setVisible(busy)
        self.pause_button.setText(
            self.tr("Resume download") if self.paused else self.tr("Pause download")
        )
        self.pause_button.setIcon(
            QIcon(str(asset("icons", "play.svg" if self.paused else "pause.svg")))
        )
        self.all_downloads_button.setVisible(busy)
        self.ready_label.setVisible(not missing)
        self.ready_label.setText(
            "\u2714 " + self.tr("Downloaded: you can use this course without the network.")
        )
        self._show_course_progress()
        self._open_waiting_item()

    def _show_row(self, row: ItemRowWidget) -> None:
        item = row.item
        queued = self.queued.get(item.sha256)
        if item.stored or queued is None:
            row.show_state(item.stored, progress.derive(item.kind, self._events.get(item.id, [])))
        elif item.sha256 == self._active and not self.paused:
            row.show_downloading(queued.have, queued.size)
        else:
            first = self.waiting_item is not None and self.waiting_item.id == item.id
            row.show_queued(queued, self.paused, first)

    def _show_course_progress(self) -> None:
        """The course's bar and the line under it."""
        if self.detail is None:
            return
        sizes = {i.sha256: i for i in self.detail.items}
        total = sum(i.size for i in sizes.values())
        have = sum(i.size for i in sizes.values() if i.stored) + sum(
            q.have for q in self.queued.values()
        )
        self.progress.setValue(int(1000 * have / total) if total else 0)
        self.download_info.setText(self._info_text(have, total))

    def _info_text(self, have: int, total: int) -> str:
        if not self.queued:
            return ""
        if self.paused:
            return self.tr('Paused. Press "Resume download" to continue.')
        if self.waiting_item is not None:
            if self.waiting_item.kind == "video":
                return self.tr(
                    "This video is being downloaded first. It will open by itself when it is ready."
                )
            return self.tr(
                "This item is being downloaded first. It will open by itself when it is ready."
            )
        tick = self.downloads.last_tick
        if self.downloads.running and tick is not None:
            if self._active:
                eta = (total - have) / tick.rate if tick.rate > 0 else None
                return self.tr("Downloading: %1").replace(
                    "%1", progress_line(have, total, tick.rate, eta)
                )
            return self.tr("Waiting: other downloads go first (%1).").replace(
                "%1", tick.current.course_title
            )
        if not self.downloads.running:
            stopped = describe_stop_short(
                self.downloads.last_report, self.context.download_policy().window
            )
            if stopped is not None:
                return stopped
        return (
            self.tr("Waiting to download: %1 of %2 here.")
            .replace("%1", format_size(have))
            .replace("%2", format_size(total))
        )

    # Opening ---------------------------------------------------------------------------------
    def open_clicked(self, item_id: str) -> None:
        row = self.rows.get(item_id)
        if row is None:
            return
        if row.item.stored:
            self.item_opened.emit(row.item)
        else:
            self.download_first(row.item)

    def download_first(self, item: ItemRow) -> None:
        """Queues ``item`` ahead of everything; it opens when it is here."""
        if not self.context.server_url:
            message.error(self._no_server_text())
            return
        self.waiting_item = item
        self.downloads.queue_item(item.id)  # queue_changed redraws the page
        if item.kind == "video":
            text = self.tr(
                "This video is being downloaded first. It will open by itself when it is ready."
            )
        else:
            text = self.tr(
                "This item is being downloaded first. It will open by itself when it is ready."
            )
        message.info(text)

    def _open_waiting_item(self) -> None:
        item = self.waiting_item
        if item is None or self.detail is None:
            return
        now = next((i for i in self.detail.items if i.id == item.id), None)
        if now is None or not now.stored:
            return
        self.waiting_item = None
        self._show_course_progress()
        if self.isVisible():
            self.item_opened.emit(now)

    # Downloads ------------------------------------------------------------------------------
    def start_download(self) -> None:
        if self.detail is None:
            return
        if not self.context.server_url:
            message.error(self._no_server_text())
            return
        self.downloads.queue_course(self.detail.id)  # queue_changed redraws the page

    def toggle_pause(self) -> None:
        if self.detail is not None:
            self.downloads.pause_course(self.detail.id, not self.paused)

    def _no_server_text(self) -> str:
        return self.tr("No county server is set up on this computer, so nothing can be downloaded.")

    def on_tick(self, tick: DownloadTick) -> None:
        if self.detail is None or not self.queued:
            return
        sha = tick.current.sha256
        previous = self._active
        self._active = sha if sha in self.queued else ""
        if previous and previous != self._active:
            for row in self._rows_of(previous):
                self._show_row(row)
        if self._active:
            self.queued[sha] = dataclasses.replace(self.queued[sha], have=tick.have)
            for row in self._rows_of(sha):
                self._show_row(row)
        self._show_course_progress()

    def _rows_of(self, sha256: str) -> list[ItemRowWidget]:
        return [row for row in self.rows.values() if row.item.sha256 == sha256]

    def _queue_changed(self) -> None:
        if self.detail is not None and self.teacher is not None:
            self.refresh_states()

    def _stored(self, stored: QueuedAsset) -> None:
        if self.detail is not None and any(i.sha256 == stored.sha256 for i in self.detail.items):
            self.course_changed.emit(self.detail.id)

    def _run_finished(self, _report: DrainReport) -> None:
        self._active = ""
        if self.detail is not None and self.teacher is not None:
            self.refresh_states()
