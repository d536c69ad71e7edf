"""A teacher who already uses Lamplight on another PC brings their profile here.

Two steps: find yourself by name (the county server searches), then type your PIN on the
keypad (the server checks it and counts wrong ones). The profile is then made on this PC; the
next sync brings back the teacher's progress. Both calls run in a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.storage import profiles
from app.storage.profiles import PIN_MIN, Teacher
from app.ui.dialogs import PinPad
from app.ui.texts import describe_error
from app.ui.workers import Op
from wire.sync import TEACHERS_SEARCH_MAX

if TYPE_CHECKING:
    from app.sync.client import ServerClient
    from wire.sync import TeacherSummary

ClientFactory = Callable[[], "ServerClient | None"]


class ClaimDialog(QDialog):
    """Finds a teacher on the county server and opens their profile on this PC.

    Args:
        context: the running app's context.
        client_factory: a server client for each request, made in the worker thread
            (default :meth:`AppContext.new_client`; tests give one on a fake transport).

    After ``accepted``, :attr:`teacher` is the opened profile.
    """

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        client_factory: ClientFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.client_factory: ClientFactory = client_factory or context.new_client
        self.teacher: Teacher | None = None
        self.chosen: TeacherSummary | None = None
        self.result_buttons: list[QPushButton] = []
        self.busy = False
        self.setWindowTitle(self.tr("Bring your profile to this computer"))
        self.setModal(True)
        self.setMinimumSize(640, 600)
        layout = QVBoxLayout(self)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self.pages.addWidget(self._find_page())
        self.pages.addWidget(self._pin_page())
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setMinimumHeight(48)
        cancel.clicked.connect(self.reject)
        layout.addWidget(cancel)
        self.name.setFocus()

    # --- step 1: find yourself ------------------------------------------------------------

    def _find_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Find your profile"))
        title.setProperty("role", "title")
        layout.addWidget(title)
        hint = QLabel(
            self.tr(
                "Type your name as you wrote it on the other computer, then press Search. Part of the name is enough."
            )
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        row = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setMaxLength(100)
        self.name.setMinimumHeight(52)
        self.name.setPlaceholderText(self.tr("Your name"))
        self.name.returnPressed.connect(self.search)
        row.addWidget(self.name, 1)
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.setProperty("primary", True)
        self.search_button.setMinimumSize(140, 52)
        self.search_button.clicked.connect(self.search)
        row.addWidget(self.search_button)
        layout.addLayout(row)
        self.find_note = QLabel()
        self.find_note.setWordWrap(True)
        self.find_note.hide()
        layout.addWidget(self.find_note)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        host = QWidget()
        self.results = QVBoxLayout(host)
        self.results.setContentsMargins(0, 0, 0, 0)
        self.results.addStretch(1)
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)
        return page

    def search(self) -> None:
        name = self.name.text().strip()
        if self.busy:
            return
        if not name:
            self._note(self.tr("Please type your name first."), error=True)
            return
        self._note(self.tr("Searching\u2026"))
        self._set_busy(True)
        factory = self.client_factory

        def work() -> list[TeacherSummary]:
            from app.sync.teachers import find_teachers

            client = _client_or_fail(factory)
            try:
                return find_teachers(client, name)
            finally:
                client.close()

        Op(self, work).success(self._found).failure(self._search_failed).run()

    def _found(self, teachers: list[TeacherSummary]) -> None:
        self._set_busy(False)
        self._clear_results()
        if not teachers:
            self._note(
                self.tr(
                    "Nobody with this name was found. Check how you wrote it, or ask your training coordinator."
                ),
                error=True,
            )
            return
        with self.context.db.read_session() as session:
            here = {p.id for p in profiles.list_profiles(session)}
        if len(teachers) >= TEACHERS_SEARCH_MAX:
            self._note(
                self.tr("Many teachers have this name. Type more of your name to see fewer.")
            )
        else:
            self._note(self.tr("Click your name:"))
        for teacher in teachers:
            lines = [teacher.name, teacher.school or self.tr("(no school given)")]
            if teacher.id in here:
                lines[1] += "  \u00b7  " + self.tr("already on this computer")
            button = QPushButton("\n".join(lines))
            button.setStyleSheet("text-align: left; padding: 8px 20px; min-height: 64px;")
            button.clicked.connect(lambda _=False, t=teacher: self.choose(t))
            self.results.insertWidget(self.results.count() - 1, button)
            self.result_buttons.append(button)

    def _search_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._note(self._network_text(exc), error=True)

    def _clear_results(self) -> None:
        for button in self.result_buttons:
            button.deleteLater()
        self.result_buttons.clear()

    def _note(self, text: str, *, error: bool = False) -> None:
        self.find_note.setText(text)
        self.find_note.setProperty("role", "error" if error else "hint")
        self.find_note.style().unpolish(self.find_note)
        self.find_note.style().polish(self.find_note)
        self.find_note.show()

    # --- step 2: the PIN ------------------------------------------------------------------

    def _pin_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.greeting = QLabel()
        self.greeting.setProperty("role", "title")
        self.greeting.setWordWrap(True)
        layout.addWidget(self.greeting)
        hint = QLabel(self.tr("Type the PIN you use on the other computer."))
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.pad = PinPad(self.tr("Open my profile"))
        self.pad.submitted.connect(self.claim)
        layout.addWidget(self.pad)
        self.pin_busy = QLabel(self.tr("Checking your PIN with the county server\u2026"))
        self.pin_busy.setProperty("role", "hint")
        self.pin_busy.hide()
        layout.addWidget(self.pin_busy)
        layout.addStretch(1)
        self.back_button = QPushButton(self.tr("This is not me \u2014 back to the list"))
        self.back_button.setMinimumHeight(48)
        self.back_button.clicked.connect(self.back_to_list)
        layout.addWidget(self.back_button)
        return page

    def choose(self, teacher: TeacherSummary) -> None:
        self.chosen = teacher
        self.greeting.setText(
            self.tr("Hello, %1! Please enter your PIN.").replace("%1", teacher.name)
        )
        self.pad.pin.clear()
        self.pad.error.hide()
        self.pages.setCurrentIndex(1)
        self.pad.pin.setFocus()

    def back_to_list(self) -> None:
        if not self.busy:
            self.pages.setCurrentIndex(0)

    def claim(self) -> None:
        chosen, pin = self.chosen, self.pad.pin.text()
        if chosen is None or self.busy:
            return
        if len(pin) < PIN_MIN:
            self.pad.show_error(
                self.tr("Your PIN has at least %1 digits. Please type it again.").replace(
                    "%1", str(PIN_MIN)
                )
            )
            return
        self._set_busy(True)
        context, factory = self.context, self.client_factory

        def work() -> Teacher:
            from app.sync.teachers import claim_teacher

            client = _client_or_fail(factory)
            try:
                return claim_teacher(context.db, client, chosen.id, pin, clock=context.clock)
            finally:
                client.close()

        Op(self, work).success(self._claimed).failure(self._claim_failed).run()

    def _claimed(self, teacher: Teacher) -> None:
        self._set_busy(False)
        self.teacher = teacher
        self.accept()

    def _claim_failed(self, exc: BaseException) -> None:
        from app.sync.errors import ServerError

        self._set_busy(False)
        if isinstance(exc, ServerError) and exc.status == 404:
            self.back_to_list()
            self._clear_results()
            self._note(
                self.tr("This teacher is no longer on the county server. Please search again."),
                error=True,
            )
            return
        self.pad.show_error(self._network_text(exc))

    # --- both -----------------------------------------------------------------------------

    def _network_text(self, exc: BaseException) -> str:
        from app.sync.errors import OfflineError

        if isinstance(exc, OfflineError):
            return self.tr(
                "Cannot reach the county server. Bringing your profile here needs the network: please try again when this computer is online."
            )
        text = describe_error(exc)
        if text is None:
            raise exc
        return text

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.pin_busy.setVisible(busy and self.pages.currentIndex() == 1)
        for widget in (self.name, self.search_button, self.pad, self.back_button):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        if not self.busy:
            super().reject()


def _client_or_fail(factory: ClientFactory) -> ServerClient:
    from app.sync.errors import NotEnrolledError

    client = factory()
    if client is None:
        raise NotEnrolledError("no county server is set up on this computer")
    return client
