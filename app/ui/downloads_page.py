"""The Downloads page: everything this PC is fetching, how far it is, and why it waits.

At the top, one line in plain words saying what is happening and what (if anything) to do, and
the total with speed and time left; below, the queued files grouped by course, each with its own
bar, and a Pause/Resume button per course. Pause all, Try again and the download settings are
one big button each. The header's :class:`DownloadsButton` leads here from every page.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.resources import asset
from app.storage import downloads as queue
from app.storage import settings
from app.storage.clock import naive_utc
from app.sync.download_runner import DownloadTick, DrainReport, StopReason
from app.ui.download_settings_dialog import DownloadSettingsDialog
from app.ui.download_texts import (
    TONE_COLOURS,
    QueueState,
    describe_state,
    progress_line,
    tick_share,
)
from app.ui.download_worker import DownloadWorker
from app.ui.downloads_delegate import BUTTON_AREA, DownloadDelegate
from app.ui.downloads_model import CourseGroup, DownloadsModel

BUTTON_HEIGHT = 52


class CourseButton(QWidget):
    """The Pause/Resume button placed over a course's band in the list."""

    def __init__(self, group: CourseGroup, worker: DownloadWorker) -> None:
        super().__init__()
        self.group = group
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 14, 16, 6)
        row.addStretch(1)
        text = self.tr("Resume this course") if group.paused else self.tr("Pause this course")
        self.button = QPushButton(text)
        self.button.setMinimumSize(BUTTON_AREA - 40, 48)
        icon = "play.svg" if group.paused else "pause.svg"
        self.button.setIcon(QIcon(str(asset("icons", icon))))
        self.button.setIconSize(QSize(22, 22))
        self.button.clicked.connect(lambda: worker.pause_course(group.course_id, not group.paused))
        row.addWidget(self.button)


