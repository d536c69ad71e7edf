"""Making the QApplication: the bundled CJK font, the teacher's language, a calm large style."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from app import APP_NAME, __version__
from app.resources import FONT_FILE, TRANSLATIONS, asset

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
BASE_POINT_SIZE = 13

STYLE = """
QWidget { font-size: 13pt; }
QPushButton, QToolButton { min-height: 44px; padding: 6px 16px; border-radius: 6px; }
QPushButton { background: #f3efe6; border: 1px solid #c9bfa8; }
QPushButton:hover { background: #ebe3d2; }
QPushButton:disabled { color: #9a9a9a; background: #f4f4f4; border-color: #dddddd; }
QPushButton[primary="true"] { background: #d9822b; color: white; border: 1px solid #b5661a;
                               font-weight: bold; }
QPushButton[primary="true"]:hover { background: #c9741f; }
QPushButton[primary="true"]:disabled { background: #ecd3b8; color: #fffaf3; border-color: #dcc0a0; }
QLineEdit, QComboBox { min-height: 40px; padding: 2px 8px; border: 1px solid #b9b0a0;
                       border-radius: 6px; background: white; }
QLabel[role="title"] { font-size: 20pt; font-weight: bold; }
QLabel[role="hint"] { color: #555555; }
QLabel[role="error"] { color: #b00020; font-weight: bold; }
QProgressBar { min-height: 26px; border: 1px solid #b9b0a0; border-radius: 6px;
               text-align: center; background: #ffffff; }
QProgressBar::chunk { background: #e0a050; border-radius: 5px; }
QRadioButton { spacing: 8px; padding: 4px 8px 4px 0; }
QRadioButton::indicator { width: 22px; height: 22px; }
QCheckBox { spacing: 10px; padding: 4px 0; }
QCheckBox::indicator { width: 22px; height: 22px; }
QToolButton { background: #ffffff; border: 1px solid #d8cfbd; border-radius: 10px; }
QToolButton:hover { background: #fff3df; }
QStatusBar QLabel { font-size: 12pt; padding: 0 8px; }
"""


def pick_language(requested: str | None) -> str:
    """``requested`` if given, else Chinese on a Chinese system, else English."""
    if requested:
        return requested if requested in LANGUAGES else "en"
    # QLocale() is the system locale unless something set a default (tests do).
    return "zh_CN" if QLocale().language() == QLocale.Language.Chinese else "en"


def load_font(app: QApplication) -> str | None:
    """Loads the bundled CJK font so Chinese renders on PCs that have none; returns its family."""
    font_id = QFontDatabase.addApplicationFont(str(asset(*FONT_FILE)))
    if font_id < 0:
        log.warning("could not load the bundled font %s", asset(*FONT_FILE))
        return None
    families = QFontDatabase.applicationFontFamilies(font_id)
    family = families[0] if families else None
    font = QFont(app.font())
    if family:
        # Latin text uses the system's sans font; anything it lacks falls back to ours.
        font.setFamilies([font.family(), family])
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    return family


_installed: list[QTranslator] = []


def install_translators(app: QApplication, language: str) -> list[QTranslator]:
    """Loads Lamplight's and Qt's own translations for ``language`` (English needs none),
    replacing the ones installed before."""
    while _installed:
        app.removeTranslator(_installed.pop())
    translators: list[QTranslator] = _installed
    if language == "en":
        return translators
    ours = QTranslator(app)
    if ours.load(f"lamplight_{language}", str(asset(*TRANSLATIONS))):
        translators.append(ours)
    else:
        log.warning("no translation for %s", language)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        translators.append(qt)
    for translator in translators:
        app.installTranslator(translator)
    return translators


def create_application(language: str | None = None) -> QApplication:
    """The QApplication (made once per process), styled and translated."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(asset("icons", "lamplight.png"))))
    load_font(app)
    chosen = pick_language(language)
    app.setProperty("lamplight_language", chosen)
    install_translators(app, chosen)
    app.setStyleSheet(STYLE)
    return app
