"""The status line as a teacher reads it: last sync in local time, what waits to be sent,
"Syncing…", why the last sync failed and what to do, and refused records with their details;
in English and in Chinese."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import profiles, records, settings
from app.storage.errors import DiskFullError
from app.sync.errors import DeviceRevokedError, OfflineError, SyncBusyError
from app.ui.application import create_application
from app.ui.problems_dialog import ProblemsDialog, ProblemsModel
from app.ui.status import StatusLine
from app.ui.texts import format_when
from tests.gui.sync_fakes import open_context, today_at
from tests.helpers.bad_server import bad_server
from wire.sync import Rejection

PROFILE = {
    "name": "王秀英",
    "school": "青山村小学",
    "gender": "female",
    "age_band": "50plus",
    "subject": "语文",
    "pin": "1357",
}


@pytest.fixture
def enrolled(data_paths: DataPaths) -> Iterator[AppContext]:
    context = open_context(data_paths, "http://county.test:8000", enrolled=True)
    yield context
    context.close()


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[str]:
    create_application("zh_CN")
    yield "zh_CN"
    create_application("en")


def status_line(qtbot: QtBot, context: AppContext) -> StatusLine:
    line = StatusLine(context)
    qtbot.addWidget(line)
    line.show()
    return line


def synced_now(context: AppContext) -> str:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with context.db.write() as session:
        settings.put(session, settings.LAST_SYNC, now.isoformat())
    return now.isoformat()


def test_last_sync_and_records_waiting(
    qtbot: QtBot, enrolled: AppContext, ui_language: str
) -> None:
    line = status_line(qtbot, enrolled)
    assert line.text() == "\u25cb Offline \u00b7 Last sync: never"
    assert line.sync_button.isVisible() and not line.connect_button.isVisible()
    assert not line.problems_button.isVisible() and not line.reason.isVisible()

    with enrolled.db.write() as session:
        profiles.create_profile(session, **PROFILE)  # its profile record waits to be sent
    last = synced_now(enrolled)
    line.mark(True)
    assert line.text() == (
        f"\u25cf Online \u00b7 Last sync: today {today_at(last)} \u00b7 "
        "1 record(s) waiting to be sent"
    )
    with enrolled.db.write() as session:
        seq = records.pending(session, 0, 10)[-1].seq
        settings.put(session, settings.PUSH_CURSOR, seq)
    line.show_state()
    assert line.text().endswith("\u00b7 Everything is sent")


def test_last_sync_is_said_in_local_time_with_today_and_yesterday(ui_language: str) -> None:
    moment = datetime(2024, 9, 2, 2, 5)  # naive UTC, as stored
    local = moment.replace(tzinfo=UTC).astimezone()
    assert format_when(moment.isoformat(), local.date()) == f"today {local:%H:%M}"
    next_day = local.date() + timedelta(days=1)
    assert format_when(moment.isoformat(), next_day) == f"yesterday {local:%H:%M}"
    later = local.date() + timedelta(days=5)
    assert format_when(moment.isoformat(), later) == f"{local:%Y-%m-%d %H:%M}"
    assert format_when("") == "never" and format_when("not a time") == "never"


def test_syncing_then_the_reason_of_a_failure(
    qtbot: QtBot, enrolled: AppContext, ui_language: str
) -> None:
    line = status_line(qtbot, enrolled)
    line.sync_started()
    assert line.text() == "\u21bb Syncing with the county server\u2026"
    assert not line.sync_button.isEnabled()
    line.sync_progressed("push")
    assert "sending your work" in line.text()
    line.sync_progressed("pull")
    assert "fetching your work from other computers" in line.text()

    line.sync_failed(OfflineError("connection refused"))
    assert line.sync_button.isEnabled()
    assert line.online is False and line.text().startswith("\u25cb Offline")
    assert line.reason.isVisible()
    assert line.reason.text() == (
        "Cannot reach the county server. Your work is saved on this computer and will be "
        "sent when the network is back."
    )
    line.sync_failed(DiskFullError("full"))
    assert "disk of this computer is full" in line.reason.text()
    line.sync_failed(SyncBusyError("busy"))
    assert "Another sync is running" in line.reason.text()

    line.sync_started()
    line.sync_finished()
    assert not line.reason.isVisible()
    assert line.online is True and line.text().startswith("\u25cf Online")


def test_in_chinese(qtbot: QtBot, enrolled: AppContext, chinese: str) -> None:
    with enrolled.db.write() as session:
        profiles.create_profile(session, **PROFILE)
    last = synced_now(enrolled)
    line = status_line(qtbot, enrolled)
    line.mark(True)
    assert (
        line.text() == f"\u25cf 在线 \u00b7 上次同步：今天 {today_at(last)} \u00b7 1 条记录等待发送"
    )
    assert line.sync_button.text() == "立即同步"
    line.sync_started()
    assert line.text() == "\u21bb 正在与县服务器同步……"
    line.sync_failed(OfflineError("connection refused"))
    assert line.text().startswith("\u25cb 离线")
    assert line.reason.text() == "无法连接县服务器。您的学习记录已保存在本机，联网后会自动发送。"
    line.sync_failed(DeviceRevokedError("revoked"))
    assert "县里已把这台电脑从服务器上移除" in line.reason.text()


def test_a_pc_not_connected_yet_offers_to_connect(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str
) -> None:
    context = open_context(data_paths, "http://county.test:8000", enrolled=False)
    line = status_line(qtbot, context)
    assert line.text() == (
        "\u25cb Offline \u00b7 This computer is not connected to the county server yet"
    )
    assert line.connect_button.isVisible() and not line.sync_button.isVisible()
    with qtbot.waitSignal(line.connect_requested):
        line.connect_button.click()
    context.close()


def add_problem(context: AppContext, code: str) -> str:
    record_id = str(uuid.uuid4())
    with context.db.write() as session:
        records.note_rejections(
            session, [Rejection(id=record_id, code=code, detail=f"server says {code}")]
        )
    return record_id


def test_refused_records_are_counted_and_listed(
    qtbot: QtBot, enrolled: AppContext, ui_language: str, qtmodeltester
) -> None:
    first = add_problem(enrolled, "conflict")
    add_problem(enrolled, "forbidden")
    line = status_line(qtbot, enrolled)
    assert line.problems_button.isVisible()
    assert line.problems_button.text() == "2 record(s) were not accepted \u2014 Details"
    with qtbot.waitSignal(line.problems_requested):
        line.problems_button.click()

    dialog = ProblemsDialog(enrolled)
    qtbot.addWidget(dialog)
    dialog.show()
    model = dialog.model
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    whats = {model.index(r, 1).data() for r in range(2)}
    assert any("already has a different copy" in w for w in whats)
    assert any("does not let this computer" in w for w in whats)
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert first in copied and "server says conflict" in copied


def test_problems_model_is_sound_when_empty(qtmodeltester) -> None:
    model = ProblemsModel()
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_the_probe_says_when_the_server_comes_back(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str
) -> None:
    info = json.dumps({"name": "x", "version": "1", "time": datetime.now(UTC).isoformat()})
    answers = {"/api/v1/info": (200, {"Content-Type": "application/json"}, info.encode())}
    with bad_server(answers) as url:
        context = open_context(data_paths, url, enrolled=True)
        line = status_line(qtbot, context)
        with qtbot.assertNotEmitted(line.server_back, wait=100):
            line.check()  # the first answer is no "coming back"
            qtbot.waitUntil(lambda: line.online is True, timeout=10_000)
        line.mark(False)  # a sync found it gone
        with qtbot.waitSignal(line.server_back, timeout=10_000):
            line.check()
        assert line.online is True
        context.close()
