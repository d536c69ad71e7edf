"""Dialogs of the profile picker: entering a PIN (on a keypad others reuse), making a new
profile."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.storage.profiles import PIN_MAX, PIN_MIN


def error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


class PinPad(QWidget):
    """A PIN field with large on-screen digits for those who prefer a mouse.

    Signals:
        submitted(): the teacher pressed the big button (or Enter) with a PIN typed.
    """

    submitted = Signal()

    def __init__(self, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.setMinimumHeight(56)
        self.pin.returnPressed.connect(self._submit_if_filled)
        layout.addWidget(self.pin)
        self.error = error_label()
        layout.addWidget(self.error)
        pad = QGridLayout()
        for i, digit in enumerate("123456789"):
            pad.addWidget(self._key(digit), i // 3, i % 3)
        erase = QPushButton(self.tr("Delete"))
        erase.setMinimumHeight(56)
        erase.clicked.connect(self.pin.backspace)
        pad.addWidget(erase, 3, 0)
        pad.addWidget(self._key("0"), 3, 1)
        self.ok = QPushButton(ok_text)
        self.ok.setProperty("primary", True)
        self.ok.setMinimumHeight(56)
        self.ok.clicked.connect(self._submit_if_filled)
        pad.addWidget(self.ok, 3, 2)
        layout.addLayout(pad)

    def _key(self, digit: str) -> QPushButton:
        button = QPushButton(digit)
        button.setMinimumSize(72, 56)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda: self.pin.insert(digit))
        return button

    def _submit_if_filled(self) -> None:
        if self.pin.text():
            self.submitted.emit()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.pin.clear()
        self.pin.setFocus()


class PinDialog(QDialog):
    """Asks one teacher for their PIN."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Enter your PIN"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        greeting = QLabel(self.tr("Hello, %1! Please enter your PIN.").replace("%1", name))
        greeting.setProperty("role", "title")
        greeting.setWordWrap(True)
        layout.addWidget(greeting)
        self.pad = PinPad(self.tr("Open"))
        self.pad.submitted.connect(self.accept)
        self.pin, self.ok, self.error = self.pad.pin, self.pad.ok, self.pad.error
        layout.addWidget(self.pad)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        layout.addWidget(cancel)
        self.pin.setFocus()

    def show_error(self, text: str) -> None:
        self.pad.show_error(text)


GENDERS = ("female", "male", "unspecified")
AGE_BANDS = ("under30", "30to39", "40to49", "50plus")


class NewProfileDialog(QDialog):
    """Makes a new teacher profile: a few fields, big choices, the PIN twice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New teacher"))
        self.setModal(True)
        self.setMinimumWidth(560)
        outer = QVBoxLayout(self)
        heading = QLabel(self.tr("Tell us who you are"))
        heading.setProperty("role", "title")
        outer.addWidget(heading)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setMaxLength(100)
        form.addRow(self.tr("Your name"), self.name)
        self.school = QLineEdit()
        self.school.setMaxLength(200)
        form.addRow(self.tr("Your school"), self.school)
        gender_labels = (self.tr("Woman"), self.tr("Man"), self.tr("Rather not say"))
        self.gender, row = self._choices(gender_labels)
        form.addRow(self.tr("You are"), row)
        age_labels = (
            self.tr("Under 30"),
            self.tr("30-39"),
            self.tr("40-49"),
            self.tr("50 or over"),
        )
        self.age, row = self._choices(age_labels)
        form.addRow(self.tr("Your age"), row)
        self.subject = QComboBox()
        self.subject.setEditable(True)
        self.subject.addItems(
            [
                self.tr("Chinese"),
                self.tr("Mathematics"),
                self.tr("English"),
                self.tr("Science"),
                self.tr("Morality and Law"),
                self.tr("Music"),
                self.tr("Physical Education"),
                self.tr("Art"),
                self.tr("Information Technology"),
                self.tr("Other"),
            ]
        )
        form.addRow(self.tr("You teach"), self.subject)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(PIN_MAX)
        form.addRow(self.tr("Choose a PIN"), self.pin)
        self.pin2 = QLineEdit()
        self.pin2.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin2.setMaxLength(PIN_MAX)
        form.addRow(self.tr("PIN again"), self.pin2)
        outer.addLayout(form)
        hint = QLabel(
            self.tr(
                "Your PIN keeps your work yours. Use at least %1 digits and remember it."
            ).replace("%1", str(PIN_MIN))
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        outer.addWidget(hint)
        self.error = error_label()
        outer.addWidget(self.error)
        buttons = QHBoxLayout()
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        self.create_button = QPushButton(self.tr("Create my profile"))
        self.create_button.setProperty("primary", True)
        self.create_button.clicked.connect(self._check_and_accept)
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        outer.addLayout(buttons)

    def _choices(self, labels: tuple[str, ...]) -> tuple[QButtonGroup, QWidget]:
        group = QButtonGroup(self)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for i, text in enumerate(labels):
            radio = QRadioButton(text)
            group.addButton(radio, i)
            layout.addWidget(radio)
        layout.addStretch(1)
        return group, row

    def _problem(self) -> str | None:
        if not self.name.text().strip():
            return self.tr("Please write your name.")
        if self.gender.checkedId() < 0:
            return self.tr("Please choose one answer for \u201cYou are\u201d.")
        if self.age.checkedId() < 0:
            return self.tr("Please choose your age.")
        pin = self.pin.text()
        if len(pin) < PIN_MIN:
            return self.tr("The PIN needs at least %1 characters.").replace("%1", str(PIN_MIN))
        if pin != self.pin2.text():
            return self.tr("The two PINs are not the same. Please type them again.")
        return None

    def _check_and_accept(self) -> None:
        problem = self._problem()
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.accept()

    def values(self) -> dict[str, str]:
        return {
            "name": self.name.text().strip(),
            "school": self.school.text().strip(),
            "gender": GENDERS[self.gender.checkedId()],
            "age_band": AGE_BANDS[self.age.checkedId()],
            "subject": self.subject.currentText().strip(),
            "pin": self.pin.text(),
        }
