"""The status line: online or offline, and when this PC last reached the county server."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from app.context import AppContext
from app.storage import settings
from app.ui.workers import Op

CHECK_EVERY_MS = 60_000


class StatusLine(QLabel):
    """Shows "Online" / "Offline" and the last contact; checks the server every minute."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.online: bool | None = None
        self._checking = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.show_state()

    def start(self) -> None:
        self.timer.start()
        self.check()

    def check(self) -> None:
        client = self.context.client()
        if client is None or self._checking:
            self.show_state()
            return
        self._checking = True
        context = self.context

        def probe() -> float:
            from app.sync.catalog_sync import check_server

            return check_server(context.db, client, clock=context.clock)

        Op(self, probe).success(lambda _r: self._checked(True)).failure(
            lambda _e: self._checked(False)
        ).run()

    def _checked(self, online: bool) -> None:
        self._checking = False
        self.mark(online)

    def mark(self, online: bool) -> None:
        self.online = online
        self.show_state()

    def show_state(self) -> None:
        with self.context.db.read_session() as session:
            last = settings.get(session, settings.LAST_CONTACT)
        if not self.context.server_url:
            self.setText(self.tr("No county server set up: working offline"))
            return
        when = self._when(last)
        if self.online:
            self.setText(
                "\u25cf "
                + self.tr("Online - last contact with the county server: %1").replace("%1", when)
            )
            self.setStyleSheet("color: #2e7d32;")
        else:
            self.setText(
                "\u25cb "
                + self.tr("Offline - last contact with the county server: %1").replace("%1", when)
            )
            self.setStyleSheet("color: #8a6d3b;")

    def _when(self, iso: str) -> str:
        if not iso:
            return self.tr("never")
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            return self.tr("never")
        from datetime import UTC

        local = (
            moment.replace(tzinfo=UTC).astimezone()
            if moment.tzinfo is None
            else moment.astimezone()
        )
        return local.strftime("%Y-%m-%d %H:%M")
