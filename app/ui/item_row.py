"""One item of a course page: icon, title, its state (with a bar while it downloads), Open."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.resources import asset
from app.storage.catalog import ItemRow
from app.storage.downloads import QueuedAsset
from app.storage.progress import ItemProgress
from app.ui.texts import format_size


class ItemRowWidget(QFrame):
    """One item: icon, title, state (with a bar while it downloads), and an Open button."""

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
        self.state.setWordWrap(True)
        texts.addWidget(self.state)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(14)
        self.bar.setMinimumHeight(14)
        self.bar.hide()
        texts.addWidget(self.bar)
        layout.addLayout(texts, 1)
        self.open_button = QPushButton(self.tr("Open"))
        self.open_button.setMinimumWidth(120)
        self.open_button.setMinimumHeight(48)
        layout.addWidget(self.open_button)

    def _set_state(self, text: str, style: str = "") -> None:
        self.state.setText(text)
        self.state.setStyleSheet(style)

    def show_downloading(self, done: int, size: int) -> None:
        self._set_state(
            self.tr("Downloading: %1 of %2")
            .replace("%1", format_size(done))
            .replace("%2", format_size(size)),
            "color: #2e7d32; font-weight: bold;",
        )
        self.bar.setValue(int(1000 * done / size) if size else 0)
        self.bar.show()

    def show_queued(self, queued: QueuedAsset, paused: bool, first: bool) -> None:
        """Queued, not downloading right now: waiting, paused, or waiting after a failure."""
        sizes = (
            self.tr("%1 of %2")
            .replace("%1", format_size(queued.have))
            .replace("%2", format_size(queued.size))
        )
        if first:
            text = self.tr("Being downloaded first; it opens by itself when it is ready")
        elif paused:
            text = self.tr("Paused (%1)").replace("%1", sizes)
        elif queued.failures and queued.retry_at is not None:
            text = self.tr("Could not download yet; Lamplight tries again by itself (%1)").replace(
                "%1", sizes
            )
        else:
            text = self.tr("Waiting to download (%1)").replace("%1", sizes)
        self._set_state(text)
        self.bar.setValue(int(1000 * queued.have / queued.size) if queued.size else 0)
        self.bar.show()

    def show_state(self, stored: bool, done_by_teacher: ItemProgress) -> None:
        self.bar.hide()
        if not stored:
            self._set_state(
                self.tr("Not downloaded yet (%1)").replace("%1", format_size(self.item.size))
            )
            return
        if done_by_teacher.done:
            self._set_state("\u2714 " + self.tr("Done"), "color: #2e7d32; font-weight: bold;")
            return
        if done_by_teacher.started:
            percent = int(done_by_teacher.share * 100)
            if self.item.kind == "video":
                text = self.tr("Watched %1%").replace("%1", str(percent))
            else:
                text = self.tr("Read %1%").replace("%1", str(percent))
            self._set_state(text)
        else:
            self._set_state(self.tr("Ready - not started"))
