"""Chinese by default on a Chinese system, rendered with the bundled font on any PC."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.ui.application import create_application, pick_language


def test_chinese_is_the_default_on_a_chinese_system() -> None:
    previous = QLocale()
    try:
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        assert pick_language(None) == "zh_CN"
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        assert pick_language(None) == "en"
        assert pick_language("zh_CN") == "zh_CN"
    finally:
        QLocale.setDefault(previous)


def test_the_bundled_font_draws_chinese(qtbot: QtBot) -> None:
    app = create_application("zh_CN")
    try:
        assert "WenQuanYi Micro Hei" in QFontDatabase.families()
        font = QApplication.font()
        assert "WenQuanYi Micro Hei" in font.families()
        assert QFontMetrics(font).inFontUcs4(ord("灯"))
        label = QLabel("灯火研修")
        qtbot.addWidget(label)
        label.resize(200, 40)
        image = label.grab().toImage()
        dark = sum(
            1
            for x in range(image.width())
            for y in range(image.height())
            if image.pixelColor(x, y).lightness() < 128
        )
        assert dark > 100, "the Chinese text drew (almost) nothing"
        assert app.translate("ProfilePage", "I am new here") == "我是新老师"
    finally:
        create_application("en")
