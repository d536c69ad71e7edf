"""A county build's name, logo and default language: ``--lang`` first, then the county's
language, then the system's; the window named after the county with its logo in the header,
and plain "Lamplight" without one."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.county import CountyProfile, load_county
from app.paths import DataPaths
from app.resources import asset
from app.ui import message
from app.ui.application import (
    create_application,
    current_language,
    logo_pixmap,
    pick_language,
    window_icon,
)
from app.ui.main_window import LOGO_HEIGHT, MainWindow

REPO = Path(__file__).resolve().parents[2]
NAMES = {"zh_CN": "灯火研修 · 演示县", "en": "Lamplight - Demo County"}


@pytest.fixture
def english_system() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def svg_logo(tmp_path: Path) -> Path:
    """The demo county's logo (an SVG), where a county build keeps it."""
    return Path(shutil.copy(REPO / "counties" / "demo-logo.svg", tmp_path / "logo.svg"))


@pytest.fixture
def demo_county(svg_logo: Path) -> CountyProfile:
    return dataclasses.replace(load_county(), display_names=NAMES, logo=svg_logo, language="zh_CN")


def image(icon: QIcon) -> QImage:
    return icon.pixmap(48, 48).toImage()


def test_the_county_language_comes_after_lang_and_before_the_system(english_system: None) -> None:
    assert pick_language(None, "zh_CN") == "zh_CN"  # the county's, on an English system
    assert pick_language("en", "zh_CN") == "en"  # --lang wins
    assert pick_language(None, "") == "en"  # none: the system's
    assert pick_language(None) == "en"


def test_a_county_build_opens_in_its_language(
    qapp: QApplication, english_system: None, demo_county: CountyProfile
) -> None:
    try:
        create_application(None, demo_county)
        assert current_language() == "zh_CN"
        assert qapp.translate("ProfilePage", "I am new here") == "我是新老师"
        create_application("en", demo_county)
        assert current_language() == "en"
    finally:
        create_application("en")


def test_the_windows_icon_is_the_county_logo_when_it_can_be_read(
    qapp: QApplication, tmp_path: Path, svg_logo: Path
) -> None:
    lamp = image(QIcon(str(asset("icons", "lamplight.png"))))
    try:
        create_application("en", dataclasses.replace(CountyProfile(), logo=svg_logo))
        assert image(qapp.windowIcon()) == image(QIcon(str(svg_logo))) != lamp
        broken = tmp_path / "broken.png"
        broken.write_bytes(b"not a picture")
        for logo in (broken, tmp_path / "missing.svg", None):
            assert image(window_icon(dataclasses.replace(CountyProfile(), logo=logo))) == lamp
        assert logo_pixmap(broken, 32) is None
    finally:
        create_application("en")
    assert image(qapp.windowIcon()) == lamp


def open_window(qtbot: QtBot, data_paths: DataPaths, county: CountyProfile) -> MainWindow:
    context = AppContext.open(data_paths, county=county)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.destroyed.connect(context.close)
    window.show()
    return window


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_window_carries_the_county_name_and_logo(
    qtbot: QtBot,
    data_paths: DataPaths,
    demo_county: CountyProfile,
    language: str,
    fresh_messages: message.MessageBus,
) -> None:
    create_application(language)
    try:
        window = open_window(qtbot, data_paths, demo_county)
        assert window.windowTitle() == NAMES[language]
        assert window.app_name.text() == NAMES[language]
        assert window.logo.isVisible()
        logo = window.logo.pixmap()
        assert round(logo.height() / logo.devicePixelRatio()) == LOGO_HEIGHT
        assert logo.width() > 0
        # The logo sits left of the name, on the same line.
        assert window.logo.geometry().right() < window.app_name.geometry().left()
    finally:
        create_application("en")


def test_without_a_display_name_or_logo_it_is_plain_lamplight(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str, fresh_messages: message.MessageBus
) -> None:
    window = open_window(qtbot, data_paths, CountyProfile())
    assert window.windowTitle() == "Lamplight - teacher training"
    assert window.app_name.text() == "Lamplight"
    assert not window.logo.isVisible()


def test_a_name_in_one_language_only_is_used_in_both(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str, fresh_messages: message.MessageBus
) -> None:
    county = dataclasses.replace(CountyProfile(), display_names={"zh_CN": "灯火研修 · 石桥县"})
    window = open_window(qtbot, data_paths, county)
    assert window.windowTitle() == "灯火研修 · 石桥县" == window.app_name.text()
