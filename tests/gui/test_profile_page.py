"""The profile picker on a shared PC: new profiles, PINs, one teacher cannot open another's."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage import profiles
from app.ui.dialogs import NewProfileDialog, PinDialog

VALUES = {
    "name": "王秀英",
    "school": "青山村小学",
    "gender": "female",
    "age_band": "50plus",
    "subject": "语文",
    "pin": "1357",
}


def test_new_profile_dialog_says_what_is_missing(qtbot: QtBot, ui_language: str) -> None:
    dialog = NewProfileDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.create_button.click()
    assert dialog.error.isVisible() and "name" in dialog.error.text()
    dialog.name.setText("李老师")
    dialog.gender.button(1).click()
    dialog.age.button(2).click()
    qtbot.keyClicks(dialog.pin, "1234")
    qtbot.keyClicks(dialog.pin2, "1243")
    dialog.create_button.click()
    assert "not the same" in dialog.error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.pin2.setText("1234")
    dialog.create_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.values()["gender"] == "male" and dialog.values()["age_band"] == "40to49"


def test_wrong_pin_is_refused_and_right_pin_opens(
    qtbot: QtBot, window, context: AppContext
) -> None:
    with context.db.write() as session:
        wang = profiles.create_profile(session, **VALUES)
        profiles.create_profile(session, **{**VALUES, "name": "李建国", "pin": "9999"})
    window.profiles.reload()
    assert len(window.profiles.buttons) == 2
    seen_errors: list[str] = []
    tries: list[str] = ["9999", "1357"]  # the other teacher's PIN first, then her own

    def type_pins() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PinDialog) or not dialog.isVisible():
            QTimer.singleShot(20, type_pins)
            return
        seen_errors.append(dialog.error.text() if dialog.error.isVisible() else "")
        dialog.pin.setText(tries.pop(0))
        dialog.ok.click()
        if tries:
            QTimer.singleShot(50, type_pins)

    QTimer.singleShot(0, type_pins)
    with qtbot.waitSignal(window.profiles.opened) as opened:
        window.profiles.buttons[wang.id].click()
    assert seen_errors[0] == ""
    assert "not right" in seen_errors[1]
    assert opened.args[0].id == wang.id
    assert window.teacher is not None and window.teacher.name == "王秀英"
    assert "王秀英" in window.teacher_label.text()


def test_switch_teacher_returns_to_the_picker(qtbot: QtBot, window) -> None:
    window.profiles.create_from_values(VALUES)
    assert window.stack.currentWidget() is window.catalog
    window.switch_button.click()
    assert window.teacher is None
    assert window.stack.currentWidget() is window.profiles
    assert not window.switch_button.isVisible()
