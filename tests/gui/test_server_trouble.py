"""When the county server is down or talks nonsense, the teacher is told plainly and nothing
local changes."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import catalog, settings
from app.ui import message
from app.ui.main_window import MainWindow
from tests.helpers.bad_server import bad_server

INFO = json.dumps(
    {"name": "x", "version": "1", "api": 1, "time": datetime.now(UTC).isoformat()}
).encode()
JSON = {"Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_window(qtbot: QtBot, data_paths: DataPaths, url: str) -> tuple[MainWindow, AppContext]:
    context = AppContext.open(data_paths, url)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window, context


def test_server_down_shows_offline_without_an_error_box(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str, fresh_messages: message.MessageBus
) -> None:
    window, context = open_window(qtbot, data_paths, f"http://127.0.0.1:{free_port()}")
    with qtbot.waitSignal(window.catalog_refreshed, timeout=20_000) as refreshed:
        window.refresh_catalog()
    assert refreshed.args == [-1]
    assert window.status.online is False
    assert window.status.text().startswith("\u25cb Offline")
    assert "not connected to the county server yet" in window.status.text()
    assert fresh_messages.history == []  # being offline is normal, not an error
    context.close()


def test_catalog_that_does_not_parse_is_reported_and_changes_nothing(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str, fresh_messages: message.MessageBus
) -> None:
    answers = {
        "/api/v1/info": (200, JSON, INFO),
        "/api/v1/catalog": (200, JSON, b'{"courses": [{"id": "broken"'),
    }
    with bad_server(answers) as url:
        window, context = open_window(qtbot, data_paths, url)
        with qtbot.waitSignal(window.catalog_refreshed, timeout=20_000) as refreshed:
            window.refresh_catalog()
    assert refreshed.args == [-1]
    [(level, text)] = fresh_messages.history
    assert level == message.Level.ERROR
    assert "cannot read" in text and "Nothing was changed" in text
    with context.db.read_session() as session:
        assert catalog.count_courses(session) == 0
        assert settings.get(session, settings.CATALOG_CURSOR) == 0
    context.close()


def test_messages_are_in_chinese_on_a_chinese_ui(
    qtbot: QtBot, data_paths: DataPaths, fresh_messages: message.MessageBus
) -> None:
    from app.ui.application import create_application

    create_application("zh_CN")
    try:
        answers = {
            "/api/v1/info": (200, JSON, INFO),
            "/api/v1/catalog": (500, JSON, b'{"detail": "boom"}'),
        }
        with bad_server(answers) as url:
            window, context = open_window(qtbot, data_paths, url)
            with qtbot.waitSignal(window.catalog_refreshed, timeout=20_000):
                window.refresh_catalog()
        [(_level, text)] = fresh_messages.history
        assert text == "县里的服务器现在出了问题。请稍后再试。"
        assert window.profiles.new_button.text() == "我是新老师"
        context.close()
    finally:
        create_application("en")
