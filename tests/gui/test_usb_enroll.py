"""Registering a computer with a registration file the county put on the USB stick, as a
teacher does it in the USB window: the big button shows only on a computer not registered
and only when the stick carries a registration for this county; one press registers it (in
the worker), and "send our progress" then writes a bundle signed with the new credential."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.sync.devices import DeviceState, device_state
from app.sync.stick_enroll import StickNotWritableError
from app.ui.usb_worker import UsbBackend
from tests.gui.test_usb_window import WAIT_MS, add_teacher, no_drives, open_stick, open_window
from tests.gui.usb_fakes import PackSpec, build_pack, enroll_offline, issue_credential
from wire.bundle import (
    BUNDLE_CONTEXT,
    MAX_BUNDLE_BYTES,
    bundle_body,
    bundle_key,
    find_bundles,
    read_envelope,
    verify_envelope,
)

SCHOOL = "石桥镇中心小学"


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A stick with one course from the county in ``lamplight/``."""
    root = tmp_path / "KINGSTON"
    build_pack(root / "lamplight", [PackSpec("classroom-safety", "课堂安全")])
    return root


def test_a_registered_computer_is_not_offered_a_registration(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    enroll_offline(context.db)
    issue_credential(stick / "lamplight")
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    assert window.stick_page.enroll_box.isHidden()
    assert window.stick_page.enroll_buttons == []


def test_without_a_registration_on_the_stick_it_says_what_to_ask_for(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    page = window.stick_page
    assert page.enroll_box.isVisibleTo(window) and page.enroll_buttons == []
    assert "not registered with the county yet" in page.enroll_text.text()
    assert "bring a registration file from the county" in page.enroll_text.text()


def test_another_countys_registration_is_not_offered(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    issue_credential(stick / "lamplight", county="other")
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    page = window.stick_page
    assert page.enroll_buttons == []
    assert "for another county" in page.enroll_text.text()


def test_one_press_registers_the_computer_and_its_progress_goes_signed_with_it(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    issued = issue_credential(stick / "lamplight")
    add_teacher(context, "王老师")
    window = open_window(qtbot, context)
    open_stick(qtbot, window, stick)
    page = window.stick_page
    [button] = page.enroll_buttons
    assert button.text() == f"Register this computer with this USB stick ({SCHOOL})"
    assert "press the button once" in page.enroll_text.text()

    with qtbot.waitSignal(window.device_enrolled, timeout=WAIT_MS) as enrolled:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    state: DeviceState = enrolled.args[0]
    assert (state.device_id, state.school) == (issued.device_id, SCHOOL)
    qtbot.waitUntil(lambda: "now registered" in page.enroll_result.text(), timeout=WAIT_MS)
    assert page.enroll_result.text() == (
        f"This computer is now registered for {SCHOOL}. You can send your progress now."
    )
    assert page.enroll_buttons == [] and page.enroll_text.isHidden()
    assert device_state(context.db).enrolled
    assert not (stick / "lamplight" / "enroll" / f"{issued.device_id}.json").exists()

    qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "now on the stick" in page.send_result.text(), timeout=WAIT_MS)
    [bundle] = find_bundles(stick / "lamplight")
    assert bundle.parent.name == issued.device_id
    envelope = read_envelope(bundle, limit=MAX_BUNDLE_BYTES)
    verify_envelope(envelope, bundle_key(issued.token), BUNDLE_CONTEXT, name=bundle.name)
    assert bundle_body(envelope, name=bundle.name).server_id == issued.server_id


def test_a_stick_that_cannot_be_written_says_so_and_registers_nothing(
    qtbot: QtBot, context: AppContext, ui_language: str, stick: Path
) -> None:
    issue_credential(stick / "lamplight")

    def locked(context: AppContext, folder: Path, school: str | None) -> DeviceState:
        raise StickNotWritableError("cannot remove: Read-only file system; nothing was stored")

    window = open_window(qtbot, context, UsbBackend(drives=no_drives, take_credential=locked))
    open_stick(qtbot, window, stick)
    page = window.stick_page
    qtbot.mouseClick(page.enroll_buttons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "could not be written" in page.enroll_result.text(), timeout=WAIT_MS)
    assert "lock switch" in page.enroll_result.text()
    assert not device_state(context.db).enrolled
    assert page.enroll_buttons[0].isEnabled()  # try again once it is unlocked


def test_the_main_window_catches_up_once_the_stick_registered_the_computer(
    qtbot: QtBot, window: Any, stick: Path
) -> None:
    # A county build: the server's address comes with the installer, the network does not.
    window.context.server_url = "http://127.0.0.1:9"
    window.sync.start = lambda: None  # no network here; the status line is what is checked
    window.downloads.start = lambda: None
    window.status.show_state()
    assert window.status.connect_button.isVisibleTo(window)
    issue_credential(stick / "lamplight")
    window.usb_backend = UsbBackend(drives=no_drives)
    usb = window.open_usb()
    open_stick(qtbot, usb, stick)
    [button] = usb.stick_page.enroll_buttons
    with qtbot.waitSignal(usb.device_enrolled, timeout=WAIT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not window.status.connect_button.isVisibleTo(window)
    assert window.status.sync_button.isVisibleTo(window)
