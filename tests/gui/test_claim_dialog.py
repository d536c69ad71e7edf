"""A teacher who uses Lamplight on another PC brings their profile here: find your name, pick
yourself, type your PIN; wrong PINs say how many tries are left, a lockout says when to try
again; then the profile is on the picker, opens with the same PIN, and a sync starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import profiles
from app.ui import message
from app.ui.application import create_application
from app.ui.claim_dialog import ClaimDialog
from app.ui.enroll_dialog import EnrollDialog
from app.ui.main_window import MainWindow
from tests.gui.sync_fakes import (
    PIN,
    FakeCounty,
    FakeSync,
    dead_url,
    idle_client,
    open_context,
    when_modal,
)


@pytest.fixture
def county() -> FakeCounty:
    county = FakeCounty()
    county.add_teacher("王秀英", "青山村小学")
    county.add_teacher("王建国", "")
    county.add_teacher("李明", "城关镇中心小学")
    return county


@pytest.fixture
def enrolled(data_paths: DataPaths) -> Iterator[AppContext]:
    context = open_context(data_paths, dead_url(), enrolled=True)
    yield context
    context.close()


def make_dialog(qtbot: QtBot, context: AppContext, county: FakeCounty) -> ClaimDialog:
    dialog = ClaimDialog(context, client_factory=county.client)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def search(qtbot: QtBot, dialog: ClaimDialog, name: str) -> None:
    dialog.name.setText(name)  # Chinese comes from the input method, not key by key
    dialog.search_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)


def enter_pin(qtbot: QtBot, dialog: ClaimDialog, pin: str) -> None:
    for digit in pin:  # on the big keypad, as with a mouse
        next(b for b in dialog.pad.findChildren(type(dialog.pad.ok)) if b.text() == digit).click()
    dialog.pad.ok.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)


def test_find_pick_and_open_with_the_pin(
    qtbot: QtBot, enrolled: AppContext, county: FakeCounty, ui_language: str
) -> None:
    dialog = make_dialog(qtbot, enrolled, county)
    search(qtbot, dialog, "王")
    texts = [b.text() for b in dialog.result_buttons]
    assert texts == ["王秀英\n青山村小学", "王建国\n(no school given)"]
    dialog.result_buttons[0].click()
    assert dialog.pages.currentIndex() == 1
    assert dialog.greeting.text() == "Hello, 王秀英! Please enter your PIN."

    enter_pin(qtbot, dialog, "1111")
    assert dialog.pad.error.text() == "That PIN is not right. You can try 4 more time(s)."
    assert dialog.pad.pin.text() == ""
    enter_pin(qtbot, dialog, "2222")
    assert "3 more time(s)" in dialog.pad.error.text()

    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        enter_pin(qtbot, dialog, PIN)
    teacher = dialog.teacher
    assert teacher is not None and teacher.name == "王秀英" and teacher.school == "青山村小学"
    # The profile lives here now, and opens with the same PIN.
    assert profiles.unlock(enrolled.db, teacher.id, PIN).name == "王秀英"


def test_a_lockout_says_when_to_try_again(
    qtbot: QtBot, enrolled: AppContext, county: FakeCounty, ui_language: str
) -> None:
    dialog = make_dialog(qtbot, enrolled, county)
    search(qtbot, dialog, "李")
    dialog.result_buttons[0].click()
    county.locked = True
    enter_pin(qtbot, dialog, "1234")
    text = dialog.pad.error.text()
    assert text.startswith("Too many wrong tries. Please try again after ")
    assert text.endswith("(in about 15 minute(s)).")
    assert dialog.isVisible()


def test_nobody_found_a_short_pin_and_no_network(
    qtbot: QtBot, enrolled: AppContext, county: FakeCounty, ui_language: str
) -> None:
    dialog = make_dialog(qtbot, enrolled, county)
    dialog.search_button.click()
    assert dialog.find_note.text() == "Please type your name first."
    search(qtbot, dialog, "赵")
    assert dialog.result_buttons == []
    assert dialog.find_note.text().startswith("Nobody with this name was found.")

    search(qtbot, dialog, "李明")
    dialog.result_buttons[0].click()
    dialog.pad.pin.setText("12")
    dialog.pad.ok.click()
    assert "at least 4 digits" in dialog.pad.error.text()
    assert county.requests_to(f"/api/v1/teachers/{next(iter(county.teachers))}/claim") == []

    county.offline = True
    enter_pin(qtbot, dialog, PIN)
    assert dialog.pad.error.text().startswith("Cannot reach the county server.")
    dialog.back_button.click()
    assert dialog.pages.currentIndex() == 0


def test_pin_pad_in_chinese(
    qtbot: QtBot, enrolled: AppContext, county: FakeCounty, qapp: QApplication
) -> None:
    create_application("zh_CN")
    try:
        dialog = make_dialog(qtbot, enrolled, county)
        assert dialog.search_button.text() == "查找"
        search(qtbot, dialog, "王秀")
        dialog.result_buttons[0].click()
        enter_pin(qtbot, dialog, "9999")
        assert dialog.pad.error.text() == "密码不对。您还可以再试 4 次。"
    finally:
        create_application("en")


def test_from_the_picker_tile_to_the_profile_and_a_sync(
    qtbot: QtBot,
    enrolled: AppContext,
    county: FakeCounty,
    ui_language: str,
    fresh_messages: message.MessageBus,
) -> None:
    window = MainWindow(enrolled)
    qtbot.addWidget(window)
    window.claim_client = county.client
    fake = FakeSync()
    window.sync.sync_fn, window.sync.client_factory = fake, idle_client
    window.show()

    def claim(dialog: ClaimDialog) -> None:
        dialog.name.setText("王秀英")
        dialog.search_button.click()
        qtbot.waitUntil(lambda: bool(dialog.result_buttons), timeout=10_000)
        dialog.result_buttons[0].click()
        dialog.pad.pin.setText(PIN)
        dialog.pad.ok.click()

    when_modal(qtbot, ClaimDialog, claim)
    with qtbot.waitSignal(window.sync.finished, timeout=10_000):
        window.profiles.elsewhere_button.click()
    assert window.teacher is not None and window.teacher.name == "王秀英"
    assert window.stack.currentWidget() is window.catalog
    assert window.teacher.id in window.profiles.buttons  # on the picker from now on
    assert fake.calls == 1  # the sync that brings back the teacher's work
    assert fresh_messages.history[-1][1].startswith("Welcome, 王秀英!")
    window.close()


def test_on_a_pc_not_connected_yet_it_connects_first(
    qtbot: QtBot,
    data_paths: DataPaths,
    county: FakeCounty,
    ui_language: str,
    fresh_messages: message.MessageBus,
) -> None:
    context = open_context(data_paths, dead_url(), enrolled=False)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.enroll_transport = lambda: county.transport
    window.claim_client = county.client
    window.sync.sync_fn, window.sync.client_factory = FakeSync(), idle_client
    window.show()
    window.profiles.elsewhere_button.click()
    enroll = window.enroll_dialog
    assert isinstance(enroll, EnrollDialog) and enroll.reason.isVisible()
    assert "first connect this computer" in enroll.reason.text()
    enroll.code.setText("AB3D-EF7H")
    enroll.connect_button.click()
    qtbot.waitUntil(
        lambda: isinstance(QApplication.activeModalWidget(), ClaimDialog), timeout=10_000
    )
    claim = QApplication.activeModalWidget()
    assert isinstance(claim, ClaimDialog)
    claim.reject()
    window.close()
    context.close()
