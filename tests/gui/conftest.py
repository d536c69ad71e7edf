"""GUI fixtures: a real QApplication offscreen (English unless asked), a data dir, a window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.ui import message


@pytest.fixture
def data_paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data").ensure()


@pytest.fixture
def ui_language(qapp: object) -> Iterator[str]:
    from app.ui.application import create_application

    create_application("en")
    yield "en"


@pytest.fixture
def context(data_paths: DataPaths) -> Iterator[AppContext]:
    ctx = AppContext.open(data_paths, None)
    yield ctx
    ctx.close()


@pytest.fixture
def fresh_messages() -> Iterator[message.MessageBus]:
    message.reset()
    yield message.bus()
    message.reset()


@pytest.fixture
def window(qtbot: QtBot, context: AppContext, ui_language: str, fresh_messages: message.MessageBus):
    from app.ui.main_window import MainWindow

    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    return win
