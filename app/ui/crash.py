"""The crash dialog: a bug (not a known failure) shows what happened, with details to copy."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__

log = logging.getLogger(__name__)


def details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    lines = traceback.format_exception(exc_type, exc, tb)
    return (
        f"Lamplight {__version__}\nPython {platform.python_version()} on {platform.platform()}\n\n"
        + "".join(lines)
    )


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    text = details(exc_type, exc, tb)
    log.error("unexpected error\n%s", text)
    sys.stderr.write(text)
    if QApplication.instance() is None or QCoreApplication.instance() is None:
        return
    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(QCoreApplication.translate("Crash", "Lamplight has a problem"))
    box.setText(
        QCoreApplication.translate(
            "Crash",
            "Something went wrong inside Lamplight. Your work is saved. Please show this to your training coordinator; the button below copies the details.",
        )
    )
    box.setDetailedText(text)
    copy = box.addButton(
        QCoreApplication.translate("Crash", "Copy details"), QMessageBox.ButtonRole.ActionRole
    )
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.connect(lambda: QApplication.clipboard().setText(text))
    box.exec()


def install() -> None:
    sys.excepthook = excepthook
