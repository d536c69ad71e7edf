"""The window side of ``--self-test`` (:mod:`app.self_test`): what a build must carry for a
teacher to see and use the app - the CJK font, the translations, the video and PDF engines -
and the main window itself, built offscreen.

Each check returns a line saying what it found, or raises :class:`app.self_test.CheckFailed`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from app.self_test import CheckFailed
from app.ui.application import create_application, install_translators, load_font

#: A one-page PDF (an empty A4 page), enough for the PDF engine to open.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

Check = Callable[[], str]


def window_checks(context: AppContext, language: str | None) -> list[tuple[str, Check]]:
    """The checks, in order; the application is made by the first one."""
    app: list[QApplication] = []

    def fonts_and_language() -> str:
        application = create_application(language, context.county)
        app.append(application)
        family = load_font(application)
        if family is None:
            raise CheckFailed("the bundled CJK font (assets/fonts) did not load")
        chosen = str(application.property("lamplight_language"))
        loaded = install_translators(application, "zh_CN")
        if len(loaded) < 2:
            raise CheckFailed(
                f"the Chinese translations did not load ({len(loaded)} of 2: Lamplight's, Qt's)"
            )
        install_translators(application, chosen)
        return f"font {family}; Chinese translations (Lamplight's and Qt's); language {chosen}"

    def video() -> str:
        from PySide6.QtMultimedia import QMediaFormat, QMediaPlayer

        player = QMediaPlayer()
        try:
            if not player.isAvailable():
                raise CheckFailed("no video engine (Qt's FFmpeg media plugin is missing)")
            decode = QMediaFormat.ConversionMode.Decode
            media = QMediaFormat()
            if QMediaFormat.FileFormat.MPEG4 not in media.supportedFileFormats(decode):
                raise CheckFailed("the video engine cannot read MP4 files")
        finally:
            player.deleteLater()
        return "MP4 videos playable"

    def pdf() -> str:
        from PySide6.QtPdf import QPdfDocument

        document = QPdfDocument()
        buffer = QBuffer()
        buffer.setData(QByteArray(TINY_PDF))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document.load(buffer)
        pages = document.pageCount()
        document.close()
        if pages != 1:
            raise CheckFailed(f"the PDF engine read {pages} pages of a one-page document")
        return "PDF documents readable"

    def main_window() -> str:
        from app.ui.main_window import MainWindow

        window = MainWindow(context)
        try:
            window.show()
            app[0].processEvents()
            image = window.grab()
            if image.isNull() or image.width() < 100:
                raise CheckFailed("the main window did not draw")
            return f'"{window.windowTitle()}", {image.width()}x{image.height()}'
        finally:
            window.close()
            window.deleteLater()
            app[0].processEvents()

    return [
        ("fonts and language", fonts_and_language),
        ("video", video),
        ("PDF", pdf),
        ("main window", main_window),
    ]
