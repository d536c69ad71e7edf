"""Connecting this PC to the county server: its address and the school's enrollment code.

Shown at the first start of an enrolled-nowhere PC, when the server no longer accepts the PC,
and from the status line's "Connect to the county server". The enrollment runs in a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext, chosen_server
from app.storage import settings
from app.ui.dialogs import error_label
from app.ui.texts import describe_error
from app.ui.workers import Op
from wire.sync import normalize_enrollment_code

if TYPE_CHECKING:
    from app.sync.devices import DeviceState
    from app.sync.transport import Transport

TransportFactory = Callable[[], "Transport"]
CODE_MIN, CODE_MAX = 4, 32


def server_address(text: str) -> str | None:
    """``10.1.2.3:8765`` -> ``http://10.1.2.3:8765``; ``None`` when it cannot be an address."""
    text = text.strip().rstrip("/")
    if text and "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        return None
    return text


def use_server(context: AppContext, url: str) -> None:
    """Points the running app at ``url``."""
    context.use_server(url)


def enroll_computer(
    context: AppContext, url: str, code: str, transport: Transport | None = None
) -> DeviceState:
    """Enrolls this PC at ``url`` and remembers the address (runs in a worker thread)."""
    from app.sync.client import ServerClient
    from app.sync.devices import enroll
    from app.sync.transport import RequestsTransport

    client = ServerClient(url, transport if transport is not None else RequestsTransport())
    try:
        state = enroll(context.db, client, code)
    finally:
        client.close()
    with context.db.write() as session:
        settings.put(session, settings.SERVER_URL, chosen_server(url, context.county))
    return state


def _field_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold;")
    return label


class EnrollDialog(QDialog):
    """Asks for the county server's address and the school's enrollment code, and enrolls.

    Args:
        context: the running app's context; its server address fills the address field.
        reason: why the dialog appears (the server no longer accepts this PC), or empty.
        transport_factory: how the worker reaches the server (tests give a fake).

    After ``accepted``, :attr:`state` is the new enrollment.

    Signals:
        error_shown(str): the dialog said what went wrong (and stays open).
    """

    error_shown = Signal(str)

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        reason: str = "",
        transport_factory: TransportFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.transport_factory = transport_factory
        self.state: DeviceState | None = None
        self.busy = False
        self.setWindowTitle(self.tr("Connect to the county server"))
        self.setModal(True)
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        heading = QLabel(self.tr("Connect this computer to the county server"))
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.reason = QLabel(reason)
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #8a4b00; font-weight: bold;")
        self.reason.setVisible(bool(reason))
        layout.addWidget(self.reason)
        hint = QLabel(
            self.tr(
                "Then your work is kept safe on the county server, and you can continue it on another computer. This is done once for each computer. Your school's training coordinator has the enrollment code."
            )
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        layout.addWidget(_field_label(self.tr("Your school's enrollment code")))
        self.code = QLineEdit()
        self.code.setObjectName("enrollmentCode")
        self.code.setMaxLength(40)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setStyleSheet("#enrollmentCode { font-size: 22pt; min-height: 64px; }")
        self.code.textEdited.connect(self._upper_case)
        self.code.returnPressed.connect(self.connect_now)
        layout.addWidget(self.code)
        code_hint = QLabel(
            self.tr(
                "Letters and digits, like AB3D-EF7H. Small or capital letters and the dash do not matter."
            )
        )
        code_hint.setProperty("role", "hint")
        code_hint.setWordWrap(True)
        layout.addWidget(code_hint)
        layout.addSpacing(8)

        layout.addWidget(_field_label(self.tr("County server address")))
        self.address = QLineEdit(context.server_url)
        self.address.setPlaceholderText(self.tr("for example http://10.1.2.3:8765"))
        self.address.returnPressed.connect(self.connect_now)
        layout.addWidget(self.address)
        self.address_hint = QLabel(
            self.tr("The county filled this in; there is usually no need to change it.")
        )
        self.address_hint.setProperty("role", "hint")
        self.address_hint.setWordWrap(True)
        from_county = bool(context.county.server_url) and (
            context.server_url == context.county.server_url
        )
        self.address_hint.setVisible(from_county)
        layout.addWidget(self.address_hint)

        self.error = error_label()
        layout.addWidget(self.error)
        self.busy_label = QLabel(self.tr("Connecting to the county server\u2026"))
        self.busy_label.setProperty("role", "hint")
        self.busy_label.hide()
        layout.addWidget(self.busy_label)

        buttons = QHBoxLayout()
        self.later_button = QPushButton(self.tr("Not now"))
        self.later_button.setMinimumHeight(48)
        self.later_button.clicked.connect(self.reject)
        self.connect_button = QPushButton(self.tr("Connect"))
        self.connect_button.setProperty("primary", True)
        self.connect_button.setMinimumSize(200, 56)
        self.connect_button.clicked.connect(self.connect_now)
        buttons.addWidget(self.later_button)
        buttons.addStretch(1)
        buttons.addWidget(self.connect_button)
        layout.addLayout(buttons)
        self.code.setFocus()

    def _upper_case(self, text: str) -> None:
        if text != text.upper():
            position = self.code.cursorPosition()
            self.code.setText(text.upper())
            self.code.setCursorPosition(position)

    def _problem(self, url: str | None, code: str) -> str | None:
        if not CODE_MIN <= len(code) <= CODE_MAX:
            return self.tr("Please type your school's enrollment code.")
        if url is None:
            return self.tr(
                "Please check the county server address. It looks like http://10.1.2.3:8765"
            )
        return None

    def connect_now(self) -> None:
        """Checks the fields and enrolls in a worker."""
        if self.busy:
            return
        url = server_address(self.address.text())
        code = normalize_enrollment_code(self.code.text())
        problem = self._problem(url, code)
        if problem or url is None:
            self._show_error(problem or "")
            return
        self._set_busy(True)
        context = self.context
        transport = self.transport_factory() if self.transport_factory is not None else None

        def work() -> DeviceState:
            return enroll_computer(context, url, code, transport)

        Op(self, work).success(lambda state: self._enrolled(url, state)).failure(
            lambda exc: self._failed(url, exc)
        ).run()

    def _enrolled(self, url: str, state: DeviceState) -> None:
        self._set_busy(False)
        use_server(self.context, url)
        self.state = state
        self.accept()

    def _failed(self, url: str, exc: BaseException) -> None:
        from app.sync.errors import BadResponseError, OfflineError, ServerError

        self._set_busy(False)
        if isinstance(exc, OfflineError):
            text: str | None = self.tr(
                "Cannot reach the county server at %1. Check that this computer is on the network and that the address is right, then press Connect again."
            ).replace("%1", url)
        elif isinstance(exc, BadResponseError) or (
            isinstance(exc, ServerError) and exc.status in (404, 405)
        ):
            text = self.tr(
                "The address %1 does not answer like a county server. Please check the address with your training coordinator."
            ).replace("%1", url)
        else:
            text = describe_error(exc)
        if text is None:
            raise exc
        self._show_error(text)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self._fit()
        self.error_shown.emit(text)

    def _fit(self) -> None:
        """Grows the dialog when a message appears, rather than squeezing the fields."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        if need > self.height():
            self.resize(self.width(), need)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_label.setVisible(busy)
        for widget in (self.code, self.address, self.connect_button, self.later_button):
            widget.setEnabled(not busy)
        if busy:
            self.error.hide()
            self._fit()

    def reject(self) -> None:
        if not self.busy:  # Esc while enrolling: the answer is on its way
            super().reject()