class DownloadsPage(QWidget):
    """Signals:
    back(): the teacher wants the page they came from.
    connect_requested(): the teacher pressed "Connect to the county server".
    """

    back = Signal()
    connect_requested = Signal()

    def __init__(
        self, context: AppContext, worker: DownloadWorker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.worker = worker
        self.state = QueueState(files=0)
        self._stale = True
        self._missing = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        top = QHBoxLayout()
        back = QPushButton(QIcon(str(asset("icons", "back.svg"))), self.tr("Back"))
        back.setMinimumHeight(BUTTON_HEIGHT)
        back.clicked.connect(self.back.emit)
        top.addWidget(back)
        title = QLabel(self.tr("Downloads"))
        title.setProperty("role", "title")
        top.addWidget(title, 1)
        self.settings_button = self._button(self.tr("Download settings"), self.open_settings)
        top.addWidget(self.settings_button)
        layout.addLayout(top)

        self.state_label = QLabel()
        self.state_label.setObjectName("downloadState")
        self.state_label.setWordWrap(True)
        layout.addWidget(self.state_label)
        self.total_bar = QProgressBar()
        self.total_bar.setRange(0, 1000)
        self.total_bar.setTextVisible(False)
        layout.addWidget(self.total_bar)
        self.total_label = QLabel()
        self.total_label.setObjectName("downloadTotal")
        self.total_label.setStyleSheet("font-weight: bold;")
        self.total_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.total_label, 1)
        self.pause_all_button = self._button("", self.toggle_pause_all)
        self.retry_button = self._button(self.tr("Try again"), self.worker.retry_now)
        self.connect_button = self._button(
            self.tr("Connect to the county server"), self.connect_requested.emit
        )
        self.connect_button.setProperty("primary", True)
        self.retry_button.setProperty("primary", True)  # shown only when it is what to do
        self.pause_all_button.setIconSize(QSize(22, 22))
        for button in (self.pause_all_button, self.retry_button, self.connect_button):
            actions.addWidget(button)
        layout.addLayout(actions)

        self.model = DownloadsModel(self)
        self.view = QListView()
        self.view.setObjectName("downloadList")
        self.view.setModel(self.model)
        self.view.setItemDelegate(DownloadDelegate(self.view, clock=context.clock))
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(0, 0, 0, 0))
        self.view.setPalette(palette)
        layout.addWidget(self.view, 1)
        self.empty = QLabel(
            self.tr(
                "Nothing is waiting to be downloaded. To download a course, open it and press its Download button."
            )
        )
        self.empty.setProperty("role", "hint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.empty, 1)

        worker.ticked.connect(self.show_tick)
        worker.queue_changed.connect(self.queue_changed)
        worker.finished.connect(self.run_finished)
        worker.started.connect(self.show_state)

    def _button(self, text: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumHeight(BUTTON_HEIGHT)
        button.clicked.connect(slot)
        return button

    # Reading the queue ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self.reload()  # ticks are not drawn while hidden: read the bytes on disk again
        super().showEvent(event)

    def queue_changed(self) -> None:
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def reload(self) -> None:
        """Reads the queue again and redraws everything."""
        self._stale = False
        with self.context.db.read_session() as session:
            assets = queue.queued(session, self.context.paths.partial)
            paused_all = queue.paused_all(session)
            enrolled = bool(settings.get(session, settings.DEVICE_TOKEN))
        self.model.set_assets(assets)
        tick = self.worker.last_tick
        if tick is not None:
            self.model.update_have(tick.current.sha256, tick.have)
        for row in self.model.group_rows():
            group = self.model.row_at(row)
            assert isinstance(group, CourseGroup)
            self.view.setIndexWidget(self.model.index(row), CourseButton(group, self.worker))
        now = naive_utc(self.context.clock())
        waiting = [
            a
            for a in assets
            if a.failures and not a.paused and a.retry_at is not None and a.retry_at > now
        ]
        self.state = QueueState(
            files=len(assets),
            paused_files=sum(1 for a in assets if a.paused),
            failed_files=len(waiting),
            retry_at=min((a.retry_at for a in waiting if a.retry_at), default=None),
            paused_all=paused_all,
            has_server=bool(self.context.server_url),
            enrolled=enrolled,
        )
        self.show_state()
        if tick is not None:
            self._show_total(tick)

    # What the worker says -------------------------------------------------------------------
    def show_tick(self, tick: DownloadTick) -> None:
        if not self.isVisible():
            return
        found = self.model.update_have(tick.current.sha256, tick.have)
        if not found and tick.current.sha256 != self._missing:
            self._missing = tick.current.sha256  # queued after the last reload: read again once
            self.reload()
        self._show_total(tick)

    def _show_total(self, tick: DownloadTick) -> None:
        self.total_bar.setValue(int(1000 * tick_share(tick)))
        self.total_label.setText(
            progress_line(tick.done, tick.total, tick.rate, tick.eta_s)
            + " \u00b7 "
            + self.tr("%n file(s) left").replace("%n", str(tick.left))
        )

    def run_finished(self, _report: DrainReport) -> None:
        self.model.clear_active()
        self.show_state()

    def show_state(self) -> None:
        """The state line, the total (between runs), and which buttons make sense now."""
        state = self.state
        report = self.worker.last_report
        policy = self.context.download_policy()
        text, tone = describe_state(state, report, self.worker.running, policy.window)
        self.state_label.setText(text)
        self.state_label.setStyleSheet(
            f"color: {TONE_COLOURS[tone]}; font-size: 15pt; font-weight: bold;"
        )
        if not self.worker.running or self.worker.last_tick is None:
            assets = self.model.assets()
            size = sum(a.size for a in assets)
            have = sum(a.have for a in assets)
            self.total_bar.setValue(int(1000 * have / size) if size else 0)
            self.total_label.setText(
                progress_line(have, size, None, None)
                + " \u00b7 "
                + self.tr("%n file(s) left").replace("%n", str(len(assets)))
            )
        has_files = state.files > 0
        self.total_bar.setVisible(has_files)
        self.total_label.setVisible(has_files)
        self.view.setVisible(has_files)
        self.empty.setVisible(not has_files)
        self.pause_all_button.setText(
            self.tr("Resume all") if state.paused_all else self.tr("Pause all")
        )
        self.pause_all_button.setIcon(
            QIcon(str(asset("icons", "play.svg" if state.paused_all else "pause.svg")))
        )
        self.pause_all_button.setVisible(has_files or state.paused_all)
        stopped = report is not None and report.reason in (
            StopReason.DISK,
            StopReason.OFFLINE,
            StopReason.BUSY,
        )
        self.retry_button.setVisible(
            has_files and not self.worker.running and (state.failed_files > 0 or stopped)
        )
        refused = report is not None and report.reason is StopReason.REFUSED
        self.connect_button.setVisible(
            state.has_server and (not state.enrolled or (refused and not self.worker.running))
        )

    # The teacher's buttons ------------------------------------------------------------------
    def toggle_pause_all(self) -> None:
        self.worker.pause_all(not self.state.paused_all)

    def course_button(self, course_id: str) -> QPushButton | None:
        """The Pause/Resume button of a course in the list (``None`` if it is not there)."""
        for row in self.model.group_rows():
            widget = self.view.indexWidget(self.model.index(row))
            if isinstance(widget, CourseButton) and widget.group.course_id == course_id:
                return widget.button
        return None

    def open_settings(self) -> DownloadSettingsDialog:
        dialog = DownloadSettingsDialog(self.context, self)

        def done(result: int) -> None:
            dialog.deleteLater()
            if result == DownloadSettingsDialog.DialogCode.Accepted:
                self.worker.rules_changed()
                self.show_state()

        dialog.finished.connect(done)
        dialog.open()
        return dialog


class DownloadsButton(QPushButton):
    """The header's way to the Downloads page; says how the downloads are going."""

    def __init__(
        self, context: AppContext, worker: DownloadWorker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.worker = worker
        self.setObjectName("downloadsButton")
        self.setIcon(QIcon(str(asset("icons", "download.svg"))))
        self.setIconSize(QSize(24, 24))
        self.setMinimumHeight(48)
        worker.ticked.connect(self.show_tick)
        worker.queue_changed.connect(self.refresh)
        worker.finished.connect(lambda _report: self.refresh())
        self.refresh()

    def show_tick(self, tick: DownloadTick) -> None:
        self.setText(self.tr("Downloading %1%").replace("%1", str(int(100 * tick_share(tick)))))

    def refresh(self) -> None:
        if self.worker.running and self.worker.last_tick is not None:
            self.show_tick(self.worker.last_tick)
            return
        with self.context.db.read_session() as session:
            files = queue.totals(session).assets
            paused = queue.paused_all(session)
        report = self.worker.last_report
        reason = report.reason if report is not None else None
        if not files:
            self.setText(self.tr("Downloads"))
        elif paused:
            self.setText(self.tr("Downloads paused"))
        elif reason is StopReason.WINDOW:
            window = self.context.download_policy().window
            if window is not None:
                self.setText(
                    self.tr("Downloads wait until %1").replace("%1", f"{window.start:%H:%M}")
                )
            else:
                self.setText(self.tr("Downloads (%n waiting)").replace("%n", str(files)))
        elif reason in (StopReason.OFFLINE, StopReason.DISK, StopReason.REFUSED):
            self.setText(self.tr("Downloads stopped"))
        else:
            self.setText(self.tr("Downloads (%n waiting)").replace("%n", str(files)))
