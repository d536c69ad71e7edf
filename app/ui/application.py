"""Making the QApplication: the bundled CJK font, the teacher's language, a calm large style,
and the county's logo as the windows' icon."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSize, Qt, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import QApplication

from app import APP_NAME, __version__
from app.county import CountyProfile
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


def pick_language(requested: str | None, county_default: str = "") -> str:
    """``requested`` (``--lang``) if given, else the county's default language if it has one,
    else Chinese on a Chinese system, else English."""
    if requested:
        return requested if requested in LANGUAGES else "en"
    if county_default in LANGUAGES:
        return county_default
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


def current_language() -> str:
    """The language the app shows (as :func:`create_application` chose it; English before)."""
    app = QCoreApplication.instance()
    chosen = app.property("lamplight_language") if app is not None else None
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else "en"


def logo_pixmap(path: Path | None, height: int, ratio: float = 1.0) -> QPixmap | None:
    """The logo at ``path`` (PNG or SVG) ``height`` pixels high (times the screen's ``ratio``),
    its proportions kept; an SVG is drawn at that size. ``None``: no logo, or it cannot be read
    (logged)."""
    if path is None:
        return None
    reader = QImageReader(str(path))
    size = reader.size()
    device_height = max(1, round(height * ratio))
    if size.isValid() and not size.isEmpty():
        reader.setScaledSize(
            size.scaled(
                QSize(device_height * 20, device_height), Qt.AspectRatioMode.KeepAspectRatio
            )
        )
    image = reader.read()
    if image.isNull():
        log.warning("the county logo %s cannot be shown: %s", path, reader.errorString())
        return None
    if image.height() != device_height:  # a format that could not scale while reading
        image = image.scaledToHeight(device_height, Qt.TransformationMode.SmoothTransformation)
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def window_icon(county: CountyProfile | None = None) -> QIcon:
    """The county's logo when it has one that can be read, else Lamplight's lamp."""
    logo = county.logo if county is not None else None
    if logo is not None and logo_pixmap(logo, 64) is not None:
        return QIcon(str(logo))
    return QIcon(str(asset("icons", "lamplight.png")))


def create_application(
    language: str | None = None, county: CountyProfile | None = None
) -> QApplication:
    """The QApplication (made once per process), styled and translated.

    Args:
        language: the language asked for (``--lang``); else the county's, else the system's.
        county: the county profile (its default language, and its logo as the windows' icon).
    """
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(window_icon(county))
    load_font(app)
    chosen = pick_language(language, county.language if county is not None else "")
    app.setProperty("lamplight_language", chosen)
    install_translators(app, chosen)
    app.setStyleSheet(STYLE)
    return app
