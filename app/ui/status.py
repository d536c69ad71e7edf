"""The status line: is the county server there, when this PC last synced, what waits to be sent,
why the last sync failed; with a big "Sync now" button.

It probes the server every minute (``GET /info``, cheap) and says when a server that was away
answers again (:attr:`StatusLine.server_back`), so the sync worker can send what waits at once.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.context import AppContext
from app.resources import asset
from app.storage import records, settings
from app.ui.texts import describe_sync_error, format_when
from app.ui.workers import Op

CHECK_EVERY_MS = 60_000
BUTTON_HEIGHT = 48
ONLINE_COLOUR = "#2e7d32"
OFFLINE_COLOUR = "#8a6d3b"


class StatusLine(QWidget):
    """Signals:
    sync_requested(): the teacher pressed "Sync now".
    connect_requested(): the teacher pressed "Connect to the county server".
    problems_requested(): the teacher asked which records the server refused.
    server_back(): the probe reached the server after it had been unreachable.
    """

    sync_requested = Signal()
    connect_requested = Signal()
    problems_requested = Signal()
    server_back = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.online: bool | None = None
        self.syncing = False
        self.stage = ""
        self.failure: BaseException | None = None
        self._checking = False

        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.label = QLabel()
        self.label.setObjectName("syncState")
        self.label.setWordWrap(True)
        texts.addWidget(self.label)
        self.reason = QLabel()
        self.reason.setObjectName("syncReason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #b00020;")
        self.reason.hide()
        texts.addWidget(self.reason)
        row.addLayout(texts, 1)
        self.problems_button = self._button("", self.problems_requested.emit)
        self.problems_button.setObjectName("problemsButton")
        self.problems_button.setStyleSheet(
            "#problemsButton { color: #b00020; background: #fdecea; border-color: #e6a1a1; }"
        )
        self.connect_button = self._button(
            self.tr("Connect to the county server"), self.connect_requested.emit
        )
        self.connect_button.setProperty("primary", True)
        self.sync_button = self._button(self.tr("Sync now"), self.sync_requested.emit)
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setIcon(QIcon(str(asset("icons", "sync.svg"))))
        self.sync_button.setIconSize(QSize(24, 24))
        self.sync_button.setProperty("primary", True)
        for button in (self.problems_button, self.connect_button, self.sync_button):
            row.addWidget(button)

        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.show_state()

    def _button(self, text: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumHeight(BUTTON_HEIGHT)
        button.clicked.connect(slot)
        return button

    def text(self) -> str:
        """What the line says (its first line)."""
        return self.label.text()

    # --- the reachability probe -----------------------------------------------------------

    def start(self) -> None:
        self.timer.start()
        self.check()

    def check(self) -> None:
        if not self.context.server_url or self._checking:
            self.show_state()
            return
        self._checking = True
        context = self.context

        def probe() -> float:
            from app.sync.catalog_sync import check_server

            client = context.new_client()  # a client of its own: this runs in a worker thread
            if client is None:
                raise LookupError("no county server set")
            try:
                return check_server(context.db, client, clock=context.clock)
            finally:
                client.close()

        Op(self, probe).success(lambda _r: self._checked(True)).failure(
            lambda _e: self._checked(False)
        ).run()

    def _checked(self, online: bool) -> None:
        self._checking = False
        came_back = online and self.online is False
        self.mark(online)
        if came_back:
            self.server_back.emit()

    def mark(self, online: bool) -> None:
        self.online = online
        self.show_state()

    # --- what the sync worker says ----------------------------------------------------------

    def sync_started(self) -> None:
        self.syncing = True
        self.stage = ""
        self.show_state()

    def sync_progressed(self, stage: str) -> None:
        self.stage = stage
        self.show_state()

    def sync_finished(self) -> None:
        self.syncing = False
        self.failure = None
        self.online = True
        self.show_state()

    def sync_failed(self, exc: BaseException) -> None:
        from app.sync.errors import OfflineError

        self.syncing = False
        self.failure = exc
        if isinstance(exc, OfflineError):
            self.online = False
        self.show_state()

    # --- drawing ----------------------------------------------------------------------------

    def show_state(self) -> None:
        with self.context.db.read_session() as session:
            enrolled = bool(settings.get(session, settings.DEVICE_TOKEN))
            last_sync = settings.get(session, settings.LAST_SYNC)
            waiting = records.pending_count(session, settings.get(session, settings.PUSH_CURSOR))
            problems = records.problem_count(session)
        configured = bool(self.context.server_url)
        self.connect_button.setVisible(not (configured and enrolled))
        self.sync_button.setVisible(configured and enrolled)
        self.sync_button.setEnabled(not self.syncing)
        self.problems_button.setVisible(problems > 0)
        self.problems_button.setText(
            self.tr("%n record(s) were not accepted \u2014 Details").replace("%n", str(problems))
        )
        if not configured:
            self._show(self.tr("No county server set up: working offline"), OFFLINE_COLOUR)
            self.reason.hide()
            return
        if self.syncing:
            self._show("\u21bb " + self._syncing_text(), ONLINE_COLOUR)
            self.reason.hide()
            return
        parts = ["\u25cf " + self.tr("Online") if self.online else "\u25cb " + self.tr("Offline")]
        if enrolled:
            parts.append(self.tr("Last sync: %1").replace("%1", format_when(last_sync)))
        else:
            parts.append(self.tr("This computer is not connected to the county server yet"))
        if waiting:
            parts.append(self.tr("%n record(s) waiting to be sent").replace("%n", str(waiting)))
        elif enrolled and last_sync:
            parts.append(self.tr("Everything is sent"))
        self._show(" \u00b7 ".join(parts), ONLINE_COLOUR if self.online else OFFLINE_COLOUR)
        reason = describe_sync_error(self.failure) if self.failure is not None else None
        self.reason.setText(reason or "")
        self.reason.setVisible(bool(reason))

    def _show(self, text: str, colour: str) -> None:
        self.label.setText(text)
        self.label.setStyleSheet(f"color: {colour};")

    def _syncing_text(self) -> str:
        if self.stage == "push":
            return self.tr("Syncing: sending your work to the county server\u2026")
        if self.stage == "catalog":
            return self.tr("Syncing: looking for new courses\u2026")
        if self.stage == "pull":
            return self.tr("Syncing: fetching your work from other computers\u2026")
        return self.tr("Syncing with the county server\u2026")
