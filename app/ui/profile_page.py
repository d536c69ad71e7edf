"""The first screen on a shared PC: "Who is learning today?" - big buttons with names."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.resources import asset
from app.storage import profiles
from app.storage.errors import ProfileError, ProfileLockedError
from app.storage.profiles import Teacher
from app.ui import message
from app.ui.dialogs import NewProfileDialog, PinDialog
from app.ui.texts import describe_error

COLUMNS = 3


class ProfilePage(QWidget):
    """Signals:
    opened(Teacher): a teacher entered the right PIN (or made a new profile).
    elsewhere_requested(): a teacher who uses Lamplight on another PC wants their profile here.
    """

    opened = Signal(object)
    elsewhere_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        title = QLabel(self.tr("Who is learning today?"))
        title.setProperty("role", "title")
        layout.addWidget(title)
        self.hint = QLabel(
            self.tr(
                'Click your name. If you are new, click "I am new here". If you already use Lamplight on another computer, click that button to bring your profile here.'
            )
        )
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.grid.setSpacing(16)
        scroll.setWidget(self.grid_host)
        layout.addWidget(scroll, 1)
        self.buttons: dict[str, QToolButton] = {}
        self.reload()

    def reload(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons.clear()
        with self.context.db.read_session() as session:
            people = profiles.list_profiles(session)
        icon = QIcon(str(asset("icons", "person.svg")))
        for i, person in enumerate(people):
            button = QToolButton()
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIcon(icon)
            button.setIconSize(QSize(56, 56))
            button.setText(f"{person.name}\n{person.school}" if person.school else person.name)
            button.setMinimumSize(220, 150)
            button.setObjectName(f"profile-{person.id}")
            button.clicked.connect(lambda _=False, p=person: self.ask_pin(p.id, p.name))
            self.grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.buttons[person.id] = button
        # The "new teacher" tile comes last, shaped like the others, so it is easy to find.
        self.new_button = QToolButton()
        self.new_button.setObjectName("newProfile")
        self.new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.new_button.setIcon(QIcon(str(asset("icons", "add-person.svg"))))
        self.new_button.setIconSize(QSize(56, 56))
        self.new_button.setText(self.tr("I am new here"))
        self.new_button.setMinimumSize(220, 150)
        self.new_button.setStyleSheet(
            "#newProfile { background: #fbe9d0; border: 2px dashed #d9822b; font-weight: bold; }"
        )
        self.new_button.clicked.connect(self.create_profile)
        self.grid.addWidget(self.new_button, len(people) // COLUMNS, len(people) % COLUMNS)
        self.elsewhere_button = QToolButton()
        self.elsewhere_button.setObjectName("elsewhereProfile")
        self.elsewhere_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.elsewhere_button.setIcon(QIcon(str(asset("icons", "sync.svg"))))
        self.elsewhere_button.setIconSize(QSize(56, 56))
        self.elsewhere_button.setText(self.tr("I already use Lamplight\non another computer"))
        self.elsewhere_button.setMinimumSize(220, 150)
        self.elsewhere_button.setStyleSheet(
            "#elsewhereProfile { background: #eef4fb; border: 2px dashed #4a7db3; }"
        )
        self.elsewhere_button.clicked.connect(self.elsewhere_requested.emit)
        slot = len(people) + 1
        self.grid.addWidget(self.elsewhere_button, slot // COLUMNS, slot % COLUMNS)

    def ask_pin(self, profile_id: str, name: str) -> None:
        dialog = PinDialog(name, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                teacher = profiles.unlock(
                    self.context.db, profile_id, dialog.pin.text(), clock=self.context.clock
                )
            except ProfileLockedError as exc:
                dialog.show_error(describe_error(exc) or str(exc))
                continue
            except ProfileError as exc:
                dialog.show_error(describe_error(exc) or str(exc))
                continue
            self.opened.emit(teacher)
            return

    def create_profile(self) -> None:
        dialog = NewProfileDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.create_from_values(dialog.values())

    def create_from_values(self, values: dict[str, str]) -> Teacher | None:
        try:
            with self.context.db.write() as session:
                teacher = profiles.create_profile(session, clock=self.context.clock, **values)
        except ProfileError as exc:
            message.error(describe_error(exc) or str(exc))
            return None
        self.reload()
        self.opened.emit(teacher)
        return teacher
