"""Connecting a PC to the county server with the school's enrollment code: the code however it
is typed, a wrong code, too many tries, no network; and the first start of a new PC."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.county import CountyProfile
from app.paths import DataPaths
from app.storage import settings
from app.ui import message
from app.ui.application import create_application
from app.ui.enroll_dialog import EnrollDialog, server_address
from app.ui.main_window import MainWindow
from tests.gui.sync_fakes import SCHOOL, FakeCounty, FakeSync, dead_url, idle_client, open_context


@pytest.fixture
def county() -> FakeCounty:
    return FakeCounty()


def make_dialog(qtbot: QtBot, context: AppContext, county: FakeCounty) -> EnrollDialog:
    dialog = EnrollDialog(context, transport_factory=lambda: county.transport)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def token(context: AppContext) -> str:
    with context.db.read_session() as session:
        return settings.get(session, settings.DEVICE_TOKEN)


def test_the_code_in_small_letters_with_a_dash_connects(
    qtbot: QtBot, data_paths: DataPaths, county: FakeCounty, ui_language: str
) -> None:
    context = open_context(data_paths, None, enrolled=False)
    dialog = make_dialog(qtbot, context, county)
    assert dialog.address.text() == ""
    dialog.address.setText("county.test:8000/")  # as written on the coordinator's note
    qtbot.keyClicks(dialog.code, "ab3d-ef7h")
    assert dialog.code.text() == "AB3D-EF7H"  # shown as printed on the note
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.connect_button.click()
        assert dialog.busy_label.isVisible() and not dialog.connect_button.isEnabled()
    [request] = county.requests_to("/api/v1/devices/enroll")
    assert request.url == "http://county.test:8000/api/v1/devices/enroll"
    assert json.loads(request.body)["code"] == "AB3DEF7H"
    assert dialog.state is not None and dialog.state.school == SCHOOL
    assert token(context) == "new-device-token"
    assert context.server_url == "http://county.test:8000"
    with context.db.read_session() as session:
        assert settings.get(session, settings.SERVER_URL) == "http://county.test:8000"
    context.close()


def test_a_wrong_code_says_so_and_the_dialog_stays(
    qtbot: QtBot, data_paths: DataPaths, county: FakeCounty, ui_language: str
) -> None:
    context = open_context(data_paths, "http://county.test:8000", enrolled=False)
    dialog = make_dialog(qtbot, context, county)
    assert dialog.address.text() == "http://county.test:8000"  # pre-filled
    dialog.code.setText("ZZZZ-ZZZZ")
    with qtbot.waitSignal(dialog.error_shown, timeout=10_000):
        dialog.connect_button.click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "does not know this enrollment code" in dialog.error.text()
    assert dialog.connect_button.isEnabled() and not dialog.busy_label.isVisible()
    assert token(context) == ""
    context.close()


def test_too_many_tries_and_no_network_are_explained(
    qtbot: QtBot, data_paths: DataPaths, county: FakeCounty, ui_language: str
) -> None:
    from app.sync.transport import FakeResponse

    context = open_context(data_paths, "http://county.test:8000", enrolled=False)
    county.code = "NEVER"
    dialog = make_dialog(qtbot, context, county)
    dialog.code.setText("AB3D-EF7H")
    original = county.transport.handler
    county.transport.handler = lambda request: FakeResponse(
        429, json={"detail": "slow down", "code": "too_many_attempts", "retry_after": 600}
    )
    with qtbot.waitSignal(dialog.error_shown, timeout=10_000):
        dialog.connect_button.click()
    assert "Too many wrong tries" in dialog.error.text()
    assert "in about 10 minute(s)" in dialog.error.text()

    county.transport.handler = original
    county.offline = True
    with qtbot.waitSignal(dialog.error_shown, timeout=10_000):
        dialog.connect_button.click()
    assert dialog.error.text().startswith(
        "Cannot reach the county server at http://county.test:8000."
    )
    context.close()


def test_nothing_is_sent_without_a_code_or_with_a_bad_address(
    qtbot: QtBot, data_paths: DataPaths, county: FakeCounty, ui_language: str
) -> None:
    context = open_context(data_paths, "http://county.test:8000", enrolled=False)
    dialog = make_dialog(qtbot, context, county)
    dialog.connect_button.click()
    assert dialog.error.text() == "Please type your school's enrollment code."
    dialog.code.setText("AB3D-EF7H")
    dialog.address.setText("ftp://county")
    dialog.connect_button.click()
    assert "check the county server address" in dialog.error.text()
    assert county.transport.requests == []
    context.close()


def test_addresses_are_completed_the_way_people_write_them() -> None:
    assert server_address(" 10.1.2.3:8765/ ") == "http://10.1.2.3:8765"
    assert server_address("https://county.example.cn") == "https://county.example.cn"
    assert server_address("") is None
    assert server_address("ftp://x") is None
    assert server_address("two words") is None


def test_wrong_code_in_chinese(
    qtbot: QtBot, data_paths: DataPaths, county: FakeCounty, qapp: QApplication
) -> None:
    create_application("zh_CN")
    try:
        context = open_context(data_paths, "http://county.test:8000", enrolled=False)
        dialog = make_dialog(qtbot, context, county)
        assert dialog.connect_button.text() == "连接"
        dialog.code.setText("ZZZZ-ZZZZ")
        with qtbot.waitSignal(dialog.error_shown, timeout=10_000):
            dialog.connect_button.click()
        assert dialog.error.text().startswith("县服务器不认识这个注册码。")
        context.close()
    finally:
        create_application("en")


def test_first_start_asks_to_connect_then_syncs_at_once(
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
    fake = FakeSync()
    window.sync.sync_fn, window.sync.client_factory = fake, idle_client
    window.show()
    window.start_background()
    dialog = window.enroll_dialog
    assert dialog is not None and dialog.isVisible()
    assert QApplication.activeModalWidget() is dialog
    assert window.status.connect_button.isVisible()

    dialog.address.setText("http://county.test:8000")
    dialog.code.setText("ab3def7h")
    with qtbot.waitSignal(window.sync.finished, timeout=10_000):
        dialog.connect_button.click()
    assert fake.calls == 1
    assert window.enroll_dialog is None
    assert window.sync.timer.isActive()  # and every few minutes from now on
    assert window.status.sync_button.isVisible() and not window.status.connect_button.isVisible()
    assert window.status.text().startswith("\u25cf Online \u00b7 Last sync: today")
    connected = f"This computer is now connected to the county server ({SCHOOL})."
    assert (message.Level.INFO, connected) in fresh_messages.history
    window.close()
    context.close()


def test_not_now_leaves_the_button_on_the_status_line(
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
    window.show()
    window.sync.start()
    assert window.enroll_dialog is not None
    window.enroll_dialog.later_button.click()
    assert window.enroll_dialog is None
    assert not window.sync.timer.isActive()
    window.status.connect_button.click()
    assert window.enroll_dialog is not None and window.enroll_dialog.isVisible()
    window.close()
    context.close()


def test_in_a_county_build_the_address_is_filled_in_and_enrolling_keeps_following_it(
    qtbot: QtBot, data_paths: DataPaths, county: FakeCounty, ui_language: str
) -> None:
    profile = CountyProfile(code="demo", name="灯火演示县", server_url="http://county.test:8000")
    context = AppContext.open(data_paths, county=profile)
    dialog = make_dialog(qtbot, context, county)
    assert dialog.address.text() == "http://county.test:8000"
    assert dialog.address_hint.isVisible()  # "the county filled this in"
    qtbot.keyClicks(dialog.code, "AB3D-EF7H")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.connect_button.click()
    assert token(context) == "new-device-token"
    with context.db.read_session() as session:
        # The profile's own address is not stored: a newer installer with a new one moves it.
        assert settings.get(session, settings.SERVER_URL) == ""
    assert context.server_url == "http://county.test:8000"
    context.close()


def test_an_address_typed_by_hand_gets_no_county_hint(
    qtbot: QtBot, data_paths: DataPaths, county: FakeCounty, ui_language: str
) -> None:
    context = open_context(data_paths, "http://other.test:8000", enrolled=False)
    dialog = make_dialog(qtbot, context, county)
    assert not dialog.address_hint.isVisible()
    context.close()
