"""The "Download settings" dialog: when downloads may run, how fast, what disk stays free.

The county profile sets the defaults (shown in the dialog); what is chosen here is kept for this
PC (:func:`app.sync.policy.save_policy`). Choosing exactly the county's settings forgets this
PC's own, so a later change by the county applies here too.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTime
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.storage import settings
from app.sync.policy import DownloadPolicy, TimeWindow, save_policy
from app.ui.dialogs import error_label

GB = 1024**3
# The speed choices, in bytes per second (0: no limit); "Other" follows them.
RATES = (0, 64_000, 125_000, 250_000, 500_000, 1_000_000)
OTHER = -1
BUTTON_HEIGHT = 52
# The hours offered when a PC had none: after school until the next morning.
DEFAULT_WINDOW = TimeWindow.parse("18:00-07:00")


def rate_text(rate: int) -> str:
    """``No limit``, ``512 kbit/s``, ``2 Mbit/s``."""
    if rate <= 0:
        return QCoreApplication.translate("DownloadSettingsDialog", "No limit")
    kbits = rate * 8 / 1000
    if kbits >= 1000 and kbits % 1000 == 0:
        return f"{kbits / 1000:.0f} Mbit/s"
    if kbits >= 1000:
        return f"{kbits / 1000:.1f} Mbit/s"
    return f"{kbits:.0f} kbit/s"


class DownloadSettingsDialog(QDialog):
    """The three download rules of this PC, with the county's defaults beside them."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.county = context.county.downloads
        self.setWindowTitle(self.tr("Download settings"))
        self.setMinimumWidth(680)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        title = QLabel(self.tr("Download settings"))
        title.setProperty("role", "title")
        layout.addWidget(title)
        layout.addWidget(
            self._hint(
                self.tr(
                    "These rules are for this computer. Downloads that are running follow them within a few seconds."
                )
            )
        )

        # Hours
        layout.addSpacing(6)
        self.hours = QCheckBox(self.tr("Only download at these hours"))
        self.hours.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.hours)
        hours_row = QHBoxLayout()
        hours_row.setContentsMargins(32, 0, 0, 0)
        self.start = self._time_edit()
        self.end = self._time_edit()
        hours_row.addWidget(QLabel(self.tr("from")))
        hours_row.addWidget(self.start)
        hours_row.addWidget(QLabel(self.tr("to")))
        hours_row.addWidget(self.end)
        hours_row.addStretch(1)
        layout.addLayout(hours_row)
        layout.addWidget(
            self._hint(
                self.tr(
                    "For example from 18:00 to 07:00: after school until the next morning, so the school's network stays free for teaching."
                ),
                32,
            )
        )
        self.hours.toggled.connect(self._hours_toggled)

        # Speed
        layout.addSpacing(6)
        layout.addWidget(self._heading(self.tr("Speed limit")))
        speed_row = QHBoxLayout()
        speed_row.setContentsMargins(32, 0, 0, 0)
        self.rate = QComboBox()
        self.rate.setMinimumWidth(200)
        for rate in RATES:
            self.rate.addItem(rate_text(rate), rate)
        self.rate.addItem(self.tr("Other speed\u2026"), OTHER)
        self.rate.currentIndexChanged.connect(self._rate_changed)
        speed_row.addWidget(self.rate)
        self.custom_rate = QSpinBox()
        self.custom_rate.setRange(64, 1_000_000)
        self.custom_rate.setSingleStep(64)
        self.custom_rate.setSuffix(" kbit/s")
        self.custom_rate.setMinimumSize(180, 44)
        speed_row.addWidget(self.custom_rate)
        speed_row.addStretch(1)
        layout.addLayout(speed_row)
        layout.addWidget(
            self._hint(self.tr("A limit leaves part of the school's network free for others."), 32)
        )

        # Disk
        layout.addSpacing(6)
        layout.addWidget(self._heading(self.tr("Disk space to keep free")))
        reserve_row = QHBoxLayout()
        reserve_row.setContentsMargins(32, 0, 0, 0)
        self.reserve = QDoubleSpinBox()
        self.reserve.setRange(0.0, 1000.0)
        self.reserve.setDecimals(1)
        self.reserve.setSingleStep(0.5)
        self.reserve.setSuffix(" GB")
        self.reserve.setMinimumSize(160, 44)
        reserve_row.addWidget(self.reserve)
        reserve_row.addStretch(1)
        layout.addLayout(reserve_row)
        layout.addWidget(
            self._hint(self.tr("Downloads stop before the disk has less than this free."), 32)
        )
        layout.addSpacing(6)

        # The county's defaults
        self.county_label = self._hint(self.county_text())
        self.county_label.setStyleSheet("background: #f3efe6; padding: 8px; border-radius: 6px;")
        layout.addWidget(self.county_label)
        self.county_button = QPushButton(self.tr("Use the county's settings"))
        self.county_button.setMinimumHeight(BUTTON_HEIGHT)
        self.county_button.clicked.connect(lambda: self.show_policy(self.county))
        layout.addWidget(self.county_button)

        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setMinimumHeight(BUTTON_HEIGHT)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setProperty("primary", True)
        self.save_button.setMinimumHeight(BUTTON_HEIGHT)
        self.save_button.setMinimumWidth(160)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

        self.show_policy(context.download_policy())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Tall enough for the wrapped sentences (Qt's size hint underestimates them)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        if need > self.height():
            self.resize(self.width(), need)

    def _hint(self, text: str, indent: int = 0) -> QLabel:
        label = QLabel(text)
        label.setProperty("role", "hint")
        label.setWordWrap(True)
        label.setContentsMargins(indent, 0, 0, 0)
        return label

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet("font-weight: bold;")
        return label

    def _time_edit(self) -> QTimeEdit:
        edit = QTimeEdit()
        edit.setDisplayFormat("HH:mm")
        edit.setMinimumHeight(44)
        edit.setMinimumWidth(110)
        return edit

    def county_text(self) -> str:
        county = self.county
        hours = (
            self.tr("from %1 to %2")
            .replace("%1", f"{county.window.start:%H:%M}")
            .replace("%2", f"{county.window.end:%H:%M}")
            if county.window is not None
            else self.tr("at any time")
        )
        return (
            self.tr("Your county's settings: download %1 \u00b7 speed: %2 \u00b7 keep %3 GB free")
            .replace("%1", hours)
            .replace("%2", rate_text(county.max_rate))
            .replace("%3", f"{county.reserve / GB:.1f}")
        )

    # Showing and reading the fields ------------------------------------------------------------
    def show_policy(self, policy: DownloadPolicy) -> None:
        window = policy.window or self.county.window or DEFAULT_WINDOW
        self.start.setTime(QTime(window.start.hour, window.start.minute))
        self.end.setTime(QTime(window.end.hour, window.end.minute))
        self.hours.setChecked(policy.window is not None)
        self._hours_toggled(policy.window is not None)
        index = self.rate.findData(policy.max_rate)
        if index < 0:
            index = self.rate.findData(OTHER)
            self.custom_rate.setValue(max(64, round(policy.max_rate * 8 / 1000)))
        self.rate.setCurrentIndex(index)
        self._rate_changed()
        self.reserve.setValue(policy.reserve / GB)
        self.error.hide()

    def _hours_toggled(self, on: bool) -> None:
        self.start.setEnabled(on)
        self.end.setEnabled(on)

    def _rate_changed(self, _index: int = 0) -> None:
        self.custom_rate.setVisible(self.rate.currentData() == OTHER)

    def chosen_policy(self) -> DownloadPolicy | None:
        """The rules as the fields show them; ``None`` (and the error shown) when they do not
        make sense."""
        window = None
        if self.hours.isChecked():
            start, end = self.start.time(), self.end.time()
            if start == end:
                self.error.setText(
                    self.tr("The start and the end are the same time. Choose two different times.")
                )
                self.error.show()
                self._fit()
                return None
            window = TimeWindow.parse(f"{start.toString('HH:mm')}-{end.toString('HH:mm')}")
        choice = int(self.rate.currentData())
        rate = round(self.custom_rate.value() * 1000 / 8) if choice == OTHER else choice
        self.error.hide()
        return DownloadPolicy(
            window=window, max_rate=rate, reserve=round(self.reserve.value() * GB)
        )

    def save(self) -> None:
        policy = self.chosen_policy()
        if policy is None:
            return
        with self.context.db.write() as session:
            if _same(policy, self.county):
                settings.clear(session, settings.DOWNLOAD_WINDOW)
                settings.clear(session, settings.DOWNLOAD_MAX_RATE)
                settings.clear(session, settings.DOWNLOAD_RESERVE)
            else:
                save_policy(session, policy)
        self.accept()


def _same(a: DownloadPolicy, b: DownloadPolicy) -> bool:
    """Equal as the dialog shows them (the disk space to a tenth of a GB)."""
    return (
        a.window == b.window
        and a.max_rate == b.max_rate
        and round(a.reserve / GB, 1) == round(b.reserve / GB, 1)
    )
