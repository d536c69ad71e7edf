"""Download settings: the county's defaults shown beside this PC's choices; hours, speed and disk
space saved for this PC; the county's settings again with one button."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import QTime
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.county import CountyProfile
from app.paths import DataPaths
from app.storage import settings
from app.sync.policy import DownloadPolicy, TimeWindow
from app.sync.schedule import Backoff
from app.ui.download_settings_dialog import GB, OTHER, DownloadSettingsDialog
from app.ui.download_worker import DownloadWorker
from app.ui.downloads_page import DownloadsPage
from tests.gui.download_fakes import FakeDrain
from tests.gui.sync_fakes import idle_client, open_context

COUNTY = DownloadPolicy(window=TimeWindow.parse("18:00-07:00"), max_rate=250_000, reserve=GB)


@pytest.fixture
def county_pc(data_paths: DataPaths, ui_language: str) -> Iterator[AppContext]:
    context = open_context(data_paths, "http://county.test:8000", enrolled=True)
    context.county = CountyProfile(downloads=COUNTY)
    yield context
    context.close()


def open_dialog(qtbot: QtBot, context: AppContext) -> DownloadSettingsDialog:
    dialog = DownloadSettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_it_shows_the_county_rules_until_this_pc_has_its_own(
    qtbot: QtBot, county_pc: AppContext
) -> None:
    dialog = open_dialog(qtbot, county_pc)
    assert dialog.hours.isChecked()
    assert (dialog.start.time(), dialog.end.time()) == (QTime(18, 0), QTime(7, 0))
    assert dialog.rate.currentText() == "2 Mbit/s"
    assert dialog.reserve.value() == pytest.approx(1.0)
    assert dialog.county_label.text() == (
        "Your county's settings: download from 18:00 to 07:00 \u00b7 speed: 2 Mbit/s "
        "\u00b7 keep 1.0 GB free"
    )
    for button in (dialog.save_button, dialog.cancel_button, dialog.county_button):
        assert button.height() >= 48


def test_saving_keeps_this_pcs_rules_and_wakes_the_downloads(
    qtbot: QtBot, county_pc: AppContext
) -> None:
    fake = FakeDrain()
    worker = DownloadWorker(
        county_pc, drain_fn=fake, client_factory=idle_client, backoff=Backoff(rng=random.Random(1))
    )
    page = DownloadsPage(county_pc, worker)
    qtbot.addWidget(page)
    dialog = page.open_settings()
    qtbot.addWidget(dialog)
    dialog.hours.setChecked(False)
    dialog.rate.setCurrentIndex(dialog.rate.findText("512 kbit/s"))
    dialog.reserve.setValue(2.5)
    assert not dialog.start.isEnabled()
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        dialog.save_button.click()  # the worker looks again: the hours no longer hold it back
    expected = DownloadPolicy(window=None, max_rate=64_000, reserve=int(2.5 * GB))
    assert county_pc.download_policy() == expected
    assert fake.policies == [expected]


def test_another_speed_and_hours_that_make_no_sense(qtbot: QtBot, county_pc: AppContext) -> None:
    dialog = open_dialog(qtbot, county_pc)
    dialog.rate.setCurrentIndex(dialog.rate.findData(OTHER))
    assert dialog.custom_rate.isVisible()
    dialog.custom_rate.setValue(300)
    dialog.start.setTime(QTime(7, 30))
    dialog.end.setTime(QTime(7, 30))
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "same time" in dialog.error.text()
    dialog.end.setTime(QTime(6, 0))
    dialog.save_button.click()
    assert not dialog.isVisible()
    policy = county_pc.download_policy()
    assert policy.max_rate == 37_500 and str(policy.window) == "07:30-06:00"

    again = open_dialog(qtbot, county_pc)  # shows what was saved, the odd speed included
    assert again.rate.currentData() == OTHER and again.custom_rate.value() == 300


def test_the_countys_settings_again_forget_this_pcs_own(
    qtbot: QtBot, county_pc: AppContext
) -> None:
    dialog = open_dialog(qtbot, county_pc)
    dialog.rate.setCurrentIndex(dialog.rate.findData(0))
    dialog.save_button.click()
    assert county_pc.download_policy() == replace(COUNTY, max_rate=0)

    dialog = open_dialog(qtbot, county_pc)
    assert dialog.rate.currentText() == "No limit"
    dialog.county_button.click()
    assert dialog.rate.currentText() == "2 Mbit/s"
    dialog.save_button.click()
    with county_pc.db.read_session() as session:
        assert settings.get_set(session, settings.DOWNLOAD_MAX_RATE) is None
        assert settings.get_set(session, settings.DOWNLOAD_WINDOW) is None
    # A later change by the county applies here again.
    county_pc.county = CountyProfile(downloads=replace(COUNTY, max_rate=125_000))
    assert county_pc.download_policy().max_rate == 125_000
